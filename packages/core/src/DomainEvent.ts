/**
 * Domain events. Each carries the link as it stands after the transition, so consumers (webhooks,
 * notifications) can render exactly what was true at that moment without reading the link again.
 */
import * as Schema from "effect/Schema"
import { Channel, type Contract, Payment, PaymentLink, UnixSeconds } from "./PaymentLink.js"
import type { WebhookEventName } from "./WebhookEndpoints.js"

const base = {
  link: PaymentLink,
  occurredAt: UnixSeconds
}

export class LinkIssued extends Schema.TaggedClass<LinkIssued>()("LinkIssued", base) {}
export class LinkPartiallyPaid extends Schema.TaggedClass<LinkPartiallyPaid>()("LinkPartiallyPaid", {
  ...base,
  payment: Payment
}) {}
export class LinkPaid extends Schema.TaggedClass<LinkPaid>()("LinkPaid", { ...base, payment: Payment }) {}
export class LinkCancelled extends Schema.TaggedClass<LinkCancelled>()("LinkCancelled", base) {}
export class LinkExpired extends Schema.TaggedClass<LinkExpired>()("LinkExpired", base) {}
export class LinkUpdated extends Schema.TaggedClass<LinkUpdated>()("LinkUpdated", base) {}
/** A customer notification is due on `channel`; the notifier delivers it from the outbox. */
export class NotificationRequested extends Schema.TaggedClass<NotificationRequested>()("NotificationRequested", {
  ...base,
  channel: Channel
}) {}
export class NotificationSent extends Schema.TaggedClass<NotificationSent>()("NotificationSent", {
  ...base,
  channel: Channel
}) {}

export const DomainEvent = Schema.Union(
  LinkIssued,
  LinkPartiallyPaid,
  LinkPaid,
  LinkCancelled,
  LinkExpired,
  LinkUpdated,
  NotificationRequested,
  NotificationSent
)
export type DomainEvent = typeof DomainEvent.Type

/** The domain events a webhook is made of. */
type WebhookWorthy = "LinkPartiallyPaid" | "LinkPaid" | "LinkExpired" | "LinkCancelled"

/**
 * The webhook event names per contract: a link's events are named as the API it was created through names
 * them (`invoice.paid` for `/v1/invoices`, `payment_link.paid` for `/v1/payment_links`).
 */
export const WEBHOOK_EVENT_NAMES: {
  readonly [C in Contract]: { readonly [T in WebhookWorthy]: WebhookEventName }
} = {
  invoices: {
    LinkPartiallyPaid: "invoice.partially_paid",
    LinkPaid: "invoice.paid",
    LinkExpired: "invoice.expired",
    LinkCancelled: "invoice.cancelled"
  },
  payment_links: {
    LinkPartiallyPaid: "payment_link.partially_paid",
    LinkPaid: "payment_link.paid",
    LinkExpired: "payment_link.expired",
    LinkCancelled: "payment_link.cancelled"
  }
}

const names = (contract: Contract): Readonly<Record<string, WebhookEventName | undefined>> =>
  WEBHOOK_EVENT_NAMES[contract]

/** The Razorpay webhook event name of a domain event, in its link's contract; `undefined` for events no webhook is made of. */
export const webhookEventName = (event: DomainEvent): WebhookEventName | undefined =>
  names(event.link.contract)[event._tag]
