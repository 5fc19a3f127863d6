/**
 * SchemaStatus: which schema versions the open database has applied (opening it migrated it), for
 * `paylinks migrate`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/** One applied schema version. */
export interface AppliedMigration {
  readonly version: number
  readonly name: string
  /** Unix seconds. */
  readonly appliedAt: number
}

export interface Status {
  /** Every applied version, oldest first (the bootstrap row 0 left out). */
  readonly applied: ReadonlyArray<AppliedMigration>
  /** The database's version: the newest applied one, 0 for none. */
  readonly current: number
  /** The newest version this build knows. */
  readonly latest: number
}

export interface SchemaStatusShape {
  readonly read: Effect.Effect<Status>
}

export class SchemaStatus extends Context.Tag("@paylinks/sql/SchemaStatus")<SchemaStatus, SchemaStatusShape>() {}
