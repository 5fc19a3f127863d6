/**
 * The body of a webhook: Razorpay's event envelope (docs/webhooks.md), in the words of the contract the link was
 * created through. The link is `payload.invoice.entity` (`toEntity`) on invoices and `payload.payment_link.entity`
 * (`toPaymentLinkEntity`) on Payment Links, the same mappings the API answers with; `payment` and `order` come
 * with the payment events, as the same payment and order entities the API answers with. `contains` and the
 * payload's keys are in Razorpay's order for each product (`payment`, `order`, `invoice`;
 * `payment_link`, `order`, `payment`). Each entity is the link as it stood at the event.
 */
import type { DomainEvent } from "@paylinks/core/DomainEvent"
import type { Contract } from "@paylinks/core/PaymentLink"
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

/** The entities an envelope can carry, by their payload key. */
interface Entities {
  readonly payment: PaymentEntity
  readonly order: OrderEntity
  readonly invoice: InvoiceEntity
  readonly payment_link: PaymentLinkEntity
}

export type Part = keyof Entities

export interface Envelope {
  readonly entity: "event"
  readonly account_id: string
  readonly event: WebhookEventName
  readonly contains: ReadonlyArray<Part>
  readonly payload: { readonly [K in Part]?: { readonly entity: Entities[K] } }
  readonly created_at: number
}

/** What each contract's events contain, in Razorpay's order: with a payment, and without one. */
export const CONTAINS: {
  readonly [C in Contract]: { readonly withPayment: ReadonlyArray<Part>; readonly linkOnly: ReadonlyArray<Part> }
} = {
  invoices: { withPayment: ["payment", "order", "invoice"], linkOnly: ["invoice"] },
  payment_links: { withPayment: ["payment_link", "order", "payment"], linkOnly: ["payment_link"] }
}

const entityOf = (part: Part, event: DomainEvent): Entities[Part] | undefined => {
  switch (part) {
    case "invoice":
      return toEntity(event.link)
    case "payment_link":
      return toPaymentLinkEntity(event.link)
    case "order":
      return toOrderEntity(event.link)
    case "payment":
      return "payment" in event ? toPaymentEntity(event.link, event.payment) : undefined
  }
}

/** The envelope of a webhook-worthy event; `created_at` is when it happened on the tenant's clock. */
export const envelope = (event: DomainEvent, name: WebhookEventName): Envelope => {
  const shape = CONTAINS[event.link.contract]
  const paid = event._tag === "LinkPaid" || event._tag === "LinkPartiallyPaid"
  const contains = paid ? shape.withPayment : shape.linkOnly
  const payload: Record<string, { readonly entity: Entities[Part] }> = {}
  for (const part of contains) {
    const entity = entityOf(part, event)
    if (entity !== undefined) payload[part] = { entity }
  }
  return {
    entity: "event",
    account_id: event.link.merchantId,
    event: name,
    contains,
    payload: payload as Envelope["payload"],
    created_at: event.occurredAt
  }
}

/** The exact bytes sent (and signed) for an event. */
export const render = (event: DomainEvent, name: WebhookEventName): string => JSON.stringify(envelope(event, name))
