/**
 * The envelope against Razorpay's published shape, independent of storage and transport.
 */
import { describe, expect, it } from "@effect/vitest"
import { CustomerId, MerchantId, OrderId, PaymentId, PaymentLinkId, ShortCode } from "@paylinks/core/Ids"
import * as DomainEvent from "@paylinks/core/DomainEvent"
import * as Tenant from "@paylinks/core/Tenant"
import * as Transitions from "@paylinks/core/Transitions"
import * as Validation from "@paylinks/core/Validation"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Envelope from "../src/WebhookEnvelope.js"
import { PaymentLinkEntity, toPaymentLinkEntity } from "../src/PaymentLinkWire.js"
import { InvoiceEntity, OrderEntity, PaymentEntity, toOrderEntity, toPaymentEntity } from "../src/Wire.js"

const T = 1_717_200_000
const accept = <A, E>(result: Either.Either<A, E>): A => Either.getOrThrowWith(result, (e) => new Error(String(e)))

const issued = Transitions.issue(
  accept(
    Validation.validateCreate(
      { type: "link", amount: 100000, receipt: "R9", customer: { email: "c@x.example" }, notes: { plan: "annual" } },
      T
    )
  ),
  {
    tenant: Tenant.make(MerchantId.make("acc_AAAAAAAAAAAAAA"), "test"),
    id: PaymentLinkId.make("inv_00000000000001"),
    orderId: OrderId.make("order_00000000000001"),
    shortCode: ShortCode.make("AbCdEfGh"),
    shortUrl: "https://pay.example/i/AbCdEfGh",
    customer: Transitions.newCustomer(CustomerId.make("cust_00000000000001"), {
      name: null,
      email: "c@x.example",
      contact: null
    }),
    keyId: null,
    idempotencyKey: null
  },
  T
).link

