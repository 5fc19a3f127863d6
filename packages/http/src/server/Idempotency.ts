/**
 * `Idempotency-Key` on the API (docs/http-api.md): core's protocol (`@paylinks/core/Idempotency`)
 * with the API's answers — a replay carries `Idempotent-Replayed: true`, a key reused with another
 * request is a 400, and a key whose first request is still in flight is answered 409 at once (the
 * client retries). Every answer below 500 is stored; a 5xx or a fault gives the key up.
 */
import * as Idempotency from "@paylinks/core/Idempotency"
import type { IdempotencyStoreShape, StoredResponse } from "@paylinks/core/IdempotencyStore"
import type { Principal } from "@paylinks/core/Merchants"
import { LIMITS } from "@paylinks/core/Validation"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { requestHash } from "@paylinks/contract/Idempotency"
import type { ApiError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import { JSON_TYPE, type Reply } from "./Render.js"

const now = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

const replay = (response: StoredResponse): Effect.Effect<Reply> =>
  Effect.succeed({
    status: response.status,
    contentType: JSON_TYPE,
    body: response.body,
    headers: { "idempotent-replayed": "true" }
  })

const mismatch = Effect.suspend(() => WireErrors.badRequest(WireErrors.texts.idempotencyMismatch))
const inFlight = { _tag: "Answer", answer: Effect.suspend(() => WireErrors.idempotencyInProgress()) } as const

const outcome = (reply: Reply): Idempotency.Outcome<Reply> => ({
  answer: reply,
  store: reply.status < 500 && typeof reply.body === "string" ? { status: reply.status, body: reply.body } : undefined
})

/** `run` once per (caller's tenant, key): the first reply is stored and replayed. */
export const keyed = <R>(
  store: IdempotencyStoreShape,
  principal: Principal,
  key: string,
  method: string,
  pathname: string,
  body: unknown,
  run: Effect.Effect<Reply, never, R>
): Effect.Effect<Reply, ApiError, R> => {
  if (key.length === 0) return WireErrors.badRequest(WireErrors.texts.idempotencyKeyEmpty)
  if (key.length > LIMITS.idempotencyKey) return WireErrors.badRequest(WireErrors.texts.idempotencyKeyTooLong)
  return Idempotency.once<Reply, ApiError, R>(store, {
    tenant: principal.tenant,
    key,
    requestHash: requestHash(method, pathname, body),
    now,
    run: Effect.map(run, outcome),
    replay,
    mismatch,
    whileInFlight: inFlight
  })
}
