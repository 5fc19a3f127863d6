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
import { toPaymentLinkEntity } from "../src/PaymentLinkWire.js"
import * as Envelope from "../src/WebhookEnvelope.js"
import { InvoiceEntity, OrderEntity, PaymentEntity } from "../src/Wire.js"

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
    expect(body.payload.invoice?.entity.cancelled_at).toBe(T + 9)
  })
})

describe("envelope of a Payment Links link", () => {
  const command = accept(
    Validation.validateCreatePaymentLink(
      { amount: 100000, accept_partial: true, reference_id: "R9", customer: { email: "c@x.example" } },
      { now: T, mode: "test" }
    )
  )
  const link = Transitions.issue(
    command,
    {
      tenant: Tenant.make(MerchantId.make("acc_AAAAAAAAAAAAAA"), "test"),
      contract: "payment_links",
      id: PaymentLinkId.make("plink_00000000000001"),
      orderId: OrderId.make("order_00000000000002"),
      shortCode: ShortCode.make("AbCdEfGi"),
      shortUrl: "https://pay.example/i/AbCdEfGi",
      customer: Transitions.newCustomer(CustomerId.make("cust_00000000000002"), command.customer!),
      keyId: null,
      idempotencyKey: null
    },
    T
  ).link

  it("payment_link.partially_paid and .paid carry payment_link, order and payment, in that order", () => {
    const part = accept(
      Transitions.pay(link, { amount: 40000 as never, method: "upi" }, PaymentId.make("pay_00000000000002"), T + 5)
    )
    const event = part.events.find((e) => e._tag === "LinkPartiallyPaid")!
    expect(DomainEvent.webhookEventName(event)).toBe("payment_link.partially_paid")
    const body = JSON.parse(Envelope.render(event, "payment_link.partially_paid"))
    expect(body.contains).toEqual(["payment_link", "order", "payment"])
    expect(Object.keys(body.payload)).toEqual(["payment_link", "order", "payment"])
    expect(body.payload.payment_link.entity).toEqual(toPaymentLinkEntity(part.link))
    expect(body.payload.payment_link.entity.status).toBe("partially_paid")
    expect(body.payload.order.entity.product_type).toBe("payment_link_v2")
    expect(body.payload.payment.entity).toMatchObject({ id: "pay_00000000000002", invoice_id: null, amount: 40000 })
    const rest = accept(
      Transitions.pay(part.link, { amount: null, method: "upi" }, PaymentId.make("pay_00000000000003"), T + 9)
    )
    expect(DomainEvent.webhookEventName(rest.events.find((e) => e._tag === "LinkPaid")!)).toBe("payment_link.paid")
  })

  it("payment_link.cancelled and .expired carry the payment_link alone", () => {
    const cancelled = accept(Transitions.cancel(link, T + 9)).events[0]!
    expect(DomainEvent.webhookEventName(cancelled)).toBe("payment_link.cancelled")
    const body = Envelope.envelope(cancelled, "payment_link.cancelled")
    expect(body.contains).toEqual(["payment_link"])
    expect(Object.keys(body.payload)).toEqual(["payment_link"])
    const expired = accept(Transitions.expire(link, link.expireBy)).events[0]!
    expect(DomainEvent.webhookEventName(expired)).toBe("payment_link.expired")
    expect(Envelope.envelope(expired, "payment_link.expired").payload.payment_link?.entity.status).toBe("expired")
  })

  it("events no webhook is made of have no name, in either contract", () => {
    for (const linkOfEither of [link, issued])
      expect(
        DomainEvent.webhookEventName(new DomainEvent.LinkIssued({ link: linkOfEither, occurredAt: T }))
      ).toBeUndefined()
  })
})
