import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as PaylinksClient from "../src/PaylinksClient.js"
import { DELIVERING, startServer, type TestServer } from "./server.js"

let server: TestServer

beforeAll(async () => {
  server = await startServer("rzp_test_ClientDefaults01", "client-defaults-secret-0123456789", DELIVERING)
})

afterAll(async () => {
  await server?.stop()
})

const withClient = <A, E>(f: (client: PaylinksClient.Client) => Effect.Effect<A, E>) =>
  Effect.suspend(() =>
    Effect.flatMap(PaylinksClient.PaylinksClient, f).pipe(
      Effect.provide(PaylinksClient.layer({ baseUrl: server.url, keyId: server.keyId, keySecret: server.keySecret }))
    )
  )

describe("the Effect client without the optional parts of a request", () => {
  it.live("creates, cancels, resends and pays without headers, and lists without query parameters", () =>
    withClient((api) =>
      Effect.gen(function* () {
        const link = yield* api.invoices.create({
          payload: { type: "link", amount: 1500, partial_payment: true, customer: { contact: "+919900000003" } }
        })
        expect(link.status).toBe("issued")
        expect(yield* api.invoices.notifyBy({ path: { id: link.id, medium: "sms" } })).toEqual({ success: true })
        const paid = yield* api.sandbox.pay({ path: { id: link.id }, payload: { amount: 500 } })
        expect(paid.invoice.amount_paid).toBe(500)
        const other = yield* api.invoices.create({ payload: { type: "link", amount: 1000 } })
        const cancelled = yield* api.invoices.cancel({ path: { id: other.id } })
        expect(cancelled.status).toBe("cancelled")

        const page = yield* api.invoices.list()
        expect(page.items.map((item) => item.id)).toContain(link.id)
        // The notifier sends after the answer, through the outbox: the message arrives soon after.
        const inbox = yield* api.sandbox.inbox().pipe(
          Effect.filterOrFail(
            (page) => page.items.some((message) => message.invoice_id === link.id),
            () => "not in the inbox yet"
          ),
          Effect.retry({ schedule: Schedule.spaced("100 millis"), times: 50 })
        )
        expect(inbox.items.some((message) => message.invoice_id === link.id && message.channel === "sms")).toBe(true)
        const clock = yield* api.sandbox.advanceClock({ payload: { advance_by: 60 } })
        expect(clock.offset).toBe(60)
      })
    )
  )

  it.effect("still sends an Idempotency-Key that is given", () =>
    withClient((api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": `defaults-${Date.now()}` }
        const first = yield* api.invoices.create({ payload: { type: "link", amount: 2500 }, headers })
        const [again, response] = yield* api.invoices.create({
          payload: { type: "link", amount: 2500 },
          headers,
          withResponse: true
        })
        expect(again).toEqual(first)
        expect(response.headers["idempotent-replayed"]).toBe("true")
        // Without the header the same body is a new link.
        const other = yield* api.invoices.create({ payload: { type: "link", amount: 2500 } })
        expect(other.id).not.toBe(first.id)
      })
    )
  )

  it("keeps the parts that have required keys required", () => {
    const typeOnly = (api: PaylinksClient.Client) => {
      // @ts-expect-error a create needs its payload
      api.invoices.create()
      // @ts-expect-error a create needs its payload
      api.invoices.create({ headers: {} })
      // @ts-expect-error a fetch needs its path
      api.invoices.fetch()
      // @ts-expect-error the header's value is a string
      api.invoices.cancel({ path: { id: "inv_1" }, headers: { "idempotency-key": 1 } })
      // @ts-expect-error an unknown filter is not a query parameter of the list
      api.invoices.list({ urlParams: { colour: "red" } })
    }
    expect(typeOnly).toBeTypeOf("function")
  })
})
