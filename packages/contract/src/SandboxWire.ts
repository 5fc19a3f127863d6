/**
 * The wire shapes of the sandbox extensions (docs/http-api.md#sandbox-extensions): a sandbox payment's answer (the
 * payment, as Razorpay's payment entity of `Wire`, and the link after it), a merchant's test clock, and
 * the messages of the sandbox inbox.
 *
 * Free of Node and server imports: the typed client and the CLI load it cheaply.
 */
import type { InboxMessage } from "@paylinks/core/Inbox"
import type { Payment, PaymentLink } from "@paylinks/core/PaymentLink"
import * as Schema from "effect/Schema"
import { InvoiceEntity, PaymentEntity, toEntity, toPaymentEntity } from "./Wire.js"

const prefixed = (prefix: string) => Schema.String.pipe(Schema.startsWith(prefix))

/** `POST /v1/sandbox/invoices/:id/payments`: what a customer's payment on the hosted page does. */
export const SandboxPaymentRequest = Schema.Struct({
  amount: Schema.optional(Schema.NullOr(Schema.Int)).annotations({
    description: "In minor units; default: the amount due."
  }),
  method: Schema.optional(Schema.NullOr(Schema.Literal("card", "netbanking", "wallet", "upi", "emi"))).annotations({
    description: "Default `card`."
  })
}).annotations({ identifier: "SandboxPaymentRequest" })
export type SandboxPaymentRequest = typeof SandboxPaymentRequest.Type

/** The payment just captured, and the link as it stands after it. */
export const SandboxPaymentResult = Schema.Struct({
  entity: Schema.Literal("sandbox_payment"),
  payment: PaymentEntity,
  invoice: InvoiceEntity
}).annotations({ identifier: "SandboxPayment" })
export type SandboxPaymentResult = typeof SandboxPaymentResult.Type

/** A merchant's test-mode clock: real time plus `offset` seconds. */
export const TestClockEntity = Schema.Struct({
  entity: Schema.Literal("test_clock"),
  offset: Schema.Int.annotations({ description: "Seconds the clock runs ahead of real time." }),
  now: Schema.Int.annotations({ description: "The merchant's current time in test mode (unix seconds)." })
}).annotations({ identifier: "TestClock" })
export type TestClockEntity = typeof TestClockEntity.Type

/** `POST /v1/sandbox/clock`. */
export const AdvanceClockRequest = Schema.Struct({
  advance_by: Schema.Int.annotations({ description: "Seconds to move the clock forward (0 or more)." })
}).annotations({ identifier: "AdvanceClockRequest" })
export type AdvanceClockRequest = typeof AdvanceClockRequest.Type

/** One SMS or email the sandbox notifier "sent" to a customer. */
export const InboxMessageEntity = Schema.Struct({
  id: prefixed("msg_"),
  entity: Schema.Literal("sandbox_message"),
  invoice_id: prefixed("inv_"),
  channel: Schema.Literal("sms", "email"),
  to: Schema.String.annotations({ description: "The customer's phone number (SMS) or email address." }),
  subject: Schema.NullOr(Schema.String).annotations({ description: "The email's subject; null for an SMS." }),
  text: Schema.String.annotations({ description: "The message as the customer would read it." }),
  created_at: Schema.Int
}).annotations({ identifier: "SandboxMessage", description: "A customer notification kept in the sandbox inbox." })
export type InboxMessageEntity = typeof InboxMessageEntity.Type

/** `GET /v1/sandbox/inbox`: newest first. */
export const InboxCollection = Schema.Struct({
  entity: Schema.Literal("collection"),
  count: Schema.Int,
  items: Schema.Array(InboxMessageEntity)
}).annotations({ identifier: "SandboxMessageCollection" })
export type InboxCollection = typeof InboxCollection.Type

/** The inbox's filters, as query parameters. */
export const InboxParams = Schema.Struct({
  channel: Schema.optional(Schema.Literal("sms", "email")).annotations({ description: "Only this channel." }),
  invoice_id: Schema.optional(Schema.String).annotations({ description: "Only the messages about this link." }),
  count: Schema.optional(Schema.NumberFromString).annotations({ description: "1 to 100; default 10." })
})
export type InboxParams = typeof InboxParams.Type

export const toSandboxPayment = (link: PaymentLink, payment: Payment): SandboxPaymentResult => ({
  entity: "sandbox_payment",
  payment: toPaymentEntity(link, payment),
  invoice: toEntity(link)
})

export const toTestClock = (offset: number, now: number): TestClockEntity => ({ entity: "test_clock", offset, now })

export const toInboxMessage = (message: InboxMessage): InboxMessageEntity => ({
  id: message.id,
  entity: "sandbox_message",
  invoice_id: message.linkId,
  channel: message.channel,
  to: message.to,
  subject: message.subject,
  text: message.text,
  created_at: message.createdAt
})

export const toInboxCollection = (messages: ReadonlyArray<InboxMessage>): InboxCollection => ({
  entity: "collection",
  count: messages.length,
  items: messages.map(toInboxMessage)
})
