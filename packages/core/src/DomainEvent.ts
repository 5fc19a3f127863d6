/**
 * Domain events. Each carries the link as it stands after the transition, so consumers (webhooks,
 * notifications) can render exactly what was true at that moment without reading the link again.
 */
import * as Schema from "effect/Schema"
import { Channel, type Contract, Payment, PaymentLink, UnixSeconds } from "./PaymentLink.js"

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

/** The webhook event names of each contract, by the domain event they announce. */
const WEBHOOK_EVENT_NAMES = {
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
} as const satisfies Record<Contract, Partial<Record<DomainEvent["_tag"], string>>>

/**
 * The Razorpay webhook event name of a domain event, in the contract of its link, for the events Razorpay
 * (or paylinks) publishes.
 */
export const webhookEventName = (event: DomainEvent): string | undefined =>
  (WEBHOOK_EVENT_NAMES[event.link.contract] as Partial<Record<DomainEvent["_tag"], string>>)[event._tag]