describe("envelope", () => {
  it("invoice.paid carries payment, order and invoice, in Razorpay's key order", () => {
    const paid = accept(
      Transitions.pay(
        issued,
        accept(Validation.validatePayment({ method: "netbanking" })),
        PaymentId.make("pay_00000000000001"),
        T + 5
      )
    )
    const event = paid.events.find((e) => e._tag === "LinkPaid")!
    const body = JSON.parse(Envelope.render(event, "invoice.paid"))
    expect(Object.keys(body)).toEqual(["entity", "account_id", "event", "contains", "payload", "created_at"])
    expect(body).toMatchObject({
      entity: "event",
      account_id: "acc_AAAAAAAAAAAAAA",
      event: "invoice.paid",
      created_at: T + 5
    })
    expect(body.contains).toEqual(["payment", "order", "invoice"])
    expect(body.payload.payment.entity).toEqual({
      id: "pay_00000000000001",
      entity: "payment",
      amount: 100000,
      currency: "INR",
      status: "captured",
      order_id: "order_00000000000001",
      invoice_id: "inv_00000000000001",
      international: false,
      method: "netbanking",
      amount_refunded: 0,
      refund_status: null,
      captured: true,
      description: "Invoice #inv_00000000000001",
      card_id: null,
      bank: null,
      wallet: null,
      vpa: null,
      email: "c@x.example",
      contact: null,
      // The link's notes, as Razorpay sends them on a link's payment.
      notes: { plan: "annual" },
      fee: 0,
      tax: 0,
      error_code: null,
      error_description: null,
      created_at: T + 5
    })
    expect(body.payload.order.entity).toEqual({
      id: "order_00000000000001",
      entity: "order",
      amount: 100000,
      amount_paid: 100000,
      amount_due: 0,
      currency: "INR",
      receipt: "R9",
      offer_id: null,
      status: "paid",
      attempts: 1,
      notes: [],
      created_at: T
    })
    Schema.decodeUnknownSync(PaymentEntity, { onExcessProperty: "error" })(body.payload.payment.entity)
    Schema.decodeUnknownSync(OrderEntity, { onExcessProperty: "error" })(body.payload.order.entity)
    const invoice = Schema.decodeUnknownSync(InvoiceEntity)(body.payload.invoice.entity)
    expect(invoice).toMatchObject({ id: "inv_00000000000001", status: "paid", paid_at: T + 5, amount_due: 0 })
  })

  it("invoice.cancelled carries the invoice only", () => {
    const cancelled = accept(Transitions.cancel(issued, T + 9))
    const event = cancelled.events[0] as DomainEvent.LinkCancelled
    expect(DomainEvent.webhookEventName(event)).toBe("invoice.cancelled")
    const body = Envelope.envelope(event, "invoice.cancelled")
    expect(body.contains).toEqual(["invoice"])
    expect(Object.keys(body.payload)).toEqual(["invoice"])
    expect(body.payload.invoice!.entity.cancelled_at).toBe(T + 9)
  })

  describe("a Payment Links link", () => {
    const command = accept(
      Validation.validateCreatePaymentLink(
        { amount: 100000, accept_partial: true, reference_id: "TS-7", customer: { email: "c@x.example" } },
        { now: T, mode: "test" }
      )
    )
    const created = Transitions.issue(
      command,
      {
        tenant: Tenant.make(MerchantId.make("acc_AAAAAAAAAAAAAA"), "test"),
        contract: "payment_links",
        id: PaymentLinkId.make("plink_00000000000001"),
        orderId: OrderId.make("order_00000000000002"),
        shortCode: ShortCode.make("PlCdEfGh"),
        shortUrl: "https://pay.example/i/PlCdEfGh",
        customer: Transitions.newCustomer(CustomerId.make("cust_00000000000002"), {
          name: null,
          email: "c@x.example",
          contact: null
        }),
        keyId: null,
        idempotencyKey: null
      },
      T
    ).link
    const pay = (link: typeof created, amount: number | null, id: string, at: number) =>
      accept(
        Transitions.pay(
          link,
          accept(Validation.validatePayment(amount === null ? {} : { amount })),
          PaymentId.make(id),
          at
        )
      )

    it("its payments are payment_link.partially_paid and payment_link.paid: payment_link, order, payment", () => {
      const first = pay(created, 40000, "pay_00000000000002", T + 5)
      const second = pay(first.link, null, "pay_00000000000003", T + 6)
      const partial = first.events.find((e) => e._tag === "LinkPartiallyPaid")!
      const paid = second.events.find((e) => e._tag === "LinkPaid")!
      expect(DomainEvent.webhookEventName(partial)).toBe("payment_link.partially_paid")
      expect(DomainEvent.webhookEventName(paid)).toBe("payment_link.paid")
      for (const [event, status] of [
        [partial, "partially_paid"],
        [paid, "paid"]
      ] as const) {
        const body = JSON.parse(Envelope.render(event, DomainEvent.webhookEventName(event)!))
        expect(Object.keys(body)).toEqual(["entity", "account_id", "event", "contains", "payload", "created_at"])
        expect(body).toMatchObject({
          entity: "event",
          account_id: "acc_AAAAAAAAAAAAAA",
          event: `payment_link.${status}`,
          created_at: event.occurredAt
        })
        expect(body.contains).toEqual(["payment_link", "order", "payment"])
        expect(Object.keys(body.payload)).toEqual(["payment_link", "order", "payment"])
        expect(body.payload.invoice).toBeUndefined()
        // The one mapping of each entity, as the API answers with it.
        expect(body.payload.payment_link.entity).toEqual(toPaymentLinkEntity(event.link))
        expect(body.payload.order.entity).toEqual(toOrderEntity(event.link))
        expect(body.payload.payment.entity).toEqual(toPaymentEntity(event.link, event.payment))
        const link = Schema.decodeUnknownSync(PaymentLinkEntity, { onExcessProperty: "error" })(
          body.payload.payment_link.entity
        )
        expect(link).toMatchObject({ id: "plink_00000000000001", status, reference_id: "TS-7" })
        expect(body.payload.payment.entity).toMatchObject({ id: event.payment.id, order_id: "order_00000000000002" })
      }
    })

    it("its cancel and expiry are payment_link.cancelled and payment_link.expired: the payment_link only", () => {
      const cancelled = accept(Transitions.cancel(created, T + 9)).events[0] as DomainEvent.LinkCancelled
      const expired = accept(Transitions.expire(created, created.expireBy)).events.find(
        (e) => e._tag === "LinkExpired"
      )!
      for (const [event, name, stamp] of [
        [cancelled, "payment_link.cancelled", "cancelled_at"],
        [expired, "payment_link.expired", "expired_at"]
      ] as const) {
        expect(DomainEvent.webhookEventName(event)).toBe(name)
        const body = Envelope.envelope(event, name)
        expect(body.event).toBe(name)
        expect(body.contains).toEqual(["payment_link"])
        expect(Object.keys(body.payload)).toEqual(["payment_link"])
        expect(body.payload.payment_link!.entity[stamp]).toBe(event.occurredAt)
        expect(body.payload.payment_link!.entity).toEqual(toPaymentLinkEntity(event.link))
      }
    })

    it("events no webhook is made of have no name in either contract", () => {
      const updated = accept(Transitions.cancel(created, T + 9)).link
      for (const link of [created, issued, updated])
        expect(DomainEvent.webhookEventName(new DomainEvent.LinkIssued({ link, occurredAt: T }))).toBeUndefined()
    })
  })
})
