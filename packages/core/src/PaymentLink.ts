/**
 * The Payment Link aggregate (docs/domain.md#the-payment-link) and the values it is made of.
 */
import * as Schema from "effect/Schema"
import { CustomerId, MerchantId, OrderId, PaymentId, PaymentLinkId, ShortCode } from "./Ids.js"
import { Amount, Currency } from "./Money.js"
import { Mode } from "./Tenant.js"

/** Unix time in whole seconds. */
export const UnixSeconds = Schema.Int
export type UnixSeconds = number

/** A link's status; `Status.literals` is the one list of them the wire, validation and the CLI derive from. */
export const Status = Schema.Literal("issued", "partially_paid", "paid", "cancelled", "expired")
export type Status = typeof Status.Type

/**
 * The wire contract a link was created through: `invoices` (the legacy `/v1/invoices`, `type=link`) or
 * `payment_links` (`/v1/payment_links`). Each contract sees only its own links.
 */
export const Contract = Schema.Literal("invoices", "payment_links")
export type Contract = typeof Contract.Type

/** How a link's reminders stand: `in_progress` while due reminders remain, then `completed` or `failed`. */
export const ReminderStatus = Schema.Literal("in_progress", "completed", "failed")
export type ReminderStatus = typeof ReminderStatus.Type

export const NotificationStatus = Schema.Literal("pending", "sent")
export type NotificationStatus = typeof NotificationStatus.Type

export const Channel = Schema.Literal("sms", "email")
export type Channel = typeof Channel.Type

export class Customer extends Schema.Class<Customer>("Customer")({
  id: CustomerId,
  name: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  contact: Schema.NullOr(Schema.String)
}) {}

export class Payment extends Schema.Class<Payment>("Payment")({
  id: PaymentId,
  amount: Amount,
  currency: Currency,
  method: Schema.String,
  status: Schema.Literal("captured"),
  createdAt: UnixSeconds
}) {}

export const Notes = Schema.Record({ key: Schema.String, value: Schema.String })
export type Notes = typeof Notes.Type

export class PaymentLink extends Schema.Class<PaymentLink>("PaymentLink")({
  id: PaymentLinkId,
  contract: Contract,
  merchantId: MerchantId,
  mode: Mode,
  status: Status,
  /** The merchant's own reference: `receipt` on the invoices contract, `reference_id` on Payment Links. */
  receipt: Schema.NullOr(Schema.String),
  customer: Schema.NullOr(Customer),
  orderId: OrderId,
  amount: Amount,
  amountPaid: Amount,
  currency: Currency,
  partialPayment: Schema.Boolean,
  firstPaymentMinAmount: Schema.NullOr(Amount),
  description: Schema.NullOr(Schema.String),
  notes: Notes,
  expireBy: UnixSeconds,
  viewLess: Schema.Boolean,
  smsNotify: Schema.Boolean,
  emailNotify: Schema.Boolean,
  smsStatus: Schema.NullOr(NotificationStatus),
  emailStatus: Schema.NullOr(NotificationStatus),
  reminderEnable: Schema.Boolean,
  /** `null` until a reminder was scheduled. */
  reminderStatus: Schema.NullOr(ReminderStatus),
  /** A UPI Payment Link (Payment Links contract only): INR, paid in full. */
  upiLink: Schema.Boolean,
  shortCode: ShortCode,
  shortUrl: Schema.String,
  callbackUrl: Schema.NullOr(Schema.String),
  callbackMethod: Schema.NullOr(Schema.Literal("get")),
  payments: Schema.Array(Payment),
  createdAt: UnixSeconds,
  /** When the link last changed; `null` on links stored before it was kept (read as `createdAt`). */
  updatedAt: Schema.NullOr(UnixSeconds),
  issuedAt: Schema.NullOr(UnixSeconds),
  paidAt: Schema.NullOr(UnixSeconds),
  cancelledAt: Schema.NullOr(UnixSeconds),
  expiredAt: Schema.NullOr(UnixSeconds),
  idempotencyKey: Schema.NullOr(Schema.String),
  /**
   * The API key that created the link: its secret signs the hosted page's callback
   * (docs/hosted-page.md#verifying-the-callback).
   */
  keyId: Schema.NullOr(Schema.String),
  /** Optimistic-concurrency version: every stored transition increments it by one. */
  version: Schema.Int
}) {
  /** Always `amount − amountPaid`; never stored separately so it can never disagree. */
  get amountDue(): Amount {
    return (this.amount - this.amountPaid) as Amount
  }

  /** The latest captured payment, which Razorpay reports as `payment_id`. */
  get lastPayment(): Payment | undefined {
    return this.payments[this.payments.length - 1]
  }
}

export type PaymentLinkFields = ConstructorParameters<typeof PaymentLink>[0]

/** A copy of `link` with `changes` applied; inputs come from the pure transitions, which keep the invariants. */
export const evolve = (link: PaymentLink, changes: Partial<PaymentLinkFields>): PaymentLink =>
  new PaymentLink({ ...link, ...changes }, { disableValidation: true })

/** Builds a link from fields that the domain has already validated. */
export const unsafeMake = (fields: PaymentLinkFields): PaymentLink =>
  new PaymentLink(fields, { disableValidation: true })
