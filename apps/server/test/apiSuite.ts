/**
 * The API end to end, over real HTTP against the real server on a real database: every endpoint,
 * every filter, every error text of docs/errors.md, isolation between merchants and modes, and that
 * a refused request leaves the stored link byte for byte as it was. Run on SQLite and PostgreSQL.
 */
import { expect, layer } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import type { Tenant } from "@paylinks/core/Tenant"
import { ENTITY_TYPES, jsonType } from "@paylinks/testing/EntityShape"
import { basic, call, envelope } from "@paylinks/testing/HttpCall"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { type Served, serve } from "./helpers.js"

/**
 * Asserts the invoice entity's shape (docs/http-api.md#the-invoice-entity): every key, in order, each with an allowed
 * JSON type, and the constants.
 */
export const expectEntityShape = (entity: any, label: string) => {
  expect(Object.keys(entity), label).toEqual(ENTITY_TYPES.map(([key]) => key))
  for (const [key, types] of ENTITY_TYPES) expect(types, `${label}: ${key}`).toContain(jsonType(entity[key]))
  expect(entity.id).toMatch(/^inv_[0-9A-Za-z]{14}$/)
  expect(entity.order_id).toMatch(/^order_[0-9A-Za-z]{14}$/)
  expect(entity).toMatchObject({
    entity: "invoice",
    line_items: [],
    terms: null,
    tax_amount: 0,
    taxable_amount: 0,
    comment: null,
    billing_start: null,
    billing_end: null,
    type: "link",
    group_taxes_discounts: false,
    user_id: null
  })
  expect(entity.invoice_number).toBe(entity.receipt)
  expect(entity.gross_amount).toBe(entity.amount)
  expect(entity.amount_due).toBe(entity.amount - entity.amount_paid)
  expect(entity.date).toBe(entity.issued_at)
  expect(Object.keys(entity.customer_details)).toEqual([
    "id",
    "name",
    "email",
    "contact",
    "gstin",
    "billing_address",
    "shipping_address",
    "customer_name",
    "customer_email",
    "customer_contact"
  ])
  if (entity.customer !== null) expect(Object.keys(entity.customer)).toEqual(["name", "contact", "email"])
  expect(entity.short_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/i\/[0-9A-Za-z]{8}$/)
}

interface Fixture extends Served {
  readonly aTest: string
  readonly aLive: string
  readonly bTest: string
  readonly tenantA: Tenant
}

class SuiteServer extends Context.Tag("test/SuiteServer")<SuiteServer, Fixture>() {}

const KEY_A = "rzp_test_MerchantA000001"
const SECRET_A = "secret-of-merchant-a"

const fixture = (database: Effect.Effect<string, never, Scope.Scope>) =>
  Layer.scoped(
    SuiteServer,
    Effect.gen(function* () {
      const served = yield* Effect.orDie(
        Effect.flatMap(database, (url) => serve(url, ["--key-id", KEY_A, "--key-secret", SECRET_A]))
      )
      const merchants = yield* Effect.provide(Merchants, served.context)
      const principal = yield* merchants.authenticate(KEY_A, SECRET_A).pipe(Effect.orDie)
      const live = yield* merchants.issueKey(principal.tenant.merchantId, "live").pipe(Effect.orDie)
      const other = yield* merchants.create("Merchant B")
      const otherKey = yield* merchants.issueKey(other.id, "test").pipe(Effect.orDie)
      return {
        ...served,
        aTest: basic(KEY_A, SECRET_A),
        aLive: basic(live.key.keyId, live.secret),
        bTest: basic(otherKey.key.keyId, otherKey.secret),
        tenantA: principal.tenant
      }
    })
  )

