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
import { PaymentLinkEntity, toPaymentLinkEntity } from "./PaymentLinkWire.js"
import { Integer, InvoiceEntity, PaymentEntity, QueryInteger, Timestamp, toEntity, toPaymentEntity } from "./Wire.js"

const prefixed = (prefix: string) => Schema.String.pipe(Schema.startsWith(prefix))

/** `POST /v1/sandbox/invoices/:id/payments`: what a customer's payment on the hosted page does. */
export const SandboxPaymentRequest = Schema.Struct({
  amount: Schema.optional(Schema.NullOr(Schema.Int.annotations({ title: "integer" }))).annotations({
    description: "In the currency's smallest unit; default: the amount due."
  }),
  method: Schema.optional(Schema.NullOr(Schema.Literal("card", "netbanking", "wallet", "upi", "emi"))).annotations({
    description: "Default `card`."
  })
}).annotations({ identifier: "SandboxPaymentRequest", description: "A payment to make, as a customer would." })
export type SandboxPaymentRequest = typeof SandboxPaymentRequest.Type

/** The payment just captured, and the link as it stands after it. */
export const SandboxPaymentResult = Schema.Struct({
  entity: Schema.Literal("sandbox_payment"),
  payment: PaymentEntity,
  invoice: InvoiceEntity
}).annotations({ identifier: "SandboxPayment", description: "The payment just captured, and the link after it." })
export type SandboxPaymentResult = typeof SandboxPaymentResult.Type

/** `POST /v1/sandbox/payment_links/:id/payments`: the payment just captured, and the Payment Link after it. */
export const SandboxPaymentLinkPaymentResult = Schema.Struct({
  entity: Schema.Literal("sandbox_payment"),
  payment: PaymentEntity,
  payment_link: PaymentLinkEntity
}).annotations({
  identifier: "SandboxPaymentLinkPayment",
  description: "The payment just captured, and the Payment Link after it."
})
export type SandboxPaymentLinkPaymentResult = typeof SandboxPaymentLinkPaymentResult.Type

/** A merchant's test-mode clock: real time plus `offset` seconds. */
export const TestClockEntity = Schema.Struct({
  entity: Schema.Literal("test_clock"),
  offset: Integer("Seconds the clock runs ahead of real time."),
  now: Integer("The merchant's current time in test mode (Unix time, in seconds).")
}).annotations({ identifier: "TestClock", description: "The merchant's test-mode clock." })
export type TestClockEntity = typeof TestClockEntity.Type

/** `POST /v1/sandbox/clock`. */
export const AdvanceClockRequest = Schema.Struct({
  advance_by: Integer("Seconds to move the clock forward (0 or more).")
}).annotations({ identifier: "AdvanceClockRequest", description: "How far to move the test clock." })
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
  created_at: Timestamp
}).annotations({ identifier: "SandboxMessage", description: "A customer notification kept in the sandbox inbox." })
export type InboxMessageEntity = typeof InboxMessageEntity.Type

/** `GET /v1/sandbox/inbox`: newest first. */
export const InboxCollection = Schema.Struct({
  entity: Schema.Literal("collection"),
  count: Integer("The number of items on this page."),
  items: Schema.Array(InboxMessageEntity)
}).annotations({ identifier: "SandboxMessageCollection", description: "The sandbox inbox, newest first." })
export type InboxCollection = typeof InboxCollection.Type

/** The inbox's filters, as query parameters. */
export const InboxParams = Schema.Struct({
  channel: Schema.optional(Schema.Literal("sms", "email")).annotations({ description: "Only this channel." }),
  invoice_id: Schema.optional(Schema.String).annotations({ description: "Only the messages about this link." }),
  count: Schema.optional(QueryInteger({ minimum: 1, maximum: 100, default: 10 })).annotations({
    description: "Messages per page: 1 to 100; default 10."
  })
})
export type InboxParams = typeof InboxParams.Type

export const toSandboxPayment = (link: PaymentLink, payment: Payment): SandboxPaymentResult => ({
  entity: "sandbox_payment",
  payment: toPaymentEntity(link, payment),
  invoice: toEntity(link)
})

export const toSandboxPaymentLinkPayment = (link: PaymentLink, payment: Payment): SandboxPaymentLinkPaymentResult => ({
  entity: "sandbox_payment",
  payment: toPaymentEntity(link, payment),
  payment_link: toPaymentLinkEntity(link)
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
