/**
 * The PaymentLinkRepository port on @effect/sql. A link is one `payment_links` row: the columns that
 * queries filter and sort on, plus the whole link as the JSON of its core Schema encoding. Every
 * change is a compare-and-set on `version`, written with its outbox events in one transaction.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { ReferenceTaken } from "@paylinks/core/DomainError"
import type { DomainEvent } from "@paylinks/core/DomainEvent"
import { IdGenerator } from "@paylinks/core/IdGenerator"
import type { PaymentLinkId } from "@paylinks/core/Ids"
import { Customer, type PaymentLink } from "@paylinks/core/PaymentLink"
import {
  PaymentLinkRepository,
  type PaymentLinkRepositoryShape,
  StaleLink,
  type StoredEvent
} from "@paylinks/core/PaymentLinkRepository"
import type { Tenant } from "@paylinks/core/Tenant"
import type { ListQuery } from "@paylinks/core/Validation"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { decodeEvent, decodeLink, encodeEvent, encodeLink, toInt, unixSeconds } from "./internal/codec.js"
import { StatementRunner } from "./StatementRunner.js"
import { BOOKKEEPING, Writer } from "./Writer.js"

const decodeCustomer = Schema.decodeUnknownSync(Customer)

/** The payment a transition captured, if any: its event carries it. */
const paymentsOf = (events: ReadonlyArray<DomainEvent>) =>
  events.flatMap((event) => (event._tag === "LinkPaid" || event._tag === "LinkPartiallyPaid" ? [event.payment] : []))

/**
 * Whether a failed statement broke the Payment Links reference uniqueness (`payment_links_reference`):
 * PostgreSQL names the index, SQLite the columns of the one unique index on the reference.
 */
const breaksReferenceUniqueness = (error: unknown): boolean => {
  if (!(error instanceof SqlError)) return false
  const cause = error.cause as { readonly message?: unknown; readonly constraint?: unknown } | undefined
  const message = typeof cause?.message === "string" ? cause.message : ""
  return (
    cause?.constraint === "payment_links_reference" ||
    message.includes("payment_links_reference") ||
    (message.includes("UNIQUE constraint failed") && message.includes("payment_links.receipt"))
  )
}

/** A statement whose reference-uniqueness breach is the domain's `ReferenceTaken`; any other fault a defect. */
const referenceChecked = <A>(
  statement: Effect.Effect<A, SqlError>,
  link: PaymentLink
): Effect.Effect<A, ReferenceTaken> =>
  Effect.catchAll(statement, (error) =>
    breaksReferenceUniqueness(error)
      ? Effect.fail(new ReferenceTaken({ reference: link.receipt ?? "" }))
      : Effect.die(error)
  )

/** The query behind `findById` (exported so tests can show its plan). */
export const findByIdStatement = (sql: SqlClient.SqlClient, tenant: Tenant, id: PaymentLinkId) =>
  sql<{ readonly data: unknown }>`SELECT data FROM payment_links
    WHERE id = ${id} AND merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode}`

/**
 * The status filter as of `now`, exactly as the core's `matchesQuery`: an open link whose
 * `expire_by` has come counts as expired and no longer as open.
 */
const statusFilter = (sql: SqlClient.SqlClient, status: NonNullable<ListQuery["status"]>, now: number) => {
  switch (status) {
    case "expired":
      return sql`(status = 'expired' OR (status IN ('issued', 'partially_paid') AND expire_by <= ${now}))`
    case "issued":
    case "partially_paid":
      return sql`status = ${status} AND expire_by > ${now}`
    default:
      return sql`status = ${status}`
  }
}

/** The query behind `list`: one page, newest first, always within the tenant (exported so tests can show its plan). */
export const listStatement = (sql: SqlClient.SqlClient, tenant: Tenant, query: ListQuery, now: number) => {
  const filters = [
    sql`merchant_id = ${tenant.merchantId}`,
    sql`mode = ${tenant.mode}`,
    sql`contract = ${query.contract}`
  ]
  if (query.status !== null) filters.push(statusFilter(sql, query.status, now))
  if (query.receipt !== null) filters.push(sql`receipt = ${query.receipt}`)
  if (query.customerId !== null) filters.push(sql`customer_id = ${query.customerId}`)
  if (query.upiLink !== null) filters.push(sql`upi_link = ${query.upiLink ? 1 : 0}`)
  if (query.paymentId !== null)
    filters.push(sql`id IN (SELECT link_id FROM link_payments WHERE payment_id = ${query.paymentId})`)
  if (query.from !== null) filters.push(sql`created_at >= ${query.from}`)
  if (query.to !== null) filters.push(sql`created_at <= ${query.to}`)
  return sql<{ readonly data: unknown }>`SELECT data FROM payment_links WHERE ${sql.and(filters)}
    ORDER BY created_at DESC, id DESC LIMIT ${query.count} OFFSET ${query.skip}`
}

