/**
 * The wire format of Razorpay's current Payment Links API (`/v1/payment_links`), docs/http-api.md#payment-links:
 * the `payment_link` entity with every key in alphabetical order, its list, and the request bodies built from
 * core's field tables. The same domain link as the invoice entity, another shape: unset timestamps and amounts
 * are `0`, unset strings `""`, and an `issued` link is `created`.
 *
 * Free of Node and server imports: the typed client and the CLI load it cheaply.
 */
import type { OperationNotAllowed } from "@paylinks/core/DomainError"
import type { PaymentLink, Status } from "@paylinks/core/PaymentLink"
import {
  PAYMENT_LINK_CREATE_REQUEST,
  PAYMENT_LINK_LIST_QUERY,
  PAYMENT_LINK_STATUS_WORDS,
  PAYMENT_LINK_UPDATE_REQUEST
} from "@paylinks/core/Validation"
import * as Schema from "effect/Schema"
import {
  type ApiError,
  Amount,
  bodyFields,
  type FieldDescriptions,
  type QueryParameter,
  queryFields,
  Timestamp
} from "./Wire.js"
import { badRequest } from "./WireErrors.js"

const prefixed = (prefix: string) =>
  Schema.String.pipe(Schema.startsWith(prefix)).annotations({ description: `An id: \`${prefix}\` and 14 characters.` })

/** The status words of this contract, by domain status: an `issued` link is `created` here. */
export const STATUS_WORDS: { readonly [S in Status]: string } = Object.fromEntries(
  Object.entries(PAYMENT_LINK_STATUS_WORDS).map(([word, status]) => [status, word])
) as { readonly [S in Status]: string }

export const PaymentLinkStatus = Schema.Literal("created", "partially_paid", "paid", "cancelled", "expired")
export type PaymentLinkStatus = typeof PaymentLinkStatus.Type

/** The customer as it was sent: only the keys that were given. */
export const PaymentLinkCustomer = Schema.Struct({
  contact: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String)
}).annotations({ identifier: "PaymentLinkCustomer", description: "The customer, with the keys that were sent." })
export type PaymentLinkCustomer = typeof PaymentLinkCustomer.Type

/** One captured payment of a link, as the `payments` list carries it. */
export const PaymentLinkPayment = Schema.Struct({
  amount: Amount,
  created_at: Timestamp,
  method: Schema.String,
  payment_id: prefixed("pay_"),
  plink_id: prefixed("plink_"),
  status: Schema.Literal("captured"),
  updated_at: Timestamp
}).annotations({ identifier: "PaymentLinkPayment", description: "A captured payment of the link." })
export type PaymentLinkPayment = typeof PaymentLinkPayment.Type

export const ReminderState = Schema.Struct({
  status: Schema.Literal("in_progress", "completed", "failed")
}).annotations({ identifier: "PaymentLinkReminders", description: "How the link's reminders stand." })

/**
 * The `payment_link` entity. The order of the fields is the order of the keys on the wire (alphabetical,
 * as Razorpay's samples); every key is always there.
 */
