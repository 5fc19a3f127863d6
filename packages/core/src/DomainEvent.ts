/**
 * Domain events. Each carries the link as it stands after the transition, so consumers (webhooks,
 * notifications) can render exactly what was true at that moment without reading the link again.
 */
import * as Schema from "effect/Schema"
import { Channel, Payment, PaymentLink, UnixSeconds } from "./PaymentLink.js"

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

/** The Razorpay webhook event name of a domain event, for the events Razorpay (or paylinks) publishes. */
export const webhookEventName = (event: DomainEvent): string | undefined => {
  switch (event._tag) {
    case "LinkPartiallyPaid":
      return "invoice.partially_paid"
    case "LinkPaid":
      return "invoice.paid"
    case "LinkExpired":
      return "invoice.expired"
    case "LinkCancelled":
      return "invoice.cancelled"
    default:
      return undefined
  }
}
