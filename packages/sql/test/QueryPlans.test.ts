/**
 * Fetch-by-id and the list pages are served by indexes, not table scans, and an outbox claim does not sort the
 * backlog, on both dialects: the plans of the exact statements the repository and the outbox run.
 */
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import type * as Statement from "@effect/sql/Statement"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type { MerchantId, PaymentLinkId } from "@paylinks/core/Ids"
import * as Tenant from "@paylinks/core/Tenant"
import type { ListQuery } from "@paylinks/core/Validation"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { claimStatement } from "../src/SqlOutbox.js"
import { findByIdStatement, listStatement } from "../src/SqlPaymentLinkRepository.js"
import {
  pgWithInternals,
  requirePg,
  sqliteWithInternals,
  TEST_MASTER_KEY,
  tempDatabase,
  withFreshSchema
} from "./helpers.js"

const ROWS = 30_000
const MERCHANTS = 30
const pad = (n: number, width: number) => String(n).padStart(width, "0")
const tenant = Tenant.make(`acc_${pad(7, 14)}` as MerchantId, "test")
const linkId = `inv_${pad(7 + MERCHANTS * 300, 14)}` as PaymentLinkId
const NOW = 1_700_000_000 + ROWS

const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({
  contract: "invoices",
  type: null,
  status: null,
  receipt: null,
  customerId: null,
  paymentId: null,
  upiLink: null,
  from: null,
  to: null,
  count: 10,
  skip: 0,
  ...overrides
})

/** Rows spread over merchants, modes, statuses, receipts and customers, written straight in SQL. */
const seed = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows: Array<Record<string, unknown>> = []
  const payments: Array<Record<string, unknown>> = []
  for (let g = 1; g <= ROWS; g++) {
    const id = `inv_${pad(g, 14)}`
    rows.push({
      id,
      merchant_id: `acc_${pad(g % MERCHANTS, 14)}`,
      mode: g % 4 === 0 ? "live" : "test",
      status: ["issued", "partially_paid", "paid", "cancelled", "expired"][g % 5]!,
      receipt: `R-${g}`,
      customer_id: `cust_${pad(g % 1000, 14)}`,
      created_at: 1_700_000_000 + g,
      expire_by: 1_700_000_000 + ROWS + g,
      short_code: pad(g, 8),
      version: 1,
      data: "{}"
    })
    if (g % 5 === 1 || g % 5 === 2)
      payments.push({
        payment_id: `pay_${pad(g, 14)}`,
        link_id: id,
        merchant_id: `acc_${pad(g % MERCHANTS, 14)}`,
        mode: g % 4 === 0 ? "live" : "test",
        amount: 100,
        currency: "INR",
        method: "card",
        created_at: 1_700_000_000 + g
      })
  }
  yield* sql.withTransaction(
    Effect.gen(function* () {
      for (let i = 0; i < rows.length; i += 500)
        yield* sql`INSERT INTO payment_links ${sql.insert(rows.slice(i, i + 500))}`
      for (let i = 0; i < payments.length; i += 500)
        yield* sql`INSERT INTO link_payments ${sql.insert(payments.slice(i, i + 500))}`
    })
  )
  // An outbox with a long delivered history and a backlog still pending, some of it not yet due or claimed.
  const events: Array<Record<string, unknown>> = []
  for (let g = 1; g <= ROWS; g++)
    events.push({
      event_id: `evt_${pad(g, 14)}`,
      merchant_id: `acc_${pad(g % MERCHANTS, 14)}`,
      mode: "test",
      link_id: `inv_${pad(g, 14)}`,
      event_type: "LinkIssued",
      payload: "{}",
      created_at: 1_700_000_000 + g,
      available_at: 1_700_000_000 + g + (g % 10 === 0 ? 1_000_000 : 0),
      delivered_at: g <= ROWS - 2000 ? 1_700_000_000 + g : null,
      claimed_until: g % 7 === 0 ? 1_700_000_000 + ROWS * 2 : null
    })
  yield* sql.withTransaction(
    Effect.forEach(
      Array.from({ length: Math.ceil(events.length / 500) }, (_, i) => events.slice(i * 500, i * 500 + 500)),
      (chunk) => sql`INSERT INTO outbox ${sql.insert(chunk)}`,
      { discard: true }
    )
  )
  yield* sql`ANALYZE`
})

