/**
 * The body of a webhook: Razorpay's event envelope (docs/webhooks.md). `payload.invoice.entity` is the
 * full invoice entity (`toEntity`, the same mapping the API answers with); `payment` and `order` come
 * with the events where Razorpay sends them (`invoice.partially_paid`, `invoice.paid`), in Razorpay's
 * key order (`payment`, `order`, `invoice`), as the same payment and order entities the sandbox API
 * answers with. Each entity is the link as it stood at the event.
 */
import type { DomainEvent } from "@paylinks/core/DomainEvent"
import type { WebhookEventName } from "@paylinks/core/WebhookEndpoints"
import { type PaymentLinkEntity, toPaymentLinkEntity } from "./PaymentLinkWire.js"
import {
  type InvoiceEntity,
  type OrderEntity,
  type PaymentEntity,
  toEntity,
  toOrderEntity,
  toPaymentEntity
} from "./Wire.js"

export interface Envelope {
  readonly entity: "event"
  readonly account_id: string
  readonly event: WebhookEventName
  readonly contains: ReadonlyArray<"payment" | "order" | "invoice" | "payment_link">
  readonly payload: {
    readonly payment_link?: { readonly entity: PaymentLinkEntity }
    readonly payment?: { readonly entity: PaymentEntity }
    readonly order?: { readonly entity: OrderEntity }
    readonly invoice?: { readonly entity: InvoiceEntity }
  }
  readonly created_at: number
}

/** The envelope of a webhook-worthy event; `created_at` is when it happened on the tenant's clock. */
export const envelope = (event: DomainEvent, name: WebhookEventName): Envelope =>
  event.link.contract === "payment_links" ? paymentLinkEnvelope(event, name) : invoiceEnvelope(event, name)

/**
 * A Payment Links event: `payload.payment_link.entity` is the link's `payment_link` entity; the payment
 * events carry `order` and `payment` too, in Razorpay's order (`payment_link`, `order`, `payment`).
 */
const paymentLinkEnvelope = (event: DomainEvent, name: WebhookEventName): Envelope => {
  const paymentLink = { entity: toPaymentLinkEntity(event.link) }
  const base = { entity: "event", account_id: event.link.merchantId, event: name } as const
  if (event._tag === "LinkPaid" || event._tag === "LinkPartiallyPaid")
    return {
      ...base,
      contains: ["payment_link", "order", "payment"],
      payload: {
        payment_link: paymentLink,
        order: { entity: toOrderEntity(event.link) },
        payment: { entity: toPaymentEntity(event.link, event.payment) }
      },
      created_at: event.occurredAt
    }
  return { ...base, contains: ["payment_link"], payload: { payment_link: paymentLink }, created_at: event.occurredAt }
}

const invoiceEnvelope = (event: DomainEvent, name: WebhookEventName): Envelope => {
  const invoice = { entity: toEntity(event.link) }
  const base = { entity: "event", account_id: event.link.merchantId, event: name } as const
  if (event._tag === "LinkPaid" || event._tag === "LinkPartiallyPaid")
    return {
      ...base,
      contains: ["payment", "order", "invoice"],
      payload: {
        payment: { entity: toPaymentEntity(event.link, event.payment) },
        order: { entity: toOrderEntity(event.link) },
        invoice
      },
      created_at: event.occurredAt
    }
  return { ...base, contains: ["invoice"], payload: { invoice }, created_at: event.occurredAt }
}

/** The exact bytes sent (and signed) for an event. */
export const render = (event: DomainEvent, name: WebhookEventName): string => JSON.stringify(envelope(event, name))