export const PaymentLinkEntity = Schema.Struct({
  accept_partial: Schema.Boolean,
  amount: Amount,
  amount_paid: Amount,
  callback_method: Schema.Literal("get", "").annotations({ description: '`get` with a `callback_url`, else `""`.' }),
  callback_url: Schema.String.annotations({ description: 'Where the customer is sent after paying; `""` when none.' }),
  cancelled_at: Timestamp.annotations({ description: "`0` unless cancelled." }),
  created_at: Timestamp,
  currency: Schema.String,
  customer: PaymentLinkCustomer,
  description: Schema.String,
  expire_by: Timestamp,
  expired_at: Timestamp.annotations({ description: "`0` unless expired." }),
  first_min_partial_amount: Amount.annotations({ description: "`0` when not set." }),
  id: prefixed("plink_"),
  notes: Schema.Record({ key: Schema.String, value: Schema.String }),
  notify: Schema.Struct({ email: Schema.Boolean, sms: Schema.Boolean }),
  order_id: prefixed("order_"),
  payments: Schema.NullOr(Schema.Array(PaymentLinkPayment)).annotations({
    description: "`null` until the first captured payment."
  }),
  reference_id: Schema.String.annotations({ description: 'Your own reference, unique per account; `""` when none.' }),
  reminder_enable: Schema.Boolean,
  reminders: Schema.Union(Schema.Tuple(), ReminderState).annotations({
    description: "`[]` until a reminder was scheduled, then `{status}`."
  }),
  short_url: Schema.String.annotations({ description: "The hosted payment page to send the customer to." }),
  status: PaymentLinkStatus.annotations({ description: "A link past its `expire_by` reads as `expired`." }),
  updated_at: Timestamp,
  upi_link: Schema.Boolean,
  user_id: Schema.String
}).annotations({ identifier: "PaymentLink", description: "A Payment Link of the current Payment Links API." })
export type PaymentLinkEntity = typeof PaymentLinkEntity.Type

/** One page of links: the list has no `entity` and no `count`. */
export const PaymentLinkList = Schema.Struct({
  payment_links: Schema.Array(PaymentLinkEntity)
}).annotations({ identifier: "PaymentLinkList", description: "One page of Payment Links, newest first." })
export type PaymentLinkList = typeof PaymentLinkList.Type

const FIELD_DESCRIPTIONS: FieldDescriptions = {
  amount: "The amount to collect, in the currency's smallest unit (paise for INR); at least one major unit.",
  currency: "Default `INR`; UPI links take INR only.",
  accept_partial: "Whether the link can be paid in parts. Default `false`; not with `upi_link`.",
  first_min_partial_amount: "With `accept_partial`: the smallest first payment, in the currency's smallest unit.",
  expire_by:
    "Unix time (seconds) after which the link expires: at least 15 minutes from now, at most six months from creation.",
  reference_id: "Your own reference (up to 40 characters), unique among your links in this mode.",
  description: "What the payment is for, shown on the hosted page (up to 2048 characters).",
  customer: "The customer to send the link to.",
  notify: "Send the link to the customer by `sms` and/or `email`. Default: neither.",
  reminder_enable: "Send reminders before the link expires. Default `false`.",
  notes: "Up to 15 pairs of your own; keys and values up to 256 characters, numbers are kept as text.",
  callback_url: "Where the customer's browser is sent (GET) after paying.",
  callback_method: "`get`; required with `callback_url`.",
  upi_link: "A UPI Payment Link (live mode only). Default `false`.",
  name: "Up to 50 characters.",
  email: "An email address, up to 64 characters.",
  contact: "A phone number: 8 digits or more, optionally after `+`.",
  sms: "Send by SMS to the customer's `contact`."
}

export const CreatePaymentLinkRequest = Schema.Struct(
  bodyFields(PAYMENT_LINK_CREATE_REQUEST, FIELD_DESCRIPTIONS)
).annotations({
  identifier: "CreatePaymentLinkRequest",
  description: "A new Payment Link. `null` means the same as leaving a field out."
})
export type CreatePaymentLinkRequest = typeof CreatePaymentLinkRequest.Type

export const UpdatePaymentLinkRequest = Schema.Struct(
  bodyFields(PAYMENT_LINK_UPDATE_REQUEST, FIELD_DESCRIPTIONS)
).annotations({
  identifier: "UpdatePaymentLinkRequest",
  description: "The fields to change (a `created` or `partially_paid` link only); the others are left as they are."
})
export type UpdatePaymentLinkRequest = typeof UpdatePaymentLinkRequest.Type