const lists: ReadonlyArray<[string, ListQuery]> = [
  ["the first page", query()],
  ["a status filter", query({ status: "paid" })],
  ["the expired filter", query({ status: "expired" })],
  ["a receipt filter", query({ receipt: `R-${7 + MERCHANTS * 10}` })],
  ["a customer filter", query({ customerId: `cust_${pad(7, 14)}` })],
  ["a payment filter", query({ paymentId: `pay_${pad(7 + MERCHANTS * 10, 14)}` })],
  ["a created_at range", query({ from: 1_700_000_000 + 1000, to: 1_700_000_000 + 2000 })],
  ["the Payment Links first page", query({ contract: "payment_links" })],
  ["a Payment Links reference filter", query({ contract: "payment_links", receipt: "R-1" })],
  ["a Payment Links status filter", query({ contract: "payment_links", status: "issued" })],
  ["the UPI links", query({ contract: "payment_links", upiLink: true })]
]

describe("query plans on SQLite", () => {
  const plan = (statement: Statement.Statement<unknown>) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [text, params] = statement.compile()
      const rows = yield* sql.unsafe<{ readonly detail: string }>(`EXPLAIN QUERY PLAN ${text}`, params)
      return rows.map((row) => row.detail)
    })

  it.live("fetch by id, the first page and every filter use indexes; no scan, no sort", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* seed
      const byId = yield* plan(findByIdStatement(sql, tenant, linkId))
      expect(byId).toEqual([
        expect.stringMatching(/^SEARCH payment_links USING INDEX sqlite_autoindex_payment_links_\d \(id=\?\)$/)
      ])
      const firstPage = yield* plan(listStatement(sql, tenant, query(), NOW))
      expect(firstPage).toEqual([
        "SEARCH payment_links USING INDEX payment_links_by_tenant (merchant_id=? AND mode=? AND contract=?)"
      ])
      for (const [, listQuery] of lists) {
        const details = yield* plan(listStatement(sql, tenant, listQuery, NOW))
        for (const detail of details) {
          expect(detail).not.toMatch(/^SCAN payment_links$/)
          expect(detail).not.toMatch(/^SCAN link_payments$/)
        }
        expect(details.some((detail) => /^SEARCH payment_links USING (COVERING )?INDEX/.test(detail))).toBe(true)
      }
      // An outbox claim walks the pending entries in outbox order and stops at its limit: no sort of the backlog.
      const claim = yield* plan(claimStatement(sql, "worker", NOW, 100, 60))
      expect(claim).toContain("SCAN outbox USING INDEX outbox_pending_in_order")
      for (const detail of claim) expect(detail).not.toMatch(/TEMP B-TREE/)
    }).pipe(
      Effect.provide(sqliteWithInternals({ filename: tempDatabase() }).pipe(Layer.provide(IdGenerator.layerCrypto)))
    )
  )
})

const pgEnabled = requirePg("test/QueryPlans.test.ts")

interface PlanNode {
  readonly "Node Type": string
  readonly "Index Name"?: string
  readonly "Relation Name"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

const nodesOf = (node: PlanNode): Array<PlanNode> => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

describe.skipIf(!pgEnabled)("query plans on PostgreSQL", () => {
  const plan = (statement: Statement.Statement<unknown>) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [text, params] = statement.compile()
      const rows = yield* sql.unsafe<{ readonly "QUERY PLAN": ReadonlyArray<{ readonly Plan: PlanNode }> }>(
        `EXPLAIN (FORMAT JSON) ${text}`,
        params
      )
      return nodesOf(rows[0]!["QUERY PLAN"][0]!.Plan)
    })

  it.live("fetch by id and the first page are index scans on their indexes; no filter scans the table", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* seed
      const byId = yield* plan(findByIdStatement(sql, tenant, linkId))
      expect(byId.map((node) => [node["Node Type"], node["Index Name"]])).toEqual([
        ["Index Scan", "payment_links_pkey"]
      ])
      const firstPage = yield* plan(listStatement(sql, tenant, query(), NOW))
      expect(firstPage.map((node) => node["Node Type"])).toEqual(["Limit", "Index Scan"])
      expect(firstPage[1]!["Index Name"]).toBe("payment_links_by_tenant")
      for (const [, listQuery] of lists) {
        const nodes = yield* plan(listStatement(sql, tenant, listQuery, NOW))
        expect(nodes.filter((node) => node["Node Type"] === "Seq Scan")).toEqual([])
        expect(
          nodes.some((node) => node["Relation Name"] === "payment_links" && node["Index Name"] !== undefined)
        ).toBe(true)
      }
      const claim = yield* plan(claimStatement(sql, "worker", NOW, 100, 60))
      expect(claim.some((node) => node["Index Name"] === "outbox_pending_in_order")).toBe(true)
      expect(claim.filter((node) => node["Node Type"] === "Sort" || node["Node Type"] === "Seq Scan")).toEqual([])
    }).pipe(
      Effect.provide(
        withFreshSchema((url) => pgWithInternals({ url, masterKey: TEST_MASTER_KEY })).pipe(
          Layer.provide(IdGenerator.layerCrypto)
        )
      )
    )
  )
})
