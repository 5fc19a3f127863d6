/**
 * The body of a webhook: Razorpay's event envelope (PRODUCT.md §6). `payload.invoice.entity` is the
 * full §4.3 entity (`toEntity`, the same mapping the API answers with); `payment` and `order` come
 * with the events where Razorpay sends them (`invoice.partially_paid`, `invoice.paid`), in Razorpay's
 * key order (`payment`, `order`, `invoice`). Each entity is the link as it stood at the event.
 */
import type { DomainEvent } from "@paylinks/core/DomainEvent"
import type { Payment, PaymentLink } from "@paylinks/core/PaymentLink"
import type { WebhookEventName } from "@paylinks/core/WebhookEndpoints"
import { type InvoiceEntity, toEntity } from "@paylinks/http/Wire"

/** Razorpay's payment entity, for a captured sandbox payment: no fees, no instrument details. */
export interface PaymentEntity {
  readonly id: string
  readonly entity: "payment"
  readonly amount: number
  readonly currency: string
  readonly status: "captured"
  readonly order_id: string
  readonly invoice_id: string
  readonly international: false
  readonly method: string
  readonly amount_refunded: 0
  readonly refund_status: null
  readonly captured: true
  readonly description: string
  readonly card_id: null
  readonly bank: null
  readonly wallet: null
  readonly vpa: null
  readonly email: string | null
  readonly contact: string | null
  readonly notes: ReadonlyArray<never>
  readonly fee: 0
  readonly tax: 0
  readonly error_code: null
  readonly error_description: null
  readonly created_at: number
}

/** Razorpay's order entity: the order created with the link, paid as the link is. */
export interface OrderEntity {
  readonly id: string
  readonly entity: "order"
  readonly amount: number
  readonly amount_paid: number
  readonly amount_due: number
  readonly currency: string
  readonly receipt: string | null
  readonly offer_id: null
  readonly status: "created" | "attempted" | "paid"
  readonly attempts: number
  readonly notes: ReadonlyArray<never>
  readonly created_at: number
}

export interface Envelope {
  readonly entity: "event"
  readonly account_id: string
  readonly event: WebhookEventName
  readonly contains: ReadonlyArray<"payment" | "order" | "invoice">
  readonly payload: {
    readonly payment?: { readonly entity: PaymentEntity }
    readonly order?: { readonly entity: OrderEntity }
    readonly invoice: { readonly entity: InvoiceEntity }
  }
  readonly created_at: number
}

export const paymentEntity = (link: PaymentLink, payment: Payment): PaymentEntity => ({
  id: payment.id,
  entity: "payment",
  amount: payment.amount,
  currency: payment.currency,
  status: "captured",
  order_id: link.orderId,
  invoice_id: link.id,
  international: false,
  method: payment.method,
  amount_refunded: 0,
  refund_status: null,
  captured: true,
  description: `Invoice #${link.id}`,
  card_id: null,
  bank: null,
  wallet: null,
  vpa: null,
  email: link.customer?.email ?? null,
  contact: link.customer?.contact ?? null,
  notes: [],
  fee: 0,
  tax: 0,
  error_code: null,
  error_description: null,
  created_at: payment.createdAt
})

export const orderEntity = (link: PaymentLink): OrderEntity => ({
  id: link.orderId,
  entity: "order",
  amount: link.amount,
  amount_paid: link.amountPaid,
  amount_due: link.amount - link.amountPaid,
  currency: link.currency,
  receipt: link.receipt,
  offer_id: null,
  status: link.amountPaid === 0 ? "created" : link.amountPaid >= link.amount ? "paid" : "attempted",
  attempts: link.payments.length,
  notes: [],
  created_at: link.createdAt
})

/** The envelope of a webhook-worthy event; `created_at` is when it happened on the tenant's clock. */
export const envelope = (event: DomainEvent, name: WebhookEventName): Envelope => {
  const invoice = { entity: toEntity(event.link) }
  const base = { entity: "event", account_id: event.link.merchantId, event: name } as const
  if (event._tag === "LinkPaid" || event._tag === "LinkPartiallyPaid")
    return {
      ...base,
      contains: ["payment", "order", "invoice"],
      payload: {
        payment: { entity: paymentEntity(event.link, event.payment) },
        order: { entity: orderEntity(event.link) },
        invoice
      },
      created_at: event.occurredAt
    }
  return { ...base, contains: ["invoice"], payload: { invoice }, created_at: event.occurredAt }
}

/** The exact bytes sent (and signed) for an event. */
export const render = (event: DomainEvent, name: WebhookEventName): string => JSON.stringify(envelope(event, name))
