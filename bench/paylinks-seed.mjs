// Bulk seeding of a paylinks SQLite database (schema: packages/sql/src/Migrations.ts) for the benchmark: issued links
// written straight into payment_links, customers and orders in one transaction, while the server is stopped.
//
// The stored `data` column is the JSON of core's Schema encoding of the link (packages/sql/src/internal/codec.ts).
// One link is issued by core's own state machine and encoded by core's own schema; every seeded row is that
// encoding with its own ids and times, and a sample of rows is decoded back with the same schema before anyone
// relies on them. Seeded links carry no outbox events: in a live system those would have been delivered long ago,
// and a backlog of a million notifications would be the server's work during the measurements.
import { createRequire } from "node:module"
import path from "node:path"
import { pathToFileURL } from "node:url"
import Database from "better-sqlite3"
import { addSixMonths, newId, randomBase62 } from "./floor.mjs"

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

/**
 * Writes `count` issued links for the tenant of `keyId` (which the server seeded on its first start) and returns
 * their ids. `created_at` steps back one second per link from `now`, so that the list's first page is the newest.
 */
export const seedPaylinksLinks = async (file, { keyId, count, now, publicUrl, input }) => {
  const { Schema, PaymentLink, Transitions, Validation, Tenant } = await loadCore()
  const db = new Database(file)
  try {
    const key = db.prepare("SELECT merchant_id, mode FROM api_keys WHERE key_id = ?").get(keyId)
    if (key === undefined) throw new Error(`the paylinks database has no key ${keyId}: did the server seed it?`)
    const LinkJson = Schema.parseJson(PaymentLink.PaymentLink)
    const encode = Schema.encodeSync(LinkJson)
    const decode = Schema.decodeSync(LinkJson)

    const command = right(Validation.validateCreate(input, now), "validateCreate")
    const issueAt = (createdAt) => {
      const code = randomBase62(8)
      const customer = command.customer === null ? null : Transitions.newCustomer(newId("cust"), command.customer)
      return Transitions.issue(
        command,
        {
          tenant: Tenant.make(key.merchant_id, key.mode),
          id: newId("inv"),
          orderId: newId("order"),
          shortCode: code,
          shortUrl: `${publicUrl}/i/${code}`,
          customer,
          keyId,
          idempotencyKey: null
        },
        createdAt
      ).link
    }
    const template = JSON.parse(encode(issueAt(now)))
    for (const field of PER_ROW_FIELDS)
      if (!(field in template))
        throw new Error(`the encoded link has no field ${field}: update bench/paylinks-seed.mjs`)

    const insertCustomer = db.prepare(
      "INSERT INTO customers (id, merchant_id, mode, name, email, contact, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    const insertLink = db.prepare(
      "INSERT INTO payment_links (id, merchant_id, mode, status, receipt, customer_id, created_at, expire_by, " +
        "short_code, version, data) VALUES (?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?)"
    )
    const insertOrder = db.prepare(
      "INSERT INTO orders (id, link_id, merchant_id, mode, amount, currency, receipt, created_at) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    const expireBy = addSixMonths(now)
    const ids = new Array(count)
    const samples = []
    db.pragma("synchronous = OFF") // one bulk load; the durability of the seed is not what is measured
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const createdAt = now - (count - i)
        const code = randomBase62(8)
        const customer = template.customer === null ? null : { ...template.customer, id: newId("cust") }
        const link = {
          ...template,
          id: newId("inv"),
          orderId: newId("order"),
          shortCode: code,
          shortUrl: `${publicUrl}/i/${code}`,
          customer,
          createdAt,
          issuedAt: createdAt,
          expireBy
        }
        const data = JSON.stringify(link)
        if (customer !== null)
          insertCustomer.run(
            customer.id,
            key.merchant_id,
            key.mode,
            customer.name,
            customer.email,
            customer.contact,
            createdAt
          )
        insertLink.run(
          link.id,
          key.merchant_id,
          key.mode,
          link.receipt,
          customer?.id ?? null,
          createdAt,
          expireBy,
          code,
          link.version,
          data
        )
        insertOrder.run(
          link.orderId,
          link.id,
          key.merchant_id,
          key.mode,
          link.amount,
          link.currency,
          link.receipt,
          createdAt
        )
        ids[i] = link.id
        if (i % Math.max(1, Math.floor(count / 16)) === 0) samples.push(data)
      }
    })()
    db.pragma("synchronous = FULL")
    // Every sampled row must decode as paylinks decodes it: a schema change shows up here, not as 500s under load.
    for (const data of samples) decode(data)
    return ids
  } finally {
    db.close()
  }
}
