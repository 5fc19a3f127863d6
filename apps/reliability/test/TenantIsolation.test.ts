/**
 * Tenant isolation as a matrix over the built server: two merchants, each with a test and a live
 * key, each tenant with links in several states. For every caller, every endpoint that takes an id
 * (fetch, update, cancel, notify by both media, the sandbox payment) and every link of another
 * merchant or of the other mode, the answer is exactly the answer to a random unknown id — same
 * status, same body, same content type — and the database is unchanged. List filters by another
 * tenant's receipt, customer id and payment id find nothing, exactly as unknown ones; an
 * `Idempotency-Key` another tenant used replays nothing across tenants.
 */
import * as Crypto from "node:crypto"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Admin from "../src/Admin.js"
import { type Answer, answer, basic } from "../src/Http.js"
import * as Processes from "../src/Processes.js"
import * as Snapshot from "../src/Snapshot.js"
import { randomSecret, tempDir, QUIET } from "./support.js"

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const randomId = (prefix: string) =>
  `${prefix}${Array.from(Crypto.randomBytes(14), (byte) => BASE62[byte % 62]).join("")}`

interface Tenant {
  readonly name: string
  readonly pair: Admin.KeyPair
  readonly auth: string
  readonly links: Array<{ readonly id: string; readonly receipt: string; readonly customerId: string | null }>
  readonly paymentIds: Array<string>
}

/** What a probe must match: status, content type and exact body. */
const fingerprint = (reply: Answer) => ({
  status: reply.status,
  type: reply.headers["content-type"],
  body: reply.text
})