const LIST_PARAMETERS: { readonly [K in keyof typeof PAYMENT_LINK_LIST_QUERY]: QueryParameter } = {
  payment_id: { description: "Only the link paid by this payment (`pay_…`)." },
  reference_id: { description: "Only the link with this reference." },
  upi_link: { description: "`true` for UPI links only, `false` for standard links only." },
  status: { description: "Only links in this status (`created`, `partially_paid`, `paid`, `cancelled`, `expired`)." },
  from: { description: "Only links created at or after this Unix time (seconds)." },
  to: { description: "Only links created at or before this Unix time (seconds)." },
  count: { description: "Links per page: 1 to 100; default 10.", bounds: { minimum: 1, maximum: 100, default: 10 } },
  skip: { description: "Links to skip, newest first; default 0.", bounds: { minimum: 0, default: 0 } }
}

/** The list filters. Every value travels as text; the server checks them with core's rules. */
export const ListPaymentLinksParams = Schema.Struct(queryFields(PAYMENT_LINK_LIST_QUERY, LIST_PARAMETERS))
export type ListPaymentLinksParams = typeof ListPaymentLinksParams.Type

/** The customer keys that were given, alphabetical. */
const customerOf = (link: PaymentLink): PaymentLinkCustomer => {
  const customer = link.customer
  if (customer === null) return {}
  return {
    ...(customer.contact === null ? {} : { contact: customer.contact }),
    ...(customer.email === null ? {} : { email: customer.email }),
    ...(customer.name === null ? {} : { name: customer.name })
  }
}

/** The `payment_link` entity of a link, as it stands (callers observe expiry before calling this). */
export const toPaymentLinkEntity = (link: PaymentLink): PaymentLinkEntity => ({
  accept_partial: link.partialPayment,
  amount: link.amount,
  amount_paid: link.amountPaid,
  callback_method: link.callbackMethod ?? "",
  callback_url: link.callbackUrl ?? "",
  cancelled_at: link.cancelledAt ?? 0,
  created_at: link.createdAt,
  currency: link.currency,
  customer: customerOf(link),
  description: link.description ?? "",
  expire_by: link.expireBy,
  expired_at: link.expiredAt ?? 0,
  first_min_partial_amount: link.firstPaymentMinAmount ?? 0,
  id: link.id,
  notes: link.notes,
  notify: { email: link.emailNotify, sms: link.smsNotify },
  order_id: link.orderId,
  payments:
    link.payments.length === 0
      ? null
      : link.payments.map((payment) => ({
          amount: payment.amount,
          created_at: payment.createdAt,
          method: payment.method,
          payment_id: payment.id,
          plink_id: link.id,
          status: payment.status,
          updated_at: payment.createdAt
        })),
  reference_id: link.receipt ?? "",
  reminder_enable: link.reminderEnable,
  reminders: link.reminderStatus === null ? [] : { status: link.reminderStatus },
  short_url: link.shortUrl,
  status: STATUS_WORDS[link.status] as PaymentLinkStatus,
  // A link read as expired changed when it expired, even before that was stored.
  updated_at: Math.max(link.updatedAt ?? link.createdAt, link.expiredAt ?? 0),
  upi_link: link.upiLink,
  user_id: ""
})

/** A page of links as the Payment Links list answers it. */
export const toPaymentLinkList = (links: ReadonlyArray<PaymentLink>): PaymentLinkList => ({
  payment_links: links.map(toPaymentLinkEntity)
})

/**
 * The texts of the state refusals on this contract, which are Razorpay's for this service; every other
 * refusal reads as on the invoices contract (docs/errors.md#payment-links).
 */
export const refusalText = (error: OperationNotAllowed): string => {
  switch (error.operation) {
    case "cancel":
      return error.status === "paid" || error.status === "partially_paid"
        ? "cannot cancel or expire an already paid/partially paid link"
        : "cannot cancel or expire an expired link"
    case "update":
      return "update can only be made in created or partially paid state"
    default:
      return `Operation not allowed for Payment Link in ${STATUS_WORDS[error.status]} status.`
  }
}

/** A refusal from core as this contract's wire error. */
export const toPaymentLinkError = <E>(error: E): E | ApiError =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "OperationNotAllowed"
    ? badRequest(refusalText(error as unknown as OperationNotAllowed))
    : error
