/**
 * StorageHealth: whether the database answers, for `/readyz`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { StorageUnavailable } from "./StorageError.js"

export interface StorageHealthShape {
  /** Succeeds when the database answers a trivial query in time. */
  readonly ping: Effect.Effect<void, StorageUnavailable>
}

export class StorageHealth extends Context.Tag("@paylinks/sql/StorageHealth")<StorageHealth, StorageHealthShape>() {}