describe("tenant isolation", () => {
  const dir = tempDir("isolation")
  const file = Path.join(dir, "paylinks.db")
  const database = `sqlite:${file}`
  const seeded = { keyId: "rzp_test_IsolationA00001", secret: randomSecret() }
  let server: Processes.Server
  const tenants: Array<Tenant> = []

  beforeAll(async () => {
    const a = await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret)
    const pairs = [
      a,
      await Admin.issueKey(database, undefined, a.merchantId, "live"),
      ...(await Admin.createMerchant(database, undefined, "merchant B", ["test", "live"]))
    ]
    server = await Processes.startServer({
      env: { PAYLINKS_DATABASE: database, PAYLINKS_KEY_ID: seeded.keyId, PAYLINKS_KEY_SECRET: seeded.secret, ...QUIET },
      cwd: dir
    })
    for (const [i, pair] of pairs.entries()) {
      const tenant: Tenant = {
        name: `${i < 2 ? "A" : "B"}/${pair.mode}`,
        pair,
        auth: basic(pair.keyId, pair.secret),
        links: [],
        paymentIds: []
      }
      for (const partial of [true, true, false]) {
        const receipt = `shared-receipt-${tenant.links.length}`
        const created = await answer(server.url, "POST", "/v1/invoices", {
          auth: tenant.auth,
          body: {
            type: "link",
            amount: 40_000,
            partial_payment: partial,
            receipt,
            customer: { name: "Same Customer", email: "same@example.com", contact: "+919000000003" }
          }
        })
        expect(created.status).toBe(200)
        const entity = created.json as { id: string; customer_id: string | null }
        tenant.links.push({ id: entity.id, receipt, customerId: entity.customer_id })
      }
      if (pair.mode === "test") {
        const paid = await answer(server.url, "POST", `/v1/sandbox/invoices/${tenant.links[0]!.id}/payments`, {
          auth: tenant.auth,
          body: { amount: 10_000 }
        })
        expect(paid.status).toBe(200)
        tenant.paymentIds.push((paid.json as { payment: { id: string } }).payment.id)
      }
      expect(
        (await answer(server.url, "POST", `/v1/invoices/${tenant.links[2]!.id}/cancel`, { auth: tenant.auth })).status
      ).toBe(200)
      tenants.push(tenant)
    }
  })
  afterAll(async () => {
    if (server !== undefined) expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  /** The id endpoints, each with the body it is sent. */
  const PROBES: ReadonlyArray<readonly [string, (id: string) => string, unknown]> = [
    ["GET", (id) => `/v1/invoices/${id}`, undefined],
    ["PATCH", (id) => `/v1/invoices/${id}`, { notes: { probe: "x" } }],
    ["PATCH", (id) => `/v1/invoices/${id}`, { receipt: "probe", partial_payment: false }],
    ["POST", (id) => `/v1/invoices/${id}/cancel`, undefined],
    ["POST", (id) => `/v1/invoices/${id}/notify_by/sms`, undefined],
    ["POST", (id) => `/v1/invoices/${id}/notify_by/email`, undefined],
    ["POST", (id) => `/v1/sandbox/invoices/${id}/payments`, {}],
    ["POST", (id) => `/v1/sandbox/invoices/${id}/payments`, { amount: 10_000 }]
  ]

  it("every id endpoint answers another tenant's link exactly like an unknown id, and changes nothing", async () => {
    let probes = 0
    for (const caller of tenants) {
      for (const [method, path, body] of PROBES) {
        const unknown = await answer(server.url, method, path(randomId("inv_")), { auth: caller.auth, body })
        expect(unknown.status).toBeGreaterThanOrEqual(400)
        for (const owner of tenants) {
          if (owner === caller) continue
          for (const link of owner.links) {
            const before = Snapshot.digest(file)
            const probe = await answer(server.url, method, path(link.id), { auth: caller.auth, body })
            expect(fingerprint(probe), `${caller.name} → ${method} ${path(link.id)} (${owner.name}'s)`).toEqual(
              fingerprint(unknown)
            )
            expect(Snapshot.changedTables(before, Snapshot.digest(file))).toEqual([])
            probes++
          }
        }
      }
    }
    // 4 callers × 8 probes × 3 other tenants × 3 links.
    expect(probes).toBe(288)
  })

  it("list filters by another tenant's receipt, customer id or payment id find nothing, like unknown ones", async () => {
    const query = async (caller: Tenant, key: string, value: string) =>
      fingerprint(
        await answer(server.url, "GET", `/v1/invoices?${key}=${encodeURIComponent(value)}`, { auth: caller.auth })
      )
    for (const caller of tenants) {
      // The caller's own list holds its own links only.
      const own = await answer(server.url, "GET", "/v1/invoices?count=100", { auth: caller.auth })
      const ids = (own.json as { items: ReadonlyArray<{ id: string }> }).items.map((item) => item.id).sort()
      expect(ids).toEqual(caller.links.map((link) => link.id).sort())
      for (const owner of tenants) {
        if (owner === caller) continue
        for (const link of owner.links) {
          if (link.customerId !== null)
            expect(await query(caller, "customer_id", link.customerId)).toEqual(
              await query(caller, "customer_id", randomId("cust_"))
            )
        }
        for (const paymentId of owner.paymentIds)
          expect(await query(caller, "payment_id", paymentId)).toEqual(
            await query(caller, "payment_id", randomId("pay_"))
          )
      }
      // The same receipt text in every tenant: each finds its own link only.
      const byReceipt = await answer(server.url, "GET", "/v1/invoices?receipt=shared-receipt-1", { auth: caller.auth })
      expect((byReceipt.json as { items: ReadonlyArray<{ id: string }> }).items.map((item) => item.id)).toEqual([
        caller.links[1]!.id
      ])
    }
  })

  it("an Idempotency-Key another tenant used replays nothing across tenants", async () => {
    const key = `shared-key-${randomSecret()}`
    const body = { type: "link", amount: 12_300 }
    const ids = new Set<string>()
    for (const caller of tenants) {
      const created = await answer(server.url, "POST", "/v1/invoices", {
        auth: caller.auth,
        body,
        headers: { "idempotency-key": key }
      })
      expect(created.status).toBe(200)
      expect(created.headers["idempotent-replayed"]).toBeUndefined()
      ids.add((created.json as { id: string }).id)
      // The same tenant does get its own answer again.
      const again = await answer(server.url, "POST", "/v1/invoices", {
        auth: caller.auth,
        body,
        headers: { "idempotency-key": key }
      })
      expect(again.headers["idempotent-replayed"]).toBe("true")
      expect((again.json as { id: string }).id).toBe((created.json as { id: string }).id)
    }
    expect(ids.size).toBe(tenants.length)
  })
})