export const make: Effect.Effect<
  PaymentLinkRepositoryShape,
  never,
  SqlClient.SqlClient | IdGenerator | Writer | StatementRunner
> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const ids = yield* IdGenerator
  const writer = yield* Writer
  const { rows, query: select } = yield* StatementRunner

  const appendEvents = (events: ReadonlyArray<DomainEvent>) =>
    Effect.gen(function* () {
      if (events.length === 0) return
      const now = unixSeconds(yield* Clock.currentTimeMillis)
      const eventRows = []
      for (const event of events) {
        eventRows.push({
          event_id: yield* ids.next("evt"),
          merchant_id: event.link.merchantId,
          mode: event.link.mode,
          link_id: event.link.id,
          event_type: event._tag,
          payload: encodeEvent(event),
          created_at: now,
          available_at: now
        })
      }
      yield* rows(sql`INSERT INTO outbox ${sql.insert(eventRows)}`)
    })

  const insertPayments = (link: PaymentLink, events: ReadonlyArray<DomainEvent>): Effect.Effect<void, SqlError> => {
    const payments = paymentsOf(events)
    if (payments.length === 0) return Effect.void
    return rows(
      sql`INSERT INTO link_payments ${sql.insert(
        payments.map((payment) => ({
          payment_id: payment.id,
          link_id: link.id,
          merchant_id: link.merchantId,
          mode: link.mode,
          amount: payment.amount,
          currency: payment.currency,
          method: payment.method,
          created_at: payment.createdAt
        }))
      )}`
    ).pipe(Effect.asVoid)
  }

  const selectLinks = (rows: ReadonlyArray<{ readonly data: unknown }>) =>
    rows.map((row) => decodeLink(row.data as string))
  const firstLink = (rows: ReadonlyArray<{ readonly data: unknown }>) =>
    rows.length === 0 ? Option.none() : Option.some(decodeLink(rows[0]!.data as string))

  const insert: PaymentLinkRepositoryShape["insert"] = (transition) =>
    writer.write(
      Effect.gen(function* () {
        const link = transition.link
        // Every write transaction opens with a write, so SQLite takes its write lock up front.
        if (link.customer !== null) {
          const customer = link.customer
          yield* rows(
            sql`INSERT INTO customers ${sql.insert({
              id: customer.id,
              merchant_id: link.merchantId,
              mode: link.mode,
              name: customer.name,
              email: customer.email,
              contact: customer.contact,
              created_at: link.createdAt
            })} ON CONFLICT (id) DO NOTHING`
          )
        }
        yield* referenceChecked(
          rows(
            sql`INSERT INTO payment_links ${sql.insert({
              id: link.id,
              merchant_id: link.merchantId,
              mode: link.mode,
              contract: link.contract,
              upi_link: link.upiLink ? 1 : 0,
              status: link.status,
              receipt: link.receipt,
              customer_id: link.customer?.id ?? null,
              created_at: link.createdAt,
              expire_by: link.expireBy,
              short_code: link.shortCode,
              version: link.version,
              data: encodeLink(link)
            })}`
          ),
          link
        )
        yield* rows(
          sql`INSERT INTO orders ${sql.insert({
            id: link.orderId,
            link_id: link.id,
            merchant_id: link.merchantId,
            mode: link.mode,
            amount: link.amount,
            currency: link.currency,
            receipt: link.receipt,
            created_at: link.createdAt
          })}`
        )
        yield* insertPayments(link, transition.events)
        yield* appendEvents(transition.events)
      }).pipe(Effect.catchIf((error): error is SqlError => error instanceof SqlError, Effect.die))
    )

  const save: PaymentLinkRepositoryShape["save"] = (transition) =>
    writer.write(
      Effect.gen(function* () {
        const link = transition.link
        const customerId = link.customer?.id ?? null
        const updated = yield* rows(sql`UPDATE payment_links SET version = ${link.version}, data = ${encodeLink(link)}
            WHERE id = ${link.id} AND merchant_id = ${link.merchantId} AND mode = ${link.mode}
              AND version = ${link.version - 1}
            RETURNING id`).pipe(Effect.orDie)
        // The compare-and-set lost: nothing was written, and the caller retries from a fresh read.
        if (updated.length === 0) return yield* new StaleLink({ id: link.id })
        // The indexed columns only where they changed: the database rewrites the entries of every index on a column
        // an UPDATE sets, changed or not — random pages of large indexes, for a cancel or a notifier's confirmation
        // that changes neither receipt nor customer (nor, for a confirmation, status or expiry).
        yield* rows(sql`UPDATE payment_links SET status = ${link.status}, expire_by = ${link.expireBy}
            WHERE id = ${link.id} AND (status <> ${link.status} OR expire_by <> ${link.expireBy})`).pipe(Effect.orDie)
        yield* referenceChecked(
          rows(sql`UPDATE payment_links SET receipt = ${link.receipt}, customer_id = ${customerId}
            WHERE id = ${link.id} AND (receipt IS DISTINCT FROM ${link.receipt}
              OR customer_id IS DISTINCT FROM ${customerId})`),
          link
        )
        yield* insertPayments(link, transition.events).pipe(Effect.orDie)
        yield* appendEvents(transition.events).pipe(Effect.orDie)
      }),
      // The notifier's confirmation is the dispatcher's bookkeeping: lost to a power cut, the message is sent again.
      transition.events.length > 0 && transition.events.every((event) => event._tag === "NotificationSent")
        ? BOOKKEEPING
        : undefined
    )

  const findById: PaymentLinkRepositoryShape["findById"] = (tenant, id) =>
    select(findByIdStatement(sql, tenant, id), firstLink)

  const findByShortCode: PaymentLinkRepositoryShape["findByShortCode"] = (code) =>
    rows(sql<{ readonly data: unknown }>`SELECT data FROM payment_links WHERE short_code = ${code}`).pipe(
      Effect.map(firstLink),
      Effect.orDie
    )

  const findByPayment: PaymentLinkRepositoryShape["findByPayment"] = (tenant, paymentId) =>
    select(
      sql<{ readonly data: unknown }>`SELECT data FROM payment_links WHERE id = (
        SELECT link_id FROM link_payments
        WHERE payment_id = ${paymentId} AND merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode})`,
      firstLink
    )

  const findByOrder: PaymentLinkRepositoryShape["findByOrder"] = (tenant, orderId) =>
    select(
      sql<{ readonly data: unknown }>`SELECT data FROM payment_links WHERE id = (
        SELECT link_id FROM orders
        WHERE id = ${orderId} AND merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode})`,
      firstLink
    )

  const findCustomer: PaymentLinkRepositoryShape["findCustomer"] = (tenant, id) =>
    rows(sql<{ readonly id: string; readonly name: unknown; readonly email: unknown; readonly contact: unknown }>`
        SELECT id, name, email, contact FROM customers
        WHERE id = ${id} AND merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode}`).pipe(
      Effect.map((rows) => (rows.length === 0 ? Option.none() : Option.some(decodeCustomer(rows[0])))),
      Effect.orDie
    )

  const list: PaymentLinkRepositoryShape["list"] = (tenant, query, now) =>
    select(listStatement(sql, tenant, query, now), selectLinks)

  const findDue: PaymentLinkRepositoryShape["findDue"] = (now, limit, tenant?: Tenant) => {
    const scope = tenant === undefined ? sql`` : sql`AND merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode}`
    return rows(sql<{ readonly data: unknown }>`SELECT data FROM payment_links
        WHERE status IN ('issued', 'partially_paid') AND expire_by <= ${now} ${scope}
        ORDER BY expire_by, id LIMIT ${limit}`).pipe(Effect.map(selectLinks), Effect.orDie)
  }

  const eventsOf: PaymentLinkRepositoryShape["eventsOf"] = (tenant, id: PaymentLinkId) =>
    rows(sql<{ readonly sequence: unknown; readonly event_id: string; readonly payload: unknown }>`
        SELECT sequence, event_id, payload FROM outbox
        WHERE link_id = ${id} AND merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode}
        ORDER BY sequence`).pipe(
      Effect.map((found) =>
        found.map(
          (row): StoredEvent => ({
            sequence: toInt(row.sequence),
            eventId: row.event_id,
            event: decodeEvent(row.payload as string)
          })
        )
      ),
      Effect.orDie
    )

  return { insert, findById, findByShortCode, findByPayment, findByOrder, findCustomer, list, save, findDue, eventsOf }
})

export const layer: Layer.Layer<
  PaymentLinkRepository,
  never,
  SqlClient.SqlClient | IdGenerator | Writer | StatementRunner
> = Layer.effect(PaymentLinkRepository, make)
