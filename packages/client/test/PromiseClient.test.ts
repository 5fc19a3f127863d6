import { ENTITY_KEYS } from "@paylinks/testing/EntityShape"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as PaylinksClient from "../src/PaylinksClient.js"
import { DELIVERING, startServer, type TestServer } from "./server.js"

let server: TestServer
let paylinks: PaylinksClient.PromiseClient

beforeAll(async () => {
  server = await startServer("rzp_test_ClientPromise001", "client-promise-secret-0123456789", DELIVERING)
  paylinks = PaylinksClient.promise({ baseUrl: server.url, keyId: server.keyId, keySecret: server.keySecret })
})

afterAll(async () => {
  await paylinks?.close()
  await server?.stop()
})

/** What a Promise rejected with, for assertions on its class and envelope. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected a rejection")
    },
    (error: unknown) => error
  )

describe("the Promise client against a real server", () => {
  it("creates, fetches, updates, lists, resends and cancels links as wire entities", async () => {
    const created = await paylinks.invoices.create({
      type: "link",
      amount: 50000,
      description: "Promise client",
      receipt: "promise-1",
      customer: { contact: "+919900000004" }
    })
    expect(Object.keys(created)).toEqual(ENTITY_KEYS)
    expect(created).toMatchObject({ entity: "invoice", status: "issued", amount: 50000, receipt: "promise-1" })

    // The notifier may have sent the SMS meanwhile; everything else reads back as created.
    const { sms_status: _sent, ...unchanged } = created
    expect(await paylinks.invoices.fetch(created.id)).toMatchObject(unchanged)
    expect((await paylinks.invoices.update(created.id, { receipt: "promise-1b" })).receipt).toBe("promise-1b")
    const page = await paylinks.invoices.list({ receipt: "promise-1b" })
    expect(page.items.map((item) => item.id)).toEqual([created.id])
    expect((await paylinks.invoices.list()).items.map((item) => item.id)).toContain(created.id)
    expect(await paylinks.invoices.notifyBy(created.id, "sms")).toEqual({ success: true })

    const cancelled = await paylinks.invoices.cancel(created.id)
    expect(cancelled.status).toBe("cancelled")
    expect(cancelled.cancelled_at).toBeTypeOf("number")
  })

  it("rejects with the contract's error classes, Razorpay's envelope as `error`", async () => {
    const missing = await rejection(paylinks.invoices.fetch("inv_0000000000000A"))
    expect(missing).toBeInstanceOf(PaylinksClient.BadRequestError)
    expect(missing).toBeInstanceOf(Error)
    const error = missing as PaylinksClient.BadRequestError
    expect(error._tag).toBe("BadRequestError")
    expect(error.error.description).toBe("The id provided does not exist")
    expect(error.error.code).toBe("BAD_REQUEST_ERROR")

    const tooSmall = await rejection(paylinks.invoices.create({ type: "link", amount: 10 }))
    expect((tooSmall as PaylinksClient.BadRequestError).error.description).toBe("The amount must be at least INR 1.00")

    const link = await paylinks.invoices.create({ type: "link", amount: 1000 })
    await paylinks.invoices.cancel(link.id)
    const twice = await rejection(paylinks.invoices.cancel(link.id))
    expect(twice).toBeInstanceOf(PaylinksClient.BadRequestError)
    expect((twice as PaylinksClient.BadRequestError).error.description).toBe(
      "Operation not allowed for Invoice in cancelled status."
    )
  })

  it("creates, fetches, updates, lists, resends and cancels Payment Links as payment_link entities", async () => {
    const created = await paylinks.paymentLinks.create(
      {
        amount: 40000,
        description: "Promise v2",
        reference_id: "promise-v2-1",
        customer: { contact: "+919900000006" }
      },
      { idempotencyKey: "promise-v2-1" }
    )
    expect(Object.keys(created)).toEqual([...Object.keys(created)].sort())
    expect(created).toMatchObject({ status: "created", amount: 40000, reference_id: "promise-v2-1", payments: null })
    expect(created.id).toMatch(/^plink_/)
    expect(
      await paylinks.paymentLinks.create(
        {
          amount: 40000,
          description: "Promise v2",
          reference_id: "promise-v2-1",
          customer: { contact: "+919900000006" }
        },
        { idempotencyKey: "promise-v2-1" }
      )
    ).toEqual(created)

    expect(await paylinks.paymentLinks.fetch(created.id)).toEqual(created)
    const updated = await paylinks.paymentLinks.update(created.id, { reference_id: "promise-v2-1b", notes: { a: "b" } })
    expect(updated).toMatchObject({ reference_id: "promise-v2-1b", notes: { a: "b" } })
    const page = await paylinks.paymentLinks.list({ reference_id: "promise-v2-1b" })
    expect(page).toEqual({ payment_links: [updated] })
    expect(await paylinks.paymentLinks.notifyBy(created.id, "sms")).toEqual({ success: true })

    const partial = await paylinks.paymentLinks.create({ amount: 3000, accept_partial: true })
    const paid = await paylinks.sandbox.payPaymentLink(partial.id, { amount: 1000, method: "upi" })
    expect(paid.entity).toBe("sandbox_payment")
    expect(paid.payment).toMatchObject({ amount: 1000, method: "upi", invoice_id: null })
    expect(paid.payment_link).toMatchObject({ status: "partially_paid", amount_paid: 1000 })
    expect(paid.payment_link.payments).toEqual([expect.objectContaining({ payment_id: paid.payment.id, amount: 1000 })])
    expect(await paylinks.paymentLinks.fetch(partial.id)).toEqual(paid.payment_link)

    const cancelled = await paylinks.paymentLinks.cancel(created.id)
    expect(cancelled.status).toBe("cancelled")
    const twice = await rejection(paylinks.paymentLinks.cancel(created.id))
    expect(twice).toBeInstanceOf(PaylinksClient.BadRequestError)
    expect((twice as PaylinksClient.BadRequestError).error.description).toBe("cannot cancel or expire an expired link")
    const invoice = await paylinks.invoices.create({ type: "link", amount: 1000 })
    const elsewhere = await rejection(paylinks.paymentLinks.fetch(invoice.id))
    expect((elsewhere as PaylinksClient.BadRequestError).error.description).toBe("The id provided does not exist")
  })

  it("replays an idempotency key and refuses it with another body", async () => {
    const idempotencyKey = `promise-${Date.now()}`
    const first = await paylinks.invoices.create({ type: "link", amount: 2000 }, { idempotencyKey })
    expect(await paylinks.invoices.create({ type: "link", amount: 2000 }, { idempotencyKey })).toEqual(first)
    const reused = await rejection(paylinks.invoices.create({ type: "link", amount: 3000 }, { idempotencyKey }))
    expect((reused as PaylinksClient.BadRequestError).error.description).toBe(
      "Idempotency key already used with a different request"
    )
  })

  it("reads the sandbox inbox, pays in the sandbox and moves its clock", async () => {
    const link = await paylinks.invoices.create({
      type: "link",
      amount: 3000,
      partial_payment: true,
      customer: { contact: "+919900000005" }
    })
    // The notifier sends after the answer, through the outbox: the message arrives soon after.
    let inbox = await paylinks.sandbox.inbox({ invoice_id: link.id, channel: "sms" })
    for (let tries = 0; inbox.count === 0 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      inbox = await paylinks.sandbox.inbox({ invoice_id: link.id, channel: "sms" })
    }
    expect(inbox.count).toBeGreaterThan(0)
    expect(inbox.items.every((message) => message.invoice_id === link.id && message.channel === "sms")).toBe(true)

    const paid = await paylinks.sandbox.pay(link.id, { amount: 1000 })
    expect(paid.entity).toBe("sandbox_payment")
    expect(paid.invoice).toMatchObject({ status: "partially_paid", amount_paid: 1000, amount_due: 2000 })
    expect((await paylinks.sandbox.pay(link.id)).invoice).toMatchObject({ status: "paid", amount_due: 0 })

    const before = await paylinks.sandbox.clock()
    const after = await paylinks.sandbox.advanceClock({ advance_by: 3600 })
    expect(after.offset).toBe(before.offset + 3600)
  })

  it("reaches the unauthenticated system endpoints", async () => {
    expect(await paylinks.system.healthz()).toEqual({ status: "ok" })
    expect(await paylinks.system.readyz()).toEqual({ status: "ok" })
  })

  it("rejects a wrong secret with UnauthorizedError, and an unreachable server with a RequestError", async () => {
    const wrong = PaylinksClient.promise({ baseUrl: server.url, keyId: server.keyId, keySecret: "not-the-secret" })
    try {
      const refused = await rejection(wrong.invoices.list())
      expect(refused).toBeInstanceOf(PaylinksClient.UnauthorizedError)
      expect((refused as PaylinksClient.UnauthorizedError).error.description).toBe("The api secret provided is invalid")
    } finally {
      await wrong.close()
    }

    const nowhere = PaylinksClient.promise({ baseUrl: "http://127.0.0.1:9", keyId: server.keyId, keySecret: "x" })
    try {
      const unreachable = (await rejection(nowhere.system.healthz())) as { _tag: string; cause: { message: string } }
      expect(unreachable._tag).toBe("RequestError")
      // The connection's own reason, not fetch's bare "fetch failed".
      expect(unreachable.cause.message).toContain("ECONNREFUSED")
    } finally {
      await nowhere.close()
    }
  })
})
