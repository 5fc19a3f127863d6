#!/usr/bin/env node
// The benchmark's floor: the least work Node.js and SQLite can do to answer paylinks' create, fetch, cancel and
// list-first-page requests with the same contract — Basic auth checked against a stored key (sha256 compared in
// constant time), the JSON body parsed and minimally validated, one prepared statement per request, WAL with
// synchronous=FULL (a 200 means the change is on disk, as with paylinks), and the full entity of
// docs/http-api.md#the-invoice-entity serialised with JSON.stringify. No framework, no group commit, no outbox:
// whatever paylinks spends beyond this is the price of its design, and the benchmark reports it as a ratio.
//
// Run: PAYLINKS_DATABASE=sqlite:<file> PAYLINKS_KEY_ID=rzp_test_… PAYLINKS_KEY_SECRET=… node bench/floor.mjs
// (also PAYLINKS_HOST, default 127.0.0.1; PAYLINKS_PORT, default 0 = a free port; PAYLINKS_PUBLIC_URL; or the flags
// --database, --host, --port). It prints `listening on <url>` once it accepts connections, like the real server.
import { createHash, randomFillSync, timingSafeEqual } from "node:crypto"
import http from "node:http"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import Database from "better-sqlite3"

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const MAX_BODY_BYTES = 1024 * 1024
const LIST_DEFAULT_COUNT = 10

// Razorpay's currency table (docs/domain.md#currencies): code → exponent.
const EXPONENTS = new Map([
  ...["BHD", "IQD", "JOD", "KWD", "OMR", "TND"].map((code) => [code, 3]),
  ..."BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(" ").map((code) => [code, 0]),
  ...(
    "AED ALL AMD AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BZD CAD CHF CNY COP CRC CUP CVE CZK DKK DOP " +
    "DZD EGP ETB EUR FJD GBP GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR JMD KES KGS KHR KYD KZT LAK LKR LRD " +
    "LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PEN PGK PHP PKR PLN QAR RON RSD " +
    "RUB SAR SCR SEK SGD SLL SOS SVC SZL THB TRY TTD TWD TZS UAH USD UYU UZS XCD YER ZAR ZMW"
  )
    .split(" ")
    .map((code) => [code, 2])
])

const symbols = new Map()
const currencySymbol = (currency) => {
  let symbol = symbols.get(currency)
  if (symbol === undefined) {
    const part = new Intl.NumberFormat("en-IN", { style: "currency", currency, currencyDisplay: "narrowSymbol" })
      .formatToParts(0)
      .find((p) => p.type === "currency")
    symbol = part?.value ?? currency
    symbols.set(currency, symbol)
  }
  return symbol
}

const formatMajor = (value, currency) => {
  const digits = EXPONENTS.get(currency)
  if (digits === 0) return String(value)
  const text = String(value).padStart(digits + 1, "0")
  return `${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`
}

// ---------------------------------------------------------------------------------------------------------------
// Random ids: base62 without modulo bias (bytes ≥ 248 are skipped), drawn from a refilled pool so that one request
// does not pay one getrandom call per id.

const pool = Buffer.alloc(4096)
let poolAt = pool.length

export const randomBase62 = (length) => {
  let out = ""
  while (out.length < length) {
    if (poolAt === pool.length) {
      randomFillSync(pool)
      poolAt = 0
    }
    const byte = pool[poolAt++]
    if (byte < 248) out += BASE62[byte % 62]
  }
  return out
}

export const newId = (prefix) => `${prefix}_${randomBase62(14)}`

/**
 * Short codes for one bulk seed, none drawn twice: eight random base62 characters collide within a million links
 * about once in 400 seeds, and the column is unique.
 */
export const uniqueShortCodes = () => {
  const drawn = new Set()
  return () => {
    for (;;) {
      const code = randomBase62(8)
      if (!drawn.has(code)) {
        drawn.add(code)
        return code
      }
    }
  }
}

