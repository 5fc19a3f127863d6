/**
 * The IdempotencyStore port (docs/http-api.md, "Idempotency-Key"): the first response to a POST with an
 * `Idempotency-Key` is kept per (tenant, key) for 24 hours and replayed byte for byte. Entry points do
 * not call it directly: they follow the one protocol in `Idempotency.ts` (claim → run → complete/release).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { Tenant } from "./Tenant.js"

/** How long a stored response is replayed. */
export const RETENTION_SECONDS = 24 * 60 * 60

export interface StoredResponse {
  readonly status: number
  readonly body: string
}

/** What `begin` found for a key. */
export type Claim =
  /** The key is new (or its record expired): the caller runs the request and then `complete`s or `release`s. */
  | { readonly _tag: "Claimed" }
  /** The same request was answered before: replay this. */
  | { readonly _tag: "Replay"; readonly response: StoredResponse }
  /** The key was used with a different request. */
  | { readonly _tag: "Mismatch" }
  /** The same key is being processed right now by another request. */
  | { readonly _tag: "InProgress" }

export interface IdempotencyStoreShape {
  /**
   * Atomically claims `key` for a request whose canonical form hashes to `requestHash`, or reports
   * what is already there. Records older than the retention window count as absent.
   */
  readonly begin: (tenant: Tenant, key: string, requestHash: string, now: number) => Effect.Effect<Claim>
  /** Stores the response of a claimed key. */
  readonly complete: (tenant: Tenant, key: string, response: StoredResponse) => Effect.Effect<void>
  /** Gives a claimed key up without a response (the request failed before a definitive answer). */
  readonly release: (tenant: Tenant, key: string) => Effect.Effect<void>
}

export class IdempotencyStore extends Context.Tag("@paylinks/core/IdempotencyStore")<
  IdempotencyStore,
  IdempotencyStoreShape
>() {}
