// Bulk seeding of a paylinks database (schema: packages/sql/src/Migrations.ts, the same for both dialects) for the
// benchmark: issued links written straight into customers, payment_links and orders, in one transaction — on SQLite
// with better-sqlite3 while the server is stopped, on PostgreSQL with COPY through psql.
//
// The stored `data` column is the JSON of core's Schema encoding of the link (packages/sql/src/internal/codec.ts).
// One link is issued by core's own state machine and encoded by core's own schema; every seeded row is that
// encoding with its own ids and times, and a sample of rows is decoded back with the same schema before anyone
// relies on them. Seeded links carry no outbox events: in a live system those would have been delivered long ago,
// and a backlog of a million notifications would be the server's work during the measurements.
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import path from "node:path"
import { pathToFileURL } from "node:url"
import Database from "better-sqlite3"
import { addSixMonths, bulkLoad, newId, randomBase62, uniqueShortCodes } from "./floor.mjs"

const CORE_PACKAGE = new URL("../packages/core/package.json", import.meta.url)

/** effect/Schema as @paylinks/core's dist imports it: the same ESM module instance, so its classes are the same. */
const loadCore = async () => {
  const requireFromCore = createRequire(CORE_PACKAGE)
  const manifestPath = requireFromCore.resolve("effect/package.json")
  const manifest = requireFromCore(manifestPath)
  const schemaUrl = pathToFileURL(path.join(path.dirname(manifestPath), manifest.exports["./Schema"].import))
  const Schema = await import(schemaUrl.href)
  const core = await import(new URL("../packages/core/dist/index.js", import.meta.url).href)
  return { Schema, ...core }
}

const right = (either, what) => {
  if (either._tag !== "Right") throw new Error(`${what} refused: ${JSON.stringify(either.left)}`)
  return either.right
}

/** The fields every seeded row gets afresh; the rest of the encoded link is the template's. */
const PER_ROW_FIELDS = ["id", "orderId", "shortCode", "shortUrl", "customer", "createdAt", "issuedAt", "expireBy"]

export const CUSTOMER_COLUMNS = ["id", "merchant_id", "mode", "name", "email", "contact", "created_at"]
export const LINK_COLUMNS = [
  "id",
  "merchant_id",
  "mode",
  "status",
  "receipt",
  "customer_id",
  "created_at",
  "expire_by",
  "short_code",
  "version",
  "data"
]
export const ORDER_COLUMNS = ["id", "link_id", "merchant_id", "mode", "amount", "currency", "receipt", "created_at"]

/**
 * Calls `emit(customerRow | null, linkRow, orderRow)` (values in the column orders above) for `count` issued links
 * of one tenant; `created_at` steps back one second per link from `now`, so that the list's first page is the newest.
 * Returns the link ids once the sampled rows have decoded with core's schema.
 */
const generate = async ({ merchantId, mode, keyId, count, now, publicUrl, input }, emit) => {
  const { Schema, PaymentLink, Transitions, Validation, Tenant } = await loadCore()
  const LinkJson = Schema.parseJson(PaymentLink.PaymentLink)
  const command = right(Validation.validateCreate(input, now), "validateCreate")
  const code = randomBase62(8)
  const issued = Transitions.issue(
    command,
    {
      tenant: Tenant.make(merchantId, mode),
      id: newId("inv"),
      orderId: newId("order"),
      shortCode: code,
      shortUrl: `${publicUrl}/i/${code}`,
      customer: command.customer === null ? null : Transitions.newCustomer(newId("cust"), command.customer),
      keyId,
      idempotencyKey: null
    },
    now
  ).link
  const template = JSON.parse(Schema.encodeSync(LinkJson)(issued))
  for (const field of PER_ROW_FIELDS)
    if (!(field in template)) throw new Error(`the encoded link has no field ${field}: update bench/paylinks-seed.mjs`)

  const expireBy = addSixMonths(now)
  const nextShortCode = uniqueShortCodes()
  const ids = new Array(count)
  const samples = []
  const every = Math.max(1, Math.floor(count / 16))
  for (let i = 0; i < count; i++) {
    const createdAt = now - (count - i)
    const shortCode = nextShortCode()
    const customer = template.customer === null ? null : { ...template.customer, id: newId("cust") }
    const link = {
      ...template,
      id: newId("inv"),
      orderId: newId("order"),
      shortCode,
      shortUrl: `${publicUrl}/i/${shortCode}`,
      customer,
      createdAt,
      issuedAt: createdAt,
      expireBy
    }
    const data = JSON.stringify(link)
    emit(
      customer === null
        ? null
        : [customer.id, merchantId, mode, customer.name, customer.email, customer.contact, createdAt],
      [
        link.id,
        merchantId,
        mode,
        "issued",
        link.receipt,
        customer?.id ?? null,
        createdAt,
        expireBy,
        shortCode,
        1,
        data
      ],
      [link.orderId, link.id, merchantId, mode, link.amount, link.currency, link.receipt, createdAt]
    )
    ids[i] = link.id
    if (i % every === 0) samples.push(data)
  }
  // Every sampled row must decode as paylinks decodes it: a schema change shows up here, not as 500s under load.
  const decode = Schema.decodeSync(LinkJson)
  for (const data of samples) decode(data)
  return ids
}