/** Six calendar months later in UTC, a missing day clamped to the month's last (as paylinks' Calendar does). */
export const addSixMonths = (seconds) => {
  const date = new Date(seconds * 1000)
  const month = date.getUTCMonth() + 6
  const year = date.getUTCFullYear() + Math.floor(month / 12)
  const target = month % 12
  const day = Math.min(date.getUTCDate(), new Date(Date.UTC(year, target + 1, 0)).getUTCDate())
  return Math.floor(Date.UTC(year, target, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000)
}

// ---------------------------------------------------------------------------------------------------------------
// Storage

const SCHEMA = `
create table if not exists api_keys (
  key_id text primary key,
  secret_sha256 blob not null,
  merchant_id text not null
);
create table if not exists links (
  id text primary key,
  merchant_id text not null,
  mode text not null,
  status text not null,
  receipt text,
  customer_id text,
  customer_name text,
  customer_email text,
  customer_contact text,
  order_id text not null,
  amount integer not null,
  amount_paid integer not null,
  currency text not null,
  partial_payment integer not null,
  first_payment_min_amount integer,
  description text,
  notes text not null,
  expire_by integer not null,
  view_less integer not null,
  sms_status text,
  email_status text,
  reminder_enable integer not null,
  short_code text not null unique,
  short_url text not null,
  callback_url text,
  callback_method text,
  payment_id text,
  created_at integer not null,
  issued_at integer,
  paid_at integer,
  cancelled_at integer,
  expired_at integer,
  version integer not null
);
create index if not exists links_newest_first on links (merchant_id, mode, created_at desc, id desc);
`

const COLUMNS = [
  "id",
  "merchant_id",
  "mode",
  "status",
  "receipt",
  "customer_id",
  "customer_name",
  "customer_email",
  "customer_contact",
  "order_id",
  "amount",
  "amount_paid",
  "currency",
  "partial_payment",
  "first_payment_min_amount",
  "description",
  "notes",
  "expire_by",
  "view_less",
  "sms_status",
  "email_status",
  "reminder_enable",
  "short_code",
  "short_url",
  "callback_url",
  "callback_method",
  "payment_id",
  "created_at",
  "issued_at",
  "paid_at",
  "cancelled_at",
  "expired_at",
  "version"
]
const INSERT_SQL = `insert into links (${COLUMNS.join(", ")}) values (${COLUMNS.map((c) => `@${c}`).join(", ")})`

/** Opens (and creates) the floor's database: WAL, synchronous=FULL — every commit is fsynced before it returns. */
export const openFloorDatabase = (file) => {
  const db = new Database(file)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.pragma("busy_timeout = 5000")
  db.exec(SCHEMA)
  return db
}

/** The merchant a key id belongs to, creating the key (and its merchant) on first sight; idempotent like paylinks. */
export const seedKey = (db, keyId, secret) => {
  const existing = db.prepare("select merchant_id from api_keys where key_id = ?").get(keyId)
  const hash = createHash("sha256").update(secret).digest()
  if (existing) {
    db.prepare("update api_keys set secret_sha256 = ? where key_id = ?").run(hash, keyId)
    return existing.merchant_id
  }
  const merchantId = newId("acc")
  db.prepare("insert into api_keys (key_id, secret_sha256, merchant_id) values (?, ?, ?)").run(keyId, hash, merchantId)
  return merchantId
}

/** The row of a freshly issued link, as create writes it. */
export const issuedRow = ({ id, merchantId, mode, now, publicUrl, input, shortCode }) => {
  const code = shortCode ?? randomBase62(8)
  const customer = input.customer ?? null
  const smsNotify = input.sms_notify ?? true
  const emailNotify = input.email_notify ?? true
  return {
    id,
    merchant_id: merchantId,
    mode,
    status: "issued",
    receipt: input.receipt ?? null,
    customer_id: customer ? newId("cust") : null,
    customer_name: customer?.name ?? null,
    customer_email: customer?.email ?? null,
    customer_contact: customer?.contact ?? null,
    order_id: newId("order"),
    amount: input.amount,
    amount_paid: 0,
    currency: input.currency ?? "INR",
    partial_payment: input.partial_payment ? 1 : 0,
    first_payment_min_amount: input.first_payment_min_amount ?? null,
    description: input.description ?? null,
    notes: JSON.stringify(input.notes ?? {}),
    expire_by: input.expire_by ?? addSixMonths(now),
    view_less: input.view_less === false || input.view_less === 0 ? 0 : 1,
    sms_status: smsNotify && customer?.contact ? "pending" : null,
    email_status: emailNotify && customer?.email ? "pending" : null,
    reminder_enable: input.reminder_enable ? 1 : 0,
    short_code: code,
    short_url: `${publicUrl}/i/${code}`,
    callback_url: input.callback_url ?? null,
    callback_method: input.callback_method ?? null,
    payment_id: null,
    created_at: now,
    issued_at: now,
    paid_at: null,
    cancelled_at: null,
    expired_at: null,
    version: 1
  }
}

/**
 * Writes `count` issued links for one merchant in one transaction (the benchmark's bulk seeding) and returns their
 * ids. `created_at` steps back one second per link from `now`, so the list's first page is the newest ones.
 */
export const seedFloorLinks = (db, { keyId, count, now, publicUrl, input }) => {
  const { merchant_id: merchantId } = db.prepare("select merchant_id from api_keys where key_id = ?").get(keyId)
  const mode = keyId.startsWith("rzp_live_") ? "live" : "test"
  const insert = db.prepare(INSERT_SQL)
  const ids = new Array(count)
  const expireBy = addSixMonths(now)
  const shortCode = uniqueShortCodes()
  return bulkLoad(db, ["links"], () => {
    for (let i = 0; i < count; i++) {
      const id = newId("inv")
      const at = now - (count - i)
      const row = issuedRow({ id, merchantId, mode, now: at, publicUrl, input, shortCode: shortCode() })
      insert.run({ ...row, expire_by: expireBy })
      ids[i] = id
    }
    return ids
  })
}

/**
 * Runs `load` (which may be async) in one transaction tuned for a bulk load into `tables`: no fsync (the seed's
 * durability is not what is measured), a page cache that holds the whole database, and the tables' secondary
 * indexes dropped first and rebuilt after from their own definitions — a sorted build instead of a million random
 * B-tree inserts (a 1,000,000-link paylinks seed went from 75 s to 28 s). Unique and primary-key indexes stay.
 */
export const bulkLoad = async (db, tables, load) => {
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ` +
        `AND tbl_name IN (${tables.map(() => "?").join(", ")})`
    )
    .all(...tables)
  db.pragma("synchronous = OFF")
  db.pragma(`cache_size = -${2 * 1024 * 1024}`)
  db.exec("BEGIN")
  try {
    for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`)
    const result = await load()
    for (const index of indexes) db.exec(index.sql)
    db.exec("COMMIT")
    return result
  } catch (error) {
    db.exec("ROLLBACK")
    throw error
  } finally {
    db.pragma("synchronous = FULL")
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The entity (docs/http-api.md#the-invoice-entity), every key in order.

const isOpen = (status) => status === "issued" || status === "partially_paid"

const toEntity = (row, now) => {
  // Expiry is decided by the clock: an open link past expire_by reads as expired before any sweeper stores it.
  const due = isOpen(row.status) && now >= row.expire_by
  const status = due ? "expired" : row.status
  const hasCustomer = row.customer_id !== null
  return {
    id: row.id,
    entity: "invoice",
    receipt: row.receipt,
    invoice_number: row.receipt,
    customer_id: row.customer_id,
    customer: hasCustomer
      ? { name: row.customer_name, contact: row.customer_contact, email: row.customer_email }
      : null,
    customer_details: {
      id: row.customer_id,
      name: row.customer_name,
      email: row.customer_email,
      contact: row.customer_contact,
      gstin: null,
      billing_address: null,
      shipping_address: null,
      customer_name: row.customer_name,
      customer_email: row.customer_email,
      customer_contact: row.customer_contact
    },
    order_id: row.order_id,
    line_items: [],
    payment_id: row.payment_id,
    status,
    expire_by: row.expire_by,
    issued_at: row.issued_at,
    paid_at: row.paid_at,
    cancelled_at: row.cancelled_at,
    expired_at: due ? row.expire_by : row.expired_at,
    sms_status: row.sms_status,
    email_status: row.email_status,
    date: row.issued_at,
    terms: null,
    partial_payment: row.partial_payment === 1,
    first_payment_min_amount: row.first_payment_min_amount,
    gross_amount: row.amount,
    tax_amount: 0,
    taxable_amount: 0,
    amount: row.amount,
    amount_paid: row.amount_paid,
    amount_due: row.amount - row.amount_paid,
    currency: row.currency,
    currency_symbol: currencySymbol(row.currency),
    description: row.description,
    notes: JSON.parse(row.notes),
    comment: null,
    short_url: row.short_url,
    view_less: row.view_less === 1,
    billing_start: null,
    billing_end: null,
    type: "link",
    group_taxes_discounts: false,
    reminder_enable: row.reminder_enable === 1,
    user_id: null,
    created_at: row.created_at,
    idempotency_key: null
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors (docs/errors.md)

class WireError {
  constructor(status, description, field, kind = "business") {
    this.status = status
    this.description = description
    this.field = field
    this.kind = kind
  }
}

const badRequest = (description, field) => new WireError(400, description, field)
const authFailed = (description) => new WireError(401, description, undefined, "NA")
const notFound = () => new WireError(400, "The requested URL was not found on the server.", undefined, "NA")

const errorBody = (error) => {
  const na = error.kind === "NA"
  const body = {
    code: error.status >= 500 ? "SERVER_ERROR" : "BAD_REQUEST_ERROR",
    description: error.description,
    source: na ? "NA" : "business",
    step: na ? "NA" : "payment_initiation",
    reason: na ? "NA" : "input_validation_failed",
    metadata: {}
  }
  if (error.field !== undefined) body.field = error.field
  return JSON.stringify({ error: body })
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of create: the fields the benchmark sends and the checks docs/domain.md#the-payment-link puts on them.

const CREATE_FIELDS = new Set([
  "type",
  "amount",
  "currency",
  "description",
  "receipt",
  "customer",
  "expire_by",
  "partial_payment",
  "first_payment_min_amount",
  "sms_notify",
  "email_notify",
  "view_less",
  "notes",
  "reminder_enable",
  "callback_url",
  "callback_method"
])
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const CONTACT = /^\+?\d{8,15}$/

const optionalString = (input, field, max) => {
  const value = input[field]
  if (value === undefined || value === null) return
  if (typeof value !== "string") throw badRequest(`The ${field} must be a string.`, field)
  if (value.length > max) throw badRequest(`The ${field} may not be greater than ${max} characters.`, field)
}

const optionalBoolean = (input, field) => {
  const value = input[field]
  if (value === undefined) return
  if (value === 0 || value === 1) input[field] = value === 1
  else if (typeof value !== "boolean") throw badRequest(`The ${field} must be a boolean.`, field)
}

const validateCreate = (input, now) => {
  const unknown = Object.keys(input).filter((key) => !CREATE_FIELDS.has(key))
  if (unknown.length > 0)
    throw badRequest(`${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not required and should not be sent`)
  if (input.type === undefined) throw badRequest("The type field is required.", "type")
  if (input.type !== "link") throw badRequest("The selected type is invalid.", "type")
  if (input.amount === undefined) throw badRequest("The amount field is required.", "amount")
  if (!Number.isSafeInteger(input.amount)) throw badRequest("The amount must be an integer.", "amount")
  const currency = input.currency ?? "INR"
  if (typeof currency !== "string" || !EXPONENTS.has(currency))
    throw badRequest("The selected currency is invalid.", "currency")
  const minimum = 10 ** EXPONENTS.get(currency)
  if (input.amount < minimum)
    throw badRequest(`The amount must be at least ${currency} ${formatMajor(minimum, currency)}`, "amount")
  optionalString(input, "receipt", 40)
  optionalString(input, "description", 2048)
  optionalString(input, "callback_url", 2048)
  if (input.callback_method !== undefined && input.callback_method !== "get")
    throw badRequest("The selected callback method is invalid.", "callback_method")
  for (const field of ["partial_payment", "sms_notify", "email_notify", "view_less", "reminder_enable"])
    optionalBoolean(input, field)
  if (input.customer !== undefined && input.customer !== null) {
    const customer = input.customer
    if (typeof customer !== "object" || Array.isArray(customer))
      throw badRequest("The customer must be an object.", "customer")
    optionalString(customer, "name", 50)
    optionalString(customer, "email", 64)
    optionalString(customer, "contact", 15)
    if (customer.email != null && !EMAIL.test(customer.email))
      throw badRequest("The email must be a valid email address.", "customer.email")
    if (customer.contact != null && !CONTACT.test(customer.contact))
      throw badRequest("The contact format is invalid.", "customer.contact")
  }
  if (input.notes !== undefined && input.notes !== null) {
    const notes = input.notes
    if (typeof notes !== "object" || Array.isArray(notes)) throw badRequest("The notes must be an object.", "notes")
    const keys = Object.keys(notes)
    if (keys.length > 15) throw badRequest("The notes may not have more than 15 items.", "notes")
    for (const key of keys) {
      if (typeof notes[key] !== "string") throw badRequest("The notes must be a string.", `notes.${key}`)
      if (key.length > 256 || notes[key].length > 256)
        throw badRequest("The notes may not be greater than 256 characters.", `notes.${key}`)
    }
  }
  if (input.first_payment_min_amount !== undefined && input.first_payment_min_amount !== null) {
    const min = input.first_payment_min_amount
    if (!Number.isSafeInteger(min))
      throw badRequest("The first_payment_min_amount must be an integer.", "first_payment_min_amount")
    if (!input.partial_payment || min > input.amount)
      throw badRequest("The first_payment_min_amount is invalid.", "first_payment_min_amount")
  }
  if (input.expire_by !== undefined && input.expire_by !== null) {
    if (!Number.isSafeInteger(input.expire_by)) throw badRequest("The expire_by must be an integer.", "expire_by")
    if (input.expire_by < now + 15 * 60)
      throw badRequest("expire_by should be at least 15 minutes after current time.", "expire_by")
    if (input.expire_by > addSixMonths(now))
      throw badRequest("expire_by cannot be more than six months from the date of creation.", "expire_by")
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The server

const ID = /^inv_[0-9A-Za-z]{14}$/

const checkId = (raw) => {
  if (!ID.test(raw)) throw badRequest(`${raw.startsWith("inv_") ? raw.slice(4) : raw} is not a valid id`)
  return raw
}

/** `config.publicUrl` is read per request: it is known only once the server listens on its (random) port. */
export const createFloorServer = ({ db, config }) => {
  const keys = new Map(
    db
      .prepare("select key_id, secret_sha256, merchant_id from api_keys")
      .all()
      .map((row) => [
        row.key_id,
        {
          hash: row.secret_sha256,
          merchantId: row.merchant_id,
          mode: row.key_id.startsWith("rzp_live_") ? "live" : "test"
        }
      ])
  )
  const insert = db.prepare(`${INSERT_SQL} returning *`)
  const byId = db.prepare("select * from links where id = ? and merchant_id = ? and mode = ?")
  const cancel = db.prepare(
    "update links set status = 'cancelled', cancelled_at = @now, version = version + 1 " +
      "where id = @id and merchant_id = @merchantId and mode = @mode and status = 'issued' and expire_by > @now " +
      "returning *"
  )
  const page = db.prepare(
    "select * from links where merchant_id = ? and mode = ? order by created_at desc, id desc limit ? offset ?"
  )

  const authenticate = (header) => {
    if (header === undefined || !header.startsWith("Basic ")) throw authFailed("Authentication failed")
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    if (colon < 0) throw authFailed("Authentication failed")
    const key = keys.get(decoded.slice(0, colon))
    if (key === undefined) throw authFailed("The api key provided is invalid")
    const hash = createHash("sha256")
      .update(decoded.slice(colon + 1))
      .digest()
    if (!timingSafeEqual(hash, key.hash)) throw authFailed("The api secret provided is invalid")
    return key
  }

  const parseObject = (body) => {
    let value
    try {
      value = JSON.parse(body)
    } catch {
      throw badRequest("The request body is not a valid JSON object")
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw badRequest("The request body is not a valid JSON object")
    return value
  }

  const handle = (method, path, query, body, key) => {
    const now = Math.floor(Date.now() / 1000)
    if (path === "/v1/invoices") {
      if (method === "POST") {
        const input = parseObject(body)
        validateCreate(input, now)
        const row = issuedRow({
          id: newId("inv"),
          merchantId: key.merchantId,
          mode: key.mode,
          now,
          publicUrl: config.publicUrl,
          input
        })
        return toEntity(insert.get(row), now)
      }
      if (method === "GET") {
        const params = new URLSearchParams(query)
        const count = params.has("count") ? Number(params.get("count")) : LIST_DEFAULT_COUNT
        const skip = params.has("skip") ? Number(params.get("skip")) : 0
        if (!Number.isInteger(count) || count < 1) throw badRequest("The count must be an integer.", "count")
        if (count > 100) throw badRequest("The count may not be greater than 100.", "count")
        if (!Number.isInteger(skip) || skip < 0) throw badRequest("The skip must be an integer.", "skip")
        const items = page.all(key.merchantId, key.mode, count, skip).map((row) => toEntity(row, now))
        return { entity: "collection", count: items.length, items }
      }
      throw notFound()
    }
    if (!path.startsWith("/v1/invoices/")) throw notFound()
    const rest = path.slice("/v1/invoices/".length)
    const slash = rest.indexOf("/")
    if (slash < 0 && method === "GET") {
      const row = byId.get(checkId(rest), key.merchantId, key.mode)
      if (row === undefined) throw badRequest("The id provided does not exist")
      return toEntity(row, now)
    }
    if (method === "POST" && rest.slice(slash) === "/cancel") {
      const id = checkId(rest.slice(0, slash))
      const row = cancel.get({ id, merchantId: key.merchantId, mode: key.mode, now })
      if (row !== undefined) return toEntity(row, now)
      // Nothing changed: either no such link, or it is not (or no longer) issued — say which.
      const current = byId.get(id, key.merchantId, key.mode)
      if (current === undefined) throw badRequest("The id provided does not exist")
      throw badRequest(`Operation not allowed for Invoice in ${toEntity(current, now).status} status.`)
    }
    throw notFound()
  }

  const send = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    res.end(body)
  }

  const respond = (req, res, body) => {
    try {
      const url = req.url
      const q = url.indexOf("?")
      const key = authenticate(req.headers.authorization)
      const result = handle(req.method, q < 0 ? url : url.slice(0, q), q < 0 ? "" : url.slice(q + 1), body, key)
      send(res, 200, JSON.stringify(result))
    } catch (error) {
      if (error instanceof WireError) return send(res, error.status, errorBody(error))
      console.error(error)
      send(
        res,
        500,
        errorBody(new WireError(500, "The server encountered an error. The incident has been reported to admins."))
      )
    }
  }

  return http.createServer((req, res) => {
    if (req.method !== "POST") return respond(req, res, "")
    const chunks = []
    let size = 0
    let tooLarge = false
    req.on("data", (chunk) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) tooLarge = true
      else chunks.push(chunk)
    })
    req.on("end", () => {
      if (tooLarge) return send(res, 413, errorBody(new WireError(413, "The request body is too large")))
      respond(req, res, chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8"))
    })
  })
}

const main = () => {
  const { values } = parseArgs({
    options: { database: { type: "string" }, host: { type: "string" }, port: { type: "string" } }
  })
  const database = values.database ?? process.env.PAYLINKS_DATABASE ?? "sqlite:floor.db"
  if (!database.startsWith("sqlite:")) throw new Error(`the floor runs on SQLite only: got ${database}`)
  const host = values.host ?? process.env.PAYLINKS_HOST ?? "127.0.0.1"
  const port = Number(values.port ?? process.env.PAYLINKS_PORT ?? 0)
  const db = openFloorDatabase(database.slice("sqlite:".length))
  const keyId = process.env.PAYLINKS_KEY_ID
  const secret = process.env.PAYLINKS_KEY_SECRET
  if (keyId && secret) seedKey(db, keyId, secret)
  const config = { publicUrl: process.env.PAYLINKS_PUBLIC_URL }
  const server = createFloorServer({ db, config })
  server.keepAliveTimeout = 60_000
  server.listen(port, host, () => {
    const url = `http://${host}:${server.address().port}`
    config.publicUrl ??= url
    console.log(`listening on ${url}`)
  })
  const stop = () => {
    server.close(() => db.close())
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), 2000).unref()
  }
  process.once("SIGTERM", stop)
  process.once("SIGINT", stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main()