const http = (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
  Effect.flatMap(SuiteServer, (server) => Effect.promise(() => call(server.url, method, path, options)))

/** Runs a use-case of the server's own core, beside the API (a customer's payment, time passing). */
const useCase = <A, E>(f: (links: PaymentLinks.PaymentLinksShape) => Effect.Effect<A, E>) =>
  Effect.flatMap(SuiteServer, (server) =>
    Effect.flatMap(Effect.provide(PaymentLinks.PaymentLinks, server.context), (links) => Effect.orDie(f(links)))
  )

const createLink = (body: Record<string, unknown>, auth?: string) =>
  Effect.gen(function* () {
    const server = yield* SuiteServer
    const answer = yield* http("POST", "/v1/invoices", { auth: auth ?? server.aTest, body })
    expect(answer.status, answer.text).toBe(200)
    return answer.json
  })

export const apiSuite = (label: string, database: Effect.Effect<string, never, Scope.Scope>) =>
  layer(fixture(database), { excludeTestServices: true, timeout: "60 seconds" })(`the API on ${label}`, (it) => {
    it.effect(
      "prototype keys: __proto__ is refused and nothing is stored; constructor and prototype are kept everywhere",
      () =>
        Effect.gen(function* () {
          const { aTest, tenantA } = yield* SuiteServer
          const refused = envelope("The request body may not contain the key __proto__.")
          const receipt = `proto-${label}`
          const polluted = yield* http("POST", "/v1/invoices", {
            auth: aTest,
            raw: `{"type":"link","amount":1000,"receipt":"${receipt}","notes":{"__proto__":"p","constructor":"c"}}`,
            headers: { "content-type": "application/json" }
          })
          expect([polluted.status, polluted.json]).toEqual([400, refused])
          const listed = yield* http("GET", `/v1/invoices?receipt=${receipt}`, { auth: aTest })
          expect(listed.json.count).toBe(0)
          const kept = { constructor: "c", prototype: "p", hasOwnProperty: "h" }
          const created = yield* createLink({ type: "link", amount: 1000, receipt, notes: kept })
          expect(created.notes).toEqual(kept)
          const patched = yield* http("PATCH", `/v1/invoices/${created.id}`, {
            auth: aTest,
            raw: '{"notes":{"\\u005f_proto__":"x"}}',
            headers: { "content-type": "application/json" }
          })
          expect([patched.status, patched.json]).toEqual([400, refused])
          const fetched = yield* http("GET", `/v1/invoices/${created.id}`, { auth: aTest })
          expect(fetched.json.notes).toEqual(kept)
          const stored = yield* useCase((links) => links.get(tenantA, created.id))
          expect(Object.entries(stored.notes)).toEqual(Object.entries(kept))
          const viaProto = yield* http("GET", "/v1/invoices?__proto__=1", { auth: aTest })
          const viaConstructor = yield* http("GET", "/v1/invoices?constructor=1", { auth: aTest })
          expect(viaProto.status).toBe(400)
          expect(viaConstructor.status).toBe(400)
        })
    )

    it.effect("Razorpay's documented flow: create, fetch, cancel, cancel again (refused), list", () =>
      Effect.gen(function* () {
        const { aTest } = yield* SuiteServer
        const created = yield* createLink({
          type: "link",
          amount: 29995,
          currency: "INR",
          description: "Shoes",
          receipt: "seed-flow-1",
          customer: { name: "Asha", email: "asha@example.com", contact: "+919876543210" },
          notes: { size: "9" }
        })
        expectEntityShape(created, "created")
        expect(created).toMatchObject({
          status: "issued",
          amount: 29995,
          amount_paid: 0,
          amount_due: 29995,
          currency_symbol: "₹",
          sms_status: "pending",
          email_status: "pending",
          cancelled_at: null,
          notes: { size: "9" }
        })
        const fetched = yield* http("GET", `/v1/invoices/${created.id}`, { auth: aTest })
        expect(fetched.json).toEqual(created)
        const cancelled = yield* http("POST", `/v1/invoices/${created.id}/cancel`, { auth: aTest })
        expect(cancelled.status).toBe(200)
        expectEntityShape(cancelled.json, "cancelled")
        expect(cancelled.json.status).toBe("cancelled")
        expect(cancelled.json.cancelled_at).toBeGreaterThanOrEqual(created.created_at)
        expect({ ...cancelled.json, status: "issued", cancelled_at: null }).toEqual(created)
        const again = yield* http("POST", `/v1/invoices/${created.id}/cancel`, { auth: aTest })
        expect(again.status).toBe(400)
        expect(again.json).toEqual(envelope("Operation not allowed for Invoice in cancelled status."))
        const listed = yield* http("GET", "/v1/invoices?receipt=seed-flow-1", { auth: aTest })
        expect(listed.json).toEqual({ entity: "collection", count: 1, items: [cancelled.json] })
      })
    )

    it.effect("every entity key in order with its JSON type: issued, partially_paid, paid, cancelled, expired", () =>
      Effect.gen(function* () {
        const { aTest, tenantA } = yield* SuiteServer
        const now = yield* useCase((links) => links.now(tenantA))
        const issued = yield* createLink({ type: "link", amount: 1000, customer: { name: "Ravi" } })
        const partial = yield* createLink({
          type: "link",
          amount: 1000,
          partial_payment: true,
          first_payment_min_amount: 300,
          customer: { email: "p@example.com" }
        })
        yield* useCase((links) => links.pay(tenantA, partial.id, { amount: 400 }))
        const toPay = yield* createLink({ type: "link", amount: 1000, receipt: "to-pay" })
        yield* useCase((links) => links.pay(tenantA, toPay.id, { method: "upi" }))
        const toCancel = yield* createLink({ type: "link", amount: 1000 })
        yield* http("POST", `/v1/invoices/${toCancel.id}/cancel`, { auth: aTest })
        const toExpire = yield* createLink({ type: "link", amount: 1000, expire_by: now + 16 * 60 })
        // Time passes on the merchant's test clock; the link is past its expire_by.
        yield* useCase((links) => links.advanceTestClock(tenantA, 20 * 60))

        const get = (id: string) => Effect.map(http("GET", `/v1/invoices/${id}`, { auth: aTest }), (a) => a.json)
        const shapes = {
          issued: yield* get(issued.id),
          partially_paid: yield* get(partial.id),
          paid: yield* get(toPay.id),
          cancelled: yield* get(toCancel.id),
          expired: yield* get(toExpire.id)
        }
        for (const [status, entity] of Object.entries(shapes)) {
          expectEntityShape(entity, status)
          expect(entity.status).toBe(status)
        }
        expect(shapes.issued).toMatchObject({ paid_at: null, cancelled_at: null, expired_at: null, payment_id: null })
        expect(shapes.issued.customer).toEqual({ name: "Ravi", contact: null, email: null })
        expect(shapes.partially_paid).toMatchObject({
          amount_paid: 400,
          amount_due: 600,
          paid_at: null,
          first_payment_min_amount: 300,
          email_status: "pending",
          sms_status: null
        })
        expect(shapes.partially_paid.payment_id).toMatch(/^pay_[0-9A-Za-z]{14}$/)
        expect(shapes.paid).toMatchObject({ amount_paid: 1000, amount_due: 0, cancelled_at: null })
        expect(shapes.paid.paid_at).toBeGreaterThanOrEqual(shapes.paid.created_at)
        expect(shapes.paid.payment_id).toMatch(/^pay_/)
        expect(shapes.cancelled.cancelled_at).toBeGreaterThanOrEqual(shapes.cancelled.created_at)
        expect(shapes.cancelled.paid_at).toBeNull()
        expect(shapes.expired).toMatchObject({ expired_at: now + 16 * 60, expire_by: now + 16 * 60, paid_at: null })
        expect(Object.values(shapes.paid.customer_details).every((value) => value === null)).toBe(true)

        // The states that cannot be cancelled refuse it, naming their status, and change nothing.
        for (const status of ["partially_paid", "paid", "expired"] as const) {
          const id = shapes[status].id
          const refused = yield* http("POST", `/v1/invoices/${id}/cancel`, { auth: aTest })
          expect(refused.status).toBe(400)
          expect(refused.json).toEqual(envelope(`Operation not allowed for Invoice in ${status} status.`))
          expect(yield* get(id)).toEqual(shapes[status])
        }
      })
    )

    it.effect("list: newest first, every filter, count and skip", () =>
      Effect.gen(function* () {
        const { aTest, tenantA } = yield* SuiteServer
        const receipt = `list-${Date.now()}`
        // Distinct creation times: the merchant's test clock moves a minute between links.
        const made: Array<any> = []
        for (let i = 0; i < 5; i++) {
          made.push(
            yield* createLink({
              type: "link",
              amount: 1000 + i,
              receipt: i < 3 ? receipt : `${receipt}-other`,
              customer: i === 1 ? { name: "Filter", email: "filter@example.com" } : undefined
            })
          )
          yield* useCase((links) => links.advanceTestClock(tenantA, 60))
        }
        yield* useCase((links) => links.pay(tenantA, made[2].id, {}))
        yield* http("POST", `/v1/invoices/${made[0].id}/cancel`, { auth: aTest })
        const list = (query: string) =>
          Effect.map(http("GET", `/v1/invoices?${query}`, { auth: aTest }), (answer) => {
            expect(answer.status, `${query}: ${answer.text}`).toBe(200)
            expect(answer.json.entity).toBe("collection")
            expect(answer.json.count).toBe(answer.json.items.length)
            for (const item of answer.json.items) expectEntityShape(item, query)
            return answer.json.items.map((item: any) => item.id) as Array<string>
          })
        const ids = made.map((link) => link.id)
        expect(yield* list(`receipt=${receipt}`)).toEqual([ids[2], ids[1], ids[0]])
        expect(yield* list(`receipt=${receipt}&count=2`)).toEqual([ids[2], ids[1]])
        expect(yield* list(`receipt=${receipt}&count=2&skip=2`)).toEqual([ids[0]])
        expect(yield* list(`receipt=${receipt}&skip=3`)).toEqual([])
        expect(yield* list(`receipt=${receipt}&status=paid`)).toEqual([ids[2]])
        expect(yield* list(`receipt=${receipt}&status=cancelled`)).toEqual([ids[0]])
        expect(yield* list(`receipt=${receipt}&status=issued`)).toEqual([ids[1]])
        expect(yield* list(`receipt=${receipt}&status=expired`)).toEqual([])
        expect(yield* list(`customer_id=${made[1].customer_id}`)).toEqual([ids[1]])
        const paid = yield* http("GET", `/v1/invoices/${ids[2]}`, { auth: aTest })
        expect(yield* list(`payment_id=${paid.json.payment_id}`)).toEqual([ids[2]])
        expect(yield* list(`payment_id=pay_00000000000000`)).toEqual([])
        expect(yield* list(`type=link&receipt=${receipt}`)).toHaveLength(3)
        expect(yield* list(`type=invoice&receipt=${receipt}`)).toEqual([])
        // from/to bound created_at, both inclusive.
        const at = made.map((link) => link.created_at as number)
        expect(yield* list(`from=${at[1]}&to=${at[3]}`)).toEqual([ids[3], ids[2], ids[1]])
        expect(yield* list(`from=${at[4]}`)).toEqual([ids[4]])
        expect(yield* list(`to=${at[0]}&receipt=${receipt}`)).toEqual([ids[0]])
        // The default page is 10; at most 100.
        for (let i = 0; i < 6; i++) yield* createLink({ type: "link", amount: 1000 })
        expect(yield* list("")).toHaveLength(10)
        expect((yield* list("count=100")).length).toBeGreaterThanOrEqual(11)
        const tooMany = yield* http("GET", "/v1/invoices?count=101", { auth: aTest })
        expect(tooMany.status).toBe(400)
        expect(tooMany.json).toEqual(envelope("The count may not be greater than 100.", { field: "count" }))
        const badStatus = yield* http("GET", "/v1/invoices?status=lost", { auth: aTest })
        expect(badStatus.json).toEqual(envelope("The selected status is invalid.", { field: "status" }))
        const badFrom = yield* http("GET", "/v1/invoices?from=yesterday", { auth: aTest })
        expect(badFrom.json).toEqual(envelope("The from must be an integer.", { field: "from" }))
        const unknown = yield* http("GET", "/v1/invoices?colour=red", { auth: aTest })
        expect(unknown.json).toEqual(envelope("colour is/are not required and should not be sent", { field: "colour" }))
      })
    )

    it.effect("update: an issued link takes its fields; other statuses take notes only", () =>
      Effect.gen(function* () {
        const { aTest, tenantA } = yield* SuiteServer
        const now = yield* useCase((links) => links.now(tenantA))
        const link = yield* createLink({ type: "link", amount: 5000, receipt: "before" })
        const updated = yield* http("PATCH", `/v1/invoices/${link.id}`, {
          auth: aTest,
          body: {
            receipt: "after",
            notes: { k: "v" },
            expire_by: now + 7200,
            partial_payment: true,
            first_payment_min_amount: 1000,
            reminder_enable: true
          }
        })
        expect(updated.status, updated.text).toBe(200)
        expectEntityShape(updated.json, "updated")
        expect(updated.json).toMatchObject({
          receipt: "after",
          invoice_number: "after",
          notes: { k: "v" },
          expire_by: now + 7200,
          partial_payment: true,
          first_payment_min_amount: 1000,
          reminder_enable: true,
          status: "issued"
        })
        yield* http("POST", `/v1/invoices/${link.id}/cancel`, { auth: aTest })
        const notes = yield* http("PATCH", `/v1/invoices/${link.id}`, { auth: aTest, body: { notes: { k: "w" } } })
        expect(notes.status).toBe(200)
        expect(notes.json).toMatchObject({ status: "cancelled", notes: { k: "w" } })
        const receipt = yield* http("PATCH", `/v1/invoices/${link.id}`, { auth: aTest, body: { receipt: "x" } })
        expect(receipt.status).toBe(400)
        expect(receipt.json).toEqual(envelope("Operation not allowed for Invoice in cancelled status."))
        const amount = yield* http("PATCH", `/v1/invoices/${link.id}`, { auth: aTest, body: { amount: 1 } })
        expect(amount.json).toEqual(envelope("amount is/are not required and should not be sent", { field: "amount" }))
      })
    )

    it.effect("notify_by: sms or email to a customer who has one; refused otherwise", () =>
      Effect.gen(function* () {
        const { aTest } = yield* SuiteServer
        const link = yield* createLink({
          type: "link",
          amount: 1000,
          customer: { email: "n@example.com", contact: "9876543210" }
        })
        for (const medium of ["sms", "email"]) {
          const answer = yield* http("POST", `/v1/invoices/${link.id}/notify_by/${medium}`, { auth: aTest })
          expect(answer.status).toBe(200)
          expect(answer.text).toBe('{"success":true}')
        }
        const fax = yield* http("POST", `/v1/invoices/${link.id}/notify_by/fax`, { auth: aTest })
        expect(fax.status).toBe(400)
        expect(fax.json).toEqual(envelope("fax is not a valid communication medium.", { field: "medium" }))
        const noContact = yield* createLink({ type: "link", amount: 1000 })
        const sms = yield* http("POST", `/v1/invoices/${noContact.id}/notify_by/sms`, { auth: aTest })
        expect(sms.status).toBe(400)
        expect(sms.json.error.description).toBe("The customer's contact is required to send an sms.")
        yield* http("POST", `/v1/invoices/${link.id}/cancel`, { auth: aTest })
        const closed = yield* http("POST", `/v1/invoices/${link.id}/notify_by/sms`, { auth: aTest })
        expect(closed.json).toEqual(envelope("Operation not allowed for Invoice in cancelled status."))
      })
    )

    it.effect("every validation text of docs/errors.md, with its field", () =>
      Effect.gen(function* () {
        const { aTest, tenantA } = yield* SuiteServer
        const now = yield* useCase((links) => links.now(tenantA))
        const refuse = (body: unknown, description: string, field?: string) =>
          Effect.gen(function* () {
            const answer = yield* http("POST", "/v1/invoices", { auth: aTest, body })
            expect(answer.status, JSON.stringify(body)).toBe(400)
            expect(answer.json, JSON.stringify(body)).toEqual(
              envelope(description, field === undefined ? {} : { field })
            )
          })
        const base = { type: "link", amount: 1000 }
        yield* refuse({ amount: 1000 }, "The type field is required.", "type")
        yield* refuse({ type: "link" }, "The amount field is required.", "amount")
        yield* refuse({ ...base, amount: "1000" }, "The amount must be an integer.", "amount")
        yield* refuse({ ...base, amount: 10.5 }, "The amount must be an integer.", "amount")
        yield* refuse({ ...base, description: 5 }, "The description must be a string.", "description")
        yield* refuse({ ...base, partial_payment: "yes" }, "The partial_payment must be a boolean.", "partial_payment")
        yield* refuse({ ...base, notes: "x" }, "The notes must be an object.", "notes")
        yield* refuse({ ...base, customer: "x" }, "The customer must be an object.", "customer")
        yield* refuse({ ...base, amount: 99 }, "The amount must be at least INR 1.00", "amount")
        yield* refuse({ ...base, amount: 0, currency: "JPY" }, "The amount must be at least JPY 1", "amount")
        yield* refuse({ ...base, amount: 999, currency: "KWD" }, "The amount must be at least KWD 1.000", "amount")
        yield* refuse({ ...base, currency: "XYZ" }, "The selected currency is invalid.", "currency")
        yield* refuse(
          { ...base, receipt: "r".repeat(41) },
          "The receipt may not be greater than 40 characters.",
          "receipt"
        )
        yield* refuse(
          { ...base, description: "d".repeat(2049) },
          "The description may not be greater than 2048 characters.",
          "description"
        )
        yield* refuse(
          { ...base, customer: { name: "n".repeat(51) } },
          "The name may not be greater than 50 characters.",
          "customer.name"
        )
        yield* refuse(
          { ...base, customer: { email: `${"e".repeat(60)}@x.co` } },
          "The email may not be greater than 64 characters.",
          "customer.email"
        )
        yield* refuse(
          { ...base, customer: { contact: "1".repeat(16) } },
          "The contact may not be greater than 15 characters.",
          "customer.contact"
        )
        yield* refuse(
          { ...base, notes: { k: "v".repeat(257) } },
          "The notes.k may not be greater than 256 characters.",
          "notes.k"
        )
        yield* refuse(
          { ...base, notes: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"])) },
          "The notes may not have more than 15 items.",
          "notes"
        )
        yield* refuse(
          { ...base, customer: { email: "not-an-email" } },
          "The email must be a valid email address.",
          "customer.email"
        )
        yield* refuse({ ...base, customer: { contact: "12ab" } }, "The contact format is invalid.", "customer.contact")
        yield* refuse(
          { ...base, expire_by: now + 60 },
          "expire_by should be at least 15 minutes after current time.",
          "expire_by"
        )
        yield* refuse(
          { ...base, expire_by: now + 200 * 86400 },
          "expire_by cannot be more than six months from the date of creation.",
          "expire_by"
        )
        yield* refuse({ ...base, colour: "red" }, "colour is/are not required and should not be sent", "colour")
        yield* refuse({ ...base, colour: "red", size: 9 }, "colour, size is/are not required and should not be sent")
        // Ids: malformed (named without their prefix) and unknown.
        const malformed = yield* http("GET", "/v1/invoices/inv_123", { auth: aTest })
        expect(malformed.json).toEqual(envelope("123 is not a valid id"))
        const noPrefix = yield* http("GET", "/v1/invoices/abc", { auth: aTest })
        expect(noPrefix.json).toEqual(envelope("abc is not a valid id"))
        const missing = yield* http("POST", "/v1/invoices/inv_ZZZZZZZZZZZZZZ/cancel", { auth: aTest })
        expect(missing.status).toBe(400)
        expect(missing.json).toEqual(envelope("The id provided does not exist"))
        const customerId = yield* http("POST", "/v1/invoices", {
          auth: aTest,
          body: { ...base, customer_id: "cust_ZZZZZZZZZZZZZZ" }
        })
        expect(customerId.json).toEqual(envelope("The id provided does not exist", { field: "customer_id" }))
      })
    )

    it.effect("transport errors: auth, routes, bodies, 1 MiB, idempotency", () =>
      Effect.gen(function* () {
        const { aTest } = yield* SuiteServer
        const na = { origin: "NA" } as const
        expect((yield* http("GET", "/v1/invoices")).json).toEqual(envelope("Authentication failed", na))
        expect((yield* http("GET", "/v1/invoices", { auth: basic("rzp_test_nobody01", "x") })).json).toEqual(
          envelope("The api key provided is invalid", na)
        )
        expect((yield* http("GET", "/v1/invoices", { auth: basic(KEY_A, "wrong") })).json).toEqual(
          envelope("The api secret provided is invalid", na)
        )
        const route = yield* http("DELETE", "/v1/invoices", { auth: aTest })
        expect(route.status).toBe(400)
        expect(route.json).toEqual(envelope("The requested URL was not found on the server.", na))
        const badJson = yield* http("POST", "/v1/invoices", {
          auth: aTest,
          raw: "{nope",
          headers: { "content-type": "application/json" }
        })
        expect(badJson.json).toEqual(envelope("The request body is not a valid JSON object"))
        const big = yield* http("POST", "/v1/invoices", {
          auth: aTest,
          raw: `{"type":"link","amount":1000,"description":"${"x".repeat(1024 * 1024)}"}`,
          headers: { "content-type": "application/json" }
        })
        expect(big.status).toBe(413)
        expect(big.json).toEqual(envelope("The request body is too large", na))
        const key = { "idempotency-key": `suite-${Date.now()}` }
        const first = yield* http("POST", "/v1/invoices", {
          auth: aTest,
          body: { type: "link", amount: 777 },
          headers: key
        })
        const replay = yield* http("POST", "/v1/invoices", {
          auth: aTest,
          body: { type: "link", amount: 777 },
          headers: key
        })
        expect(replay.text).toBe(first.text)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(first.json.idempotency_key).toBe(key["idempotency-key"])
        const other = yield* http("POST", "/v1/invoices", {
          auth: aTest,
          body: { type: "link", amount: 778 },
          headers: key
        })
        expect(other.json).toEqual(envelope("Idempotency key already used with a different request"))
        const ready = yield* http("GET", "/readyz")
        expect(ready.json).toEqual({ status: "ok" })
      })
    )

    it.effect("another merchant's link, or the other mode's, is indistinguishable from a missing one", () =>
      Effect.gen(function* () {
        const { aTest, aLive, bTest } = yield* SuiteServer
        const link = yield* createLink({
          type: "link",
          amount: 1000,
          receipt: "isolated",
          customer: { email: "i@x.co" }
        })
        const before = yield* http("GET", `/v1/invoices/${link.id}`, { auth: aTest })
        const missing = envelope("The id provided does not exist")
        for (const auth of [aLive, bTest]) {
          expect((yield* http("GET", `/v1/invoices/${link.id}`, { auth })).json).toEqual(missing)
          expect((yield* http("POST", `/v1/invoices/${link.id}/cancel`, { auth })).json).toEqual(missing)
          expect(
            (yield* http("PATCH", `/v1/invoices/${link.id}`, { auth, body: { notes: { hacked: "yes" } } })).json
          ).toEqual(missing)
          expect((yield* http("POST", `/v1/invoices/${link.id}/notify_by/email`, { auth })).json).toEqual(missing)
          const list = yield* http("GET", "/v1/invoices?receipt=isolated", { auth })
          expect(list.json).toEqual({ entity: "collection", count: 0, items: [] })
          // The customer of another tenant does not exist either.
          const borrowed = yield* http("POST", "/v1/invoices", {
            auth,
            body: { type: "link", amount: 1000, customer_id: link.customer_id }
          })
          expect(borrowed.json).toEqual(envelope("The id provided does not exist", { field: "customer_id" }))
        }
        // Live mode works for its own links, apart from test mode's.
        const liveLink = yield* createLink({ type: "link", amount: 1000, receipt: "isolated" }, aLive)
        expect((yield* http("GET", `/v1/invoices/${liveLink.id}`, { auth: aTest })).json).toEqual(missing)
        const after = yield* http("GET", `/v1/invoices/${link.id}`, { auth: aTest })
        expect(after.text).toBe(before.text)
      })
    )

    it.effect("a refused request leaves the stored link byte for byte unchanged", () =>
      Effect.gen(function* () {
        const { aTest, bTest, tenantA } = yield* SuiteServer
        const now = yield* useCase((links) => links.now(tenantA))
        const link = yield* createLink({
          type: "link",
          amount: 2000,
          receipt: "unchanged",
          notes: { a: "1" },
          customer: { name: "U", contact: "9876543210" }
        })
        const path = `/v1/invoices/${link.id}`
        const snapshot = () => Effect.map(http("GET", path, { auth: aTest }), (answer) => answer.text)
        const before = yield* snapshot()
        const refusals: Array<[string, string, unknown]> = [
          ["PATCH", path, { receipt: "r".repeat(41) }],
          ["PATCH", path, { receipt: "ok", amount: 5 }],
          ["PATCH", path, { expire_by: now + 10 }],
          ["PATCH", path, { notes: "not an object" }],
          ["PATCH", path, { first_payment_min_amount: 100 }],
          ["POST", `${path}/notify_by/pigeon`, undefined],
          ["POST", `${path}/notify_by/email`, undefined]
        ]
        for (const [method, target, body] of refusals) {
          const answer = yield* http(method, target, { auth: aTest, ...(body === undefined ? {} : { body }) })
          expect(answer.status, `${method} ${target} ${JSON.stringify(body)}`).toBe(400)
          expect(yield* snapshot()).toBe(before)
        }
        for (const [method, target] of [
          ["POST", `${path}/cancel`],
          ["PATCH", path]
        ] as const) {
          const answer = yield* http(method, target, { auth: bTest, body: { notes: { b: "2" } } })
          expect(answer.status).toBe(400)
          expect(yield* snapshot()).toBe(before)
        }
        const bad = yield* http("PATCH", path, {
          auth: aTest,
          raw: "{",
          headers: { "content-type": "application/json" }
        })
        expect(bad.status).toBe(400)
        expect(yield* snapshot()).toBe(before)
        // Once cancelled, refusals leave the cancelled link as it is.
        const cancelled = yield* http("POST", `${path}/cancel`, { auth: aTest })
        for (const [method, target, body] of [
          ["POST", `${path}/cancel`, undefined],
          ["PATCH", path, { receipt: "late" }],
          ["POST", `${path}/notify_by/sms`, undefined]
        ] as const) {
          const answer = yield* http(method, target, { auth: aTest, ...(body === undefined ? {} : { body }) })
          expect(answer.status).toBe(400)
          expect(yield* snapshot()).toBe(cancelled.text)
        }
      })
    )
  })
