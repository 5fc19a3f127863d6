/**
 * The one idempotency protocol every entry point follows (the API's `Idempotency-Key`, the hosted
 * page's form, the CLI's local mode): claim the key for the request's hash; run the request only when
 * the claim is new; store its answer (`complete`) or give the key up (`release`) when it ends.
 *
 * The protocol decides nothing about the wire: the entry point says how a stored answer is replayed,
 * what a key reused with another request answers, and what to do while a first request with the key
 * is still in flight — answer at once (the API's 409) or wait for the first answer and replay it (the
 * hosted form). Plain `flatMap`s, no generator: the API runs this on every keyed request.
 */
import * as Effect from "effect/Effect"
import type { Claim, IdempotencyStoreShape, StoredResponse } from "./IdempotencyStore.js"
import type { Tenant } from "./Tenant.js"

/** What a claimed request ended with: the answer, and what to store for the key (`undefined` gives the key up). */
export interface Outcome<A> {
  readonly answer: A
  readonly store: StoredResponse | undefined
}

/** What to do while another request holds the key. */
export type WhileInFlight<A, E, R> =
  /** Answer at once (the API: `409`, the client retries). */
  | { readonly _tag: "Answer"; readonly answer: Effect.Effect<A, E, R> }
  /**
   * Ask the store again every `pollMillis` until the first request's answer is there (then replay it,
   * or claim the key when it was given up), and answer `timedOut` after `waitMillis`.
   */
  | {
      readonly _tag: "Wait"
      readonly pollMillis: number
      readonly waitMillis: number
      readonly timedOut: Effect.Effect<A, E, R>
    }

export interface Request<A, E, R> {
  readonly tenant: Tenant
  readonly key: string
  /** What makes two requests with the key "the same" (see `@paylinks/contract/Idempotency`'s `requestHash`). */
  readonly requestHash: string
  /** Now, in seconds: records older than the store's retention count as absent. */
  readonly now: Effect.Effect<number, never, R>
  /** Runs the request once the key is claimed. A failure or a defect gives the key up. */
  readonly run: Effect.Effect<Outcome<A>, E, R>
  /** The answer to a request the key already answered. */
  readonly replay: (response: StoredResponse) => Effect.Effect<A, E, R>
  /** The answer to the key reused with a different request. */
  readonly mismatch: Effect.Effect<A, E, R>
  readonly whileInFlight: WhileInFlight<A, E, R>
}

/** `run` once per (tenant, key): claim → run → complete (or release). */
export const once = <A, E, R>(store: IdempotencyStoreShape, request: Request<A, E, R>): Effect.Effect<A, E, R> => {
  const { tenant, key } = request
  const claimed = Effect.flatMap(
    Effect.onExit(request.run, (exit) =>
      exit._tag === "Success" && exit.value.store !== undefined
        ? store.complete(tenant, key, exit.value.store)
        : store.release(tenant, key)
    ),
    (outcome) => Effect.succeed(outcome.answer)
  )
  const claim = Effect.flatMap(request.now, (now) => store.begin(tenant, key, request.requestHash, now))
  const decide = (found: Claim, waitUntil: number | undefined): Effect.Effect<A, E, R> => {
    switch (found._tag) {
      case "Claimed":
        return claimed
      case "Replay":
        return request.replay(found.response)
      case "Mismatch":
        return request.mismatch
      case "InProgress": {
        const policy = request.whileInFlight
        if (policy._tag === "Answer") return policy.answer
        return Effect.flatMap(
          Effect.clockWith((clock) => clock.currentTimeMillis),
          (millis) => {
            const deadline = waitUntil ?? millis + policy.waitMillis
            if (millis >= deadline) return policy.timedOut
            return Effect.zipRight(
              Effect.sleep(policy.pollMillis),
              Effect.flatMap(claim, (next) => decide(next, deadline))
            )
          }
        )
      }
    }
  }
  return Effect.flatMap(claim, (found) => decide(found, undefined))
}
