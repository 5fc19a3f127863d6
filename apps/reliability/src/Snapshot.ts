/**
 * The stored state, read straight from the database (not through the server): every link, every
 * payment row and every outbox event — and, for SQLite, a digest of every table and the file's
 * integrity check. Tests compare what the server acknowledged with what is really there.
 */
import * as Crypto from "node:crypto"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { PaymentLink } from "@paylinks/core/PaymentLink"
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

export interface LinkRow {
  readonly id: string
  readonly merchantId: string
  readonly mode: string
  readonly status: string
  readonly version: number
  readonly link: PaymentLink
}

export interface PaymentRow {
  readonly paymentId: string
  readonly linkId: string
  readonly amount: number
}

export interface EventRow {
  readonly eventId: string
  readonly linkId: string
  readonly type: string
}

export interface Snapshot {
  readonly links: ReadonlyArray<LinkRow>
  readonly payments: ReadonlyArray<PaymentRow>
  readonly events: ReadonlyArray<EventRow>
}

const decodeLink = Schema.decodeUnknownSync(Schema.parseJson(PaymentLink))

interface RawRows {
  readonly links: ReadonlyArray<Record<string, unknown>>
  readonly payments: ReadonlyArray<Record<string, unknown>>
  readonly events: ReadonlyArray<Record<string, unknown>>
}

const LINKS = "SELECT id, merchant_id, mode, status, version, data FROM payment_links ORDER BY id"
const PAYMENTS = "SELECT payment_id, link_id, amount FROM link_payments ORDER BY payment_id"
const EVENTS = "SELECT event_id, link_id, event_type FROM outbox ORDER BY sequence"

const fromRows = (rows: RawRows): Snapshot => ({
  links: rows.links.map((row) => ({
    id: String(row.id),
    merchantId: String(row.merchant_id),
    mode: String(row.mode),
    status: String(row.status),
    version: Number(row.version),
    link: decodeLink(row.data)
  })),
  payments: rows.payments.map((row) => ({
    paymentId: String(row.payment_id),
    linkId: String(row.link_id),
    amount: Number(row.amount)
  })),
  events: rows.events.map((row) => ({
    eventId: String(row.event_id),
    linkId: String(row.link_id),
    type: String(row.event_type)
  }))
})

const openReadonly = (file: string) => new Database(file, { readonly: true, fileMustExist: true })

/** Everything stored in a SQLite file (read while a server may be writing: WAL readers see the last commit). */
export const fromSqlite = (file: string): Snapshot => {
  const db = openReadonly(file)
  try {
    return db.transaction(() =>
      fromRows({
        links: db.prepare(LINKS).all() as Array<Record<string, unknown>>,
        payments: db.prepare(PAYMENTS).all() as Array<Record<string, unknown>>,
        events: db.prepare(EVENTS).all() as Array<Record<string, unknown>>
      })
    )()
  } finally {
    db.close()
  }
}

/** Everything stored in a PostgreSQL database. */
export const fromPg = (url: string): Promise<Snapshot> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.make({ url: Redacted.make(url), maxConnections: 1 })
      return yield* sql.withTransaction(
        Effect.gen(function* () {
          // One snapshot for the three reads.
          yield* sql.unsafe("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
          return fromRows({
            links: yield* sql.unsafe<Record<string, unknown>>(LINKS),
            payments: yield* sql.unsafe<Record<string, unknown>>(PAYMENTS),
            events: yield* sql.unsafe<Record<string, unknown>>(EVENTS)
          })
        })
      )
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer), Effect.orDie)
  )

/** `PRAGMA integrity_check` of a SQLite file: "ok", or what is broken. */
export const integrityCheck = (file: string): string => {
  const db = openReadonly(file)
  try {
    const rows = db.prepare("PRAGMA integrity_check").all() as Array<{ integrity_check: string }>
    return rows.map((row) => row.integrity_check).join("; ")
  } finally {
    db.close()
  }
}

/** A digest per table of a SQLite file: every row of every table, in primary-key order. */
export const digest = (file: string): Readonly<Record<string, string>> => {
  const db = openReadonly(file)
  try {
    return db.transaction(() => {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as Array<{ name: string }>
      const digests: Record<string, string> = {}
      for (const { name } of tables) {
        const hash = Crypto.createHash("sha256")
        // Every table has a rowid; its order is the insertion order, the same for the same rows.
        for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).iterate())
          hash.update(JSON.stringify(row))
        digests[name] = hash.digest("hex")
      }
      return digests
    })()
  } finally {
    db.close()
  }
}

/** The tables whose digests differ. */
export const changedTables = (
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>
): ReadonlyArray<string> =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((table) => before[table] !== after[table])
