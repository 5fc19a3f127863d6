import { describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import * as InMemory from "@paylinks/core/InMemory"
import { Merchants } from "@paylinks/core/Merchants"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import { ENTITY_KEYS } from "@paylinks/testing/EntityShape"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { Api } from "@paylinks/contract/Api"
import * as ApiDocs from "../src/ApiDocs.js"
import * as Wire from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"

const T0 = 1_700_000_000

const TestLayer = PaymentLinks.layer.pipe(
  Layer.provideMerge(InMemory.layer),
  Layer.provideMerge(PaymentLinks.linkSettings("https://pay.example")),
  Layer.provideMerge(IdGenerator.layerSequential)
)

/** One link in every status, driven through core's use-cases. */
const linksInEveryStatus = Effect.gen(function* () {
  yield* TestClock.adjust(`${T0} seconds`)
  const merchants = yield* Merchants
  yield* merchants.seedKey("rzp_test_wire", "secret", "Acme")
  const caller = yield* merchants.authenticate("rzp_test_wire", "secret")
  const links = yield* PaymentLinks.PaymentLinks
  const customer = { name: "Asha", email: "asha@example.com", contact: "+919876543210" }
  const issued = yield* links.create(caller, { type: "link", amount: 1000, customer, receipt: "r-1" })
  const partial = yield* links.create(caller, { type: "link", amount: 1000, partial_payment: true })
  const partiallyPaid = yield* links.pay(caller.tenant, partial.id, { amount: 400 })
  const toPay = yield* links.create(caller, { type: "link", amount: 1000, notes: { a: "b" } })
  const paid = yield* links.pay(caller.tenant, toPay.id, {})
  const toCancel = yield* links.create(caller, { type: "link", amount: 1000, description: "Tea" })
  const cancelled = yield* links.cancel(caller.tenant, toCancel.id)
  const toExpire = yield* links.create(caller, { type: "link", amount: 1000, expire_by: T0 + 3600 })
  yield* TestClock.adjust("2 hours")
  const expired = yield* links.get(caller.tenant, toExpire.id)
  return { issued, partiallyPaid, paid, cancelled, expired }
})

describe("the wire entity", () => {
  it.effect("toEntity gives every entity key, in order, valid against the schema, in every status", () =>
    Effect.gen(function* () {
      const all = yield* linksInEveryStatus
      expect(Object.keys(Wire.InvoiceEntity.fields)).toEqual(ENTITY_KEYS)
      for (const [status, link] of Object.entries(all)) {
        const entity = Wire.toEntity(link)
        expect(Object.keys(entity)).toEqual(ENTITY_KEYS)
        expect(entity.status).toBe(status === "partiallyPaid" ? "partially_paid" : status)
        // Round trip through JSON as a client sees it, then validate every key and type.
        const decoded = Schema.decodeUnknownSync(Wire.InvoiceEntity, { onExcessProperty: "error" })(
          JSON.parse(JSON.stringify(entity))
        )
        expect(decoded).toEqual(entity)
      }
      const { issued, partiallyPaid, paid, cancelled, expired } = all
      const entity = Wire.toEntity(issued)
      expect(entity.customer).toEqual({ name: "Asha", contact: "+919876543210", email: "asha@example.com" })
      expect(Object.keys(entity.customer!)).toEqual(["name", "contact", "email"])
      expect(entity.customer_details).toEqual({
        id: issued.customer!.id,
        name: "Asha",
        email: "asha@example.com",
        contact: "+919876543210",
        gstin: null,
        billing_address: null,
        shipping_address: null,
        customer_name: "Asha",
        customer_email: "asha@example.com",
        customer_contact: "+919876543210"
      })
      expect(entity.invoice_number).toBe("r-1")
      expect(entity.date).toBe(T0)
      expect(entity.currency_symbol).toBe("₹")
      expect(entity.sms_status).toBe("pending")
      expect(entity.short_url).toMatch(/^https:\/\/pay\.example\/i\/[0-9A-Za-z]{8}$/)
      expect(Wire.toEntity(partiallyPaid)).toMatchObject({ amount_paid: 400, amount_due: 600, paid_at: null })
      expect(Wire.toEntity(partiallyPaid).payment_id).toMatch(/^pay_/)
      expect(Wire.toEntity(paid)).toMatchObject({ status: "paid", amount_due: 0, paid_at: T0, notes: { a: "b" } })
      expect(Wire.toEntity(cancelled)).toMatchObject({ cancelled_at: T0, customer_id: null, customer: null })
      expect(Object.values(Wire.toEntity(cancelled).customer_details).every((value) => value === null)).toBe(true)
      expect(Wire.toEntity(expired)).toMatchObject({ expired_at: T0 + 3600, expire_by: T0 + 3600 })
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("the collection counts the items on its page", () =>
    Effect.gen(function* () {
      const { issued, paid } = yield* linksInEveryStatus
      const collection = Wire.toCollection([issued, paid])
      expect(Object.keys(collection)).toEqual(["entity", "count", "items"])
      expect(collection.count).toBe(2)
      expect(Schema.is(Wire.InvoiceCollection)(collection)).toBe(true)
      expect(Wire.toCollection([])).toEqual({ entity: "collection", count: 0, items: [] })
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("the error envelope", () => {
  it("has Razorpay's keys in order, and field only when one field is at fault", () => {
    const withField = JSON.parse(WireErrors.body(WireErrors.badRequest("The amount field is required.", "amount")))
    expect(Object.keys(withField.error)).toEqual([
      "code",
      "description",
      "source",
      "step",
      "reason",
      "metadata",
      "field"
    ])
    expect(withField.error).toEqual({
      code: "BAD_REQUEST_ERROR",
      description: "The amount field is required.",
      source: "business",
      step: "payment_initiation",
      reason: "input_validation_failed",
      metadata: {},
      field: "amount"
    })
    const auth = JSON.parse(WireErrors.body(WireErrors.unauthorized()))
    expect(auth).toEqual({
      error: {
        code: "BAD_REQUEST_ERROR",
        description: "Authentication failed",
        source: "NA",
        step: "NA",
        reason: "NA",
        metadata: {}
      }
    })
    expect(JSON.parse(WireErrors.body(WireErrors.serverError())).error).toMatchObject({
      code: "SERVER_ERROR",
      description: "The server encountered an error. The incident has been reported to admins."
    })
  })

  it("travels without a tag and decodes into the tagged error of its status", () => {
    const error = WireErrors.badRequest("nope", "amount")
    const encoded = Schema.encodeSync(Wire.BadRequest)(error)
    expect(encoded).toEqual({ error: error.error })
    const decoded = Schema.decodeUnknownSync(Wire.Unauthorized)(JSON.parse(WireErrors.body(WireErrors.unauthorized())))
    expect(decoded).toBeInstanceOf(Wire.UnauthorizedError)
    expect(decoded._tag).toBe("UnauthorizedError")
    expect(WireErrors.statusOf(decoded)).toBe(401)
    expect(WireErrors.statusOf(WireErrors.bodyTooLarge())).toBe(413)
    expect(WireErrors.statusOf(WireErrors.idempotencyInProgress())).toBe(409)
    expect(WireErrors.statusOf(WireErrors.notReady())).toBe(503)
  })
})

describe("the OpenAPI document", () => {
  it("documents every endpoint with Razorpay's envelope, and no framework error shape", () => {
    const spec = ApiDocs.openApi(Api) as any
    const operations = Object.entries<any>(spec.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)
    )
    expect(operations.sort()).toEqual(
      [
        "POST /v1/invoices",
        "GET /v1/invoices",
        "GET /v1/invoices/{id}",
        "PATCH /v1/invoices/{id}",
        "POST /v1/invoices/{id}/cancel",
        "POST /v1/invoices/{id}/notify_by/{medium}",
        "POST /v1/payment_links",
        "GET /v1/payment_links",
        "GET /v1/payment_links/{id}",
        "PATCH /v1/payment_links/{id}",
        "POST /v1/payment_links/{id}/cancel",
        "POST /v1/payment_links/{id}/notify_by/{medium}",
        "GET /healthz",
        "GET /readyz",
        "POST /v1/sandbox/invoices/{id}/payments",
        "POST /v1/sandbox/payment_links/{id}/payments",
        "GET /v1/sandbox/clock",
        "POST /v1/sandbox/clock",
        "GET /v1/sandbox/inbox"
      ].sort()
    )
    const text = JSON.stringify(spec)
    expect(text).not.toContain("HttpApiDecodeError")
    expect(spec.paths["/v1/invoices/{id}/cancel"].post.responses["400"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/BadRequestError"
    })
    expect(spec.components.securitySchemes).toEqual({ basic: { type: "http", scheme: "basic" } })
    expect(Object.keys(spec.components.schemas.Invoice.properties)).toEqual(ENTITY_KEYS)
  })

  it("renders a self-contained HTML page of every operation", () => {
    const html = ApiDocs.docsHtml(ApiDocs.openApi(Api) as any)
    expect(html).toContain("<!doctype html>")
    for (const path of ["/v1/invoices", "/v1/invoices/{id}/cancel", "/v1/invoices/{id}/notify_by/{medium}", "/readyz"])
      expect(html).toContain(`<code>${path}</code>`)
    expect(html).toContain("Cancel a Payment Link")
    // Nothing is fetched from elsewhere: no scripts, stylesheets, fonts or images by URL.
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i)
    expect(html).not.toMatch(/(src|href)="https?:/i)
  })
})
