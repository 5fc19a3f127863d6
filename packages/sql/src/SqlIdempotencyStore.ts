/**
 * The IdempotencyStore port on @effect/sql. `begin` claims a key with one atomic upsert: a new key
 * (or one whose record is past the retention window) is taken over; an existing one is reported.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import {
  type Claim,
  IdempotencyStore,
  type IdempotencyStoreShape,
  RETENTION_SECONDS
} from "@paylinks/core/IdempotencyStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { toInt } from "./internal/codec.js"
import { Writer } from "./Writer.js"

/** Expired records are deleted on one claim in this many, so the table stays near 24 h of keys. */
const PURGE_EVERY = 1000

interface RecordRow {
  readonly request_hash: string
  readonly response_status: unknown
  readonly response_body: string | null
}

export const make: Effect.Effect<IdempotencyStoreShape, never, SqlClient.SqlClient | Writer> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const writer = yield* Writer
  let claims = 0

  const purge = (now: number) =>
    writer.write(Effect.orDie(sql`DELETE FROM idempotency_keys WHERE created_at <= ${now - RETENTION_SECONDS}`))

  const begin: IdempotencyStoreShape["begin"] = (tenant, key, requestHash, now) =>
    Effect.gen(function* () {
      for (;;) {
        const claimed = yield* writer.write(
          Effect.orDie(sql`INSERT INTO idempotency_keys
              (merchant_id, mode, idempotency_key, request_hash, created_at, response_status, response_body)
            VALUES (${tenant.merchantId}, ${tenant.mode}, ${key}, ${requestHash}, ${now}, NULL, NULL)
            ON CONFLICT (merchant_id, mode, idempotency_key) DO UPDATE SET
              request_hash = excluded.request_hash,
              created_at = excluded.created_at,
              response_status = NULL,
              response_body = NULL
            WHERE idempotency_keys.created_at + ${RETENTION_SECONDS} <= excluded.created_at
            RETURNING request_hash`)
        )
        if (claimed.length > 0) {
          if (++claims % PURGE_EVERY === 0) yield* purge(now)
          return { _tag: "Claimed" } as Claim
        }
        const rows = yield* sql<RecordRow>`SELECT request_hash, response_status, response_body FROM idempotency_keys
          WHERE merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode} AND idempotency_key = ${key}`.pipe(
          Effect.orDie
        )
        const record = rows[0]
        // Released between the two statements: claim again.
        if (record === undefined) continue
        if (record.request_hash !== requestHash) return { _tag: "Mismatch" } as Claim
        if (record.response_status === null || record.response_body === null) return { _tag: "InProgress" } as Claim
        return {
          _tag: "Replay",
          response: { status: toInt(record.response_status), body: record.response_body }
        } as Claim
      }
    })

  const complete: IdempotencyStoreShape["complete"] = (tenant, key, response) =>
    writer.write(
      Effect.orDie(sql`UPDATE idempotency_keys SET response_status = ${response.status}, response_body = ${response.body}
        WHERE merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode} AND idempotency_key = ${key}`)
    )

  const release: IdempotencyStoreShape["release"] = (tenant, key) =>
    writer.write(
      Effect.orDie(sql`DELETE FROM idempotency_keys
        WHERE merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode} AND idempotency_key = ${key}
          AND response_status IS NULL`)
    )

  return { begin, complete, release }
})

export const layer: Layer.Layer<IdempotencyStore, never, SqlClient.SqlClient | Writer> = Layer.effect(
  IdempotencyStore,
  make
)
