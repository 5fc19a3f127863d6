/**
 * The Notifier port: sends one customer notification (an email or an SMS) and answers only once the
 * provider has accepted it, because `sms_status` / `email_status` turn `sent` on that answer alone
 * (docs/webhooks.md). Adapters: SMTP, an HTTP SMS provider, and the sandbox inbox.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { PaymentLinkId } from "./Ids.js"
import type { Channel } from "./PaymentLink.js"
import type { Tenant } from "./Tenant.js"

/** A rendered notification, ready to send. */
export interface Message {
  readonly tenant: Tenant
  readonly linkId: PaymentLinkId
  readonly channel: Channel
  /** An email address or a phone number. */
  readonly to: string
  /** The email subject; null for SMS. */
  readonly subject: string | null
  readonly text: string
}

/** The provider accepted the message. */
export interface Receipt {
  /** Which adapter took it: `smtp`, `sms-http`, `inbox`. */
  readonly provider: string
  /** The provider's id for the message, when it gives one. */
  readonly messageId: string | null
}

/** The provider did not accept the message (unreachable, refused, timed out); the status stays `pending`. */
export class NotificationFailed extends Schema.TaggedError<NotificationFailed>()("NotificationFailed", {
  channel: Schema.Literal("sms", "email"),
  reason: Schema.String
}) {
  override get message(): string {
    return `The ${this.channel} could not be sent: ${this.reason}`
  }
}

export interface NotifierShape {
  readonly send: (message: Message) => Effect.Effect<Receipt, NotificationFailed>
}

export class Notifier extends Context.Tag("@paylinks/core/Notifier")<Notifier, NotifierShape>() {}