const insertSql = (table, columns) =>
  `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`

/** Seeds a stopped server's SQLite file, for the tenant of `keyId` (which the server seeded on its first start). */
export const seedPaylinksLinks = async (file, { keyId, count, now, publicUrl, input }) => {
  const db = new Database(file)
  try {
    const key = db.prepare("SELECT merchant_id, mode FROM api_keys WHERE key_id = ?").get(keyId)
    if (key === undefined) throw new Error(`the paylinks database has no key ${keyId}: did the server seed it?`)
    const customers = db.prepare(insertSql("customers", CUSTOMER_COLUMNS))
    const links = db.prepare(insertSql("payment_links", LINK_COLUMNS))
    const orders = db.prepare(insertSql("orders", ORDER_COLUMNS))
    return await bulkLoad(db, ["customers", "payment_links", "orders"], () =>
      generate(
        { merchantId: key.merchant_id, mode: key.mode, keyId, count, now, publicUrl, input },
        (customer, link, order) => {
          if (customer !== null) customers.run(customer)
          links.run(link)
          orders.run(order)
        }
      )
    )
  } finally {
    db.close()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL, through the cluster's own psql: COPY … FROM STDIN in CSV, the data inline in the script.

const csvField = (value) => {
  if (value === null || value === undefined) return "" // unquoted empty is NULL in CSV COPY
  const text = String(value)
  return `"${text.replaceAll('"', '""')}"`
}

const psql = (bin, url, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(path.join(bin, "psql"), [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", ...args], {
      stdio: ["pipe", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk) => {
      out += chunk
    })
    child.stderr.on("data", (chunk) => {
      err += chunk
    })
    child.once("error", reject)
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`psql exited ${code}: ${err.trim()}`))))
    child.stdin.end(input ?? "")
  })

/** Seeds a PostgreSQL database (a server has migrated it and seeded `keyId`) through `psql` in `bin`. */
export const seedPaylinksPostgres = async ({ bin, url, keyId, count, now, publicUrl, input }) => {
  if (!/^rzp_(test|live)_[0-9A-Za-z]+$/.test(keyId)) throw new Error(`unexpected key id ${keyId}`)
  const found = (
    await psql(bin, url, ["-At", "-c", `SELECT merchant_id, mode FROM api_keys WHERE key_id = '${keyId}'`])
  )
    .trim()
    .split("|")
  if (found.length !== 2) throw new Error(`the paylinks database has no key ${keyId}: did the server seed it?`)
  const [merchantId, mode] = found
  const tables = { customers: [], payment_links: [], orders: [] }
  const line = (row) => row.map(csvField).join(",")
  const ids = await generate({ merchantId, mode, keyId, count, now, publicUrl, input }, (customer, link, order) => {
    if (customer !== null) tables.customers.push(line(customer))
    tables.payment_links.push(line(link))
    tables.orders.push(line(order))
  })
  const columns = { customers: CUSTOMER_COLUMNS, payment_links: LINK_COLUMNS, orders: ORDER_COLUMNS }
  const script = ["SET synchronous_commit = off;", "BEGIN;"]
  for (const [table, rows] of Object.entries(tables)) {
    if (rows.length === 0) continue
    script.push(`COPY ${table} (${columns[table].join(", ")}) FROM STDIN WITH (FORMAT csv);`, ...rows, "\\.")
  }
  script.push("COMMIT;", "ANALYZE customers, payment_links, orders;", "")
  await psql(bin, url, ["-f", "-"], script.join("\n"))
  return ids
}
