/**
 * The Outbox port on @effect/sql. A claim is one statement: on PostgreSQL the candidate rows are
 * picked with `FOR UPDATE SKIP LOCKED`, so relays in several processes never take the same row; on
 * SQLite the single `UPDATE … RETURNING` runs under the database's one write lock.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { PaymentLinkId } from "@paylinks/core/Ids"
import { Outbox, type OutboxEntry, type OutboxShape } from "@paylinks/core/Outbox"
import * as Tenant from "@paylinks/core/Tenant"
import { MerchantId } from "@paylinks/core/Ids"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { decodeEvent, toInt } from "./internal/codec.js"
import { StatementRunner } from "./StatementRunner.js"
import { BOOKKEEPING, Writer } from "./Writer.js"

interface EntryRow {
  readonly sequence: unknown
  readonly event_id: string
  readonly merchant_id: string
  readonly mode: string
  readonly link_id: string
  readonly payload: string
  readonly created_at: unknown
  readonly attempts: unknown
}

const toEntry = (row: EntryRow): OutboxEntry => ({
  sequence: toInt(row.sequence),
  eventId: row.event_id,
  tenant: Tenant.make(
    MerchantId.make(row.merchant_id, { disableValidation: true }),
    row.mode === "live" ? "live" : "test"
  ),
  linkId: PaymentLinkId.make(row.link_id, { disableValidation: true }),
  event: decodeEvent(row.payload),
  createdAt: toInt(row.created_at),
  attempts: toInt(row.attempts)
})

/**
 * The claim of up to `limit` entries, oldest first (exported so tests can show its plan). On PostgreSQL the
 * candidates are locked with `FOR UPDATE SKIP LOCKED`, so relays in several processes never take the same row; on
 * SQLite the single `UPDATE … RETURNING` runs under the database's one write lock.
 */
export const claimStatement = (
  sql: SqlClient.SqlClient,
  workerId: string,
  now: number,
  limit: number,
  leaseSeconds: number
) => {
  const claimable = sql`delivered_at IS NULL AND available_at <= ${now}
    AND (claimed_until IS NULL OR claimed_until <= ${now})`
  return sql.onDialectOrElse({
    pg: () => sql<EntryRow>`WITH due AS (
        SELECT sequence FROM outbox WHERE ${claimable}
        ORDER BY sequence LIMIT ${limit} FOR UPDATE SKIP LOCKED
      )
      UPDATE outbox SET claimed_by = ${workerId}, claimed_until = ${now + leaseSeconds}, attempts = attempts + 1
      FROM due WHERE outbox.sequence = due.sequence
      RETURNING outbox.sequence, event_id, merchant_id, mode, link_id, payload, created_at, attempts`,
    orElse: () => sql<EntryRow>`UPDATE outbox
      SET claimed_by = ${workerId}, claimed_until = ${now + leaseSeconds}, attempts = attempts + 1
      WHERE sequence IN (SELECT sequence FROM outbox INDEXED BY outbox_pending_in_order WHERE ${claimable}
        ORDER BY sequence LIMIT ${limit})
      RETURNING sequence, event_id, merchant_id, mode, link_id, payload, created_at, attempts`
  })
}

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export const make: Effect.Effect<OutboxShape, never, SqlClient.SqlClient | Writer | StatementRunner> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient
    const writer = yield* Writer
    const { rows } = yield* StatementRunner

    const claim: OutboxShape["claim"] = (workerId, now, limit, leaseSeconds) =>
      writer
        .write(Effect.orDie(rows(claimStatement(sql, workerId, now, limit, leaseSeconds))), BOOKKEEPING)
        // RETURNING follows no ORDER BY: restore the outbox order.
        .pipe(Effect.map((claimed) => claimed.map(toEntry).sort((a, b) => a.sequence - b.sequence)))

    // One statement for the lot: a relay's completions cost one write, not one savepoint and statement each.
    // (In chunks, well under any database's limit on bound parameters.)
    const completeAll: OutboxShape["completeAll"] = (sequences, now) =>
      Effect.forEach(
        chunks(sequences, 500),
        (chunk) =>
          writer.write(
            Effect.orDie(
              rows(sql`UPDATE outbox SET delivered_at = ${now}, claimed_by = NULL, claimed_until = NULL
        WHERE sequence IN ${sql.in(chunk)}`)
            ),
            BOOKKEEPING
          ),
        { discard: true }
      )

    const retryLater: OutboxShape["retryLater"] = (sequence, availableAt, error) =>
      writer.write(
        Effect.orDie(
          rows(sql`UPDATE outbox SET available_at = ${availableAt}, claimed_by = NULL, claimed_until = NULL,
        last_error = ${error} WHERE sequence = ${sequence}`)
        ),
        BOOKKEEPING
      )

    return { claim, complete: (sequence, now) => completeAll([sequence], now), completeAll, retryLater }
  }
)

export const layer: Layer.Layer<Outbox, never, SqlClient.SqlClient | Writer | StatementRunner> = Layer.effect(
  Outbox,
  make
)
