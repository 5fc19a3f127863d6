/**
 * The sandbox Inbox port on @effect/sql: the notifications the sandbox notifier "sent", per tenant.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { IdGenerator } from "@paylinks/core/IdGenerator"
import { MerchantId, PaymentLinkId } from "@paylinks/core/Ids"
import { Inbox, type InboxMessage, type InboxShape } from "@paylinks/core/Inbox"
import * as Tenant from "@paylinks/core/Tenant"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { toInt } from "./internal/codec.js"
import { StatementRunner } from "./StatementRunner.js"
import { BOOKKEEPING, Writer } from "./Writer.js"

interface MessageRow {
  readonly id: string
  readonly merchant_id: string
  readonly mode: string
  readonly link_id: string
  readonly channel: string
  readonly recipient: string
  readonly subject: string | null
  readonly body: string
  readonly created_at: unknown
}

const toMessage = (row: MessageRow): InboxMessage => ({
  id: row.id,
  tenant: Tenant.make(
    MerchantId.make(row.merchant_id, { disableValidation: true }),
    row.mode === "live" ? "live" : "test"
  ),
  linkId: PaymentLinkId.make(row.link_id, { disableValidation: true }),
  channel: row.channel === "sms" ? "sms" : "email",
  to: row.recipient,
  subject: row.subject,
  text: row.body,
  createdAt: toInt(row.created_at)
})

export const make: Effect.Effect<InboxShape, never, SqlClient.SqlClient | Writer | IdGenerator | StatementRunner> =
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const writer = yield* Writer
    const ids = yield* IdGenerator
    const { rows } = yield* StatementRunner
    return {
      store: (message, now) =>
        Effect.gen(function* () {
          const stored: InboxMessage = {
            id: yield* ids.next("msg"),
            tenant: message.tenant,
            linkId: message.linkId,
            channel: message.channel,
            to: message.to,
            subject: message.subject,
            text: message.text,
            createdAt: now
          }
          yield* writer.write(
            Effect.orDie(
              rows(
                sql`INSERT INTO sandbox_inbox ${sql.insert({
                  id: stored.id,
                  merchant_id: stored.tenant.merchantId,
                  mode: stored.tenant.mode,
                  link_id: stored.linkId,
                  channel: stored.channel,
                  recipient: stored.to,
                  subject: stored.subject,
                  body: stored.text,
                  created_at: stored.createdAt
                })}`
              )
            ),
            BOOKKEEPING
          )
          return stored
        }),
      list: (tenant, query) => {
        const filters = [sql`merchant_id = ${tenant.merchantId}`, sql`mode = ${tenant.mode}`]
        if (query.channel !== undefined) filters.push(sql`channel = ${query.channel}`)
        if (query.linkId !== undefined) filters.push(sql`link_id = ${query.linkId}`)
        // Ids are random, so `seq` (the insertion order) makes "newest first" exact within one second.
        return Effect.orDie(
          rows(sql<MessageRow>`SELECT id, merchant_id, mode, link_id, channel, recipient, subject, body, created_at
            FROM sandbox_inbox WHERE ${sql.and(filters)} ORDER BY seq DESC LIMIT ${query.limit ?? 50}`)
        ).pipe(Effect.map((found) => found.map(toMessage)))
      }
    }
  })

export const layer: Layer.Layer<Inbox, never, SqlClient.SqlClient | Writer | IdGenerator | StatementRunner> =
  Layer.effect(Inbox, make)
