/**
 * The Payment Link state machine (docs/domain.md#lifecycle) as pure functions: `(state, input, now)` → the
 * next state and its events, or a typed refusal. They never read the clock, never perform effects,
 * never throw, and a refusal leaves the given link untouched (links are immutable values).
 *
 * Expiry is decided by the clock: every command first looks at the link as of `now` (`observe`), so
 * a link past `expire_by` behaves as expired even before the sweeper has stored that fact. When a
 * command that is allowed on an expired link (a notes edit) is stored, the expiry is stored with it
 * and its `LinkExpired` event is emitted first, so no transition ever goes unrecorded.
 */
import * as Either from "effect/Either"
import { addMonthsUtc, LINK_LIFETIME_MONTHS } from "./Calendar.js"
import * as Events from "./DomainEvent.js"
import { invalid, OperationNotAllowed, PaymentRefused, type ValidationFailed } from "./DomainError.js"
import type { UpdateRule } from "./Contracts.js"
import type { CustomerId, OrderId, PaymentId, PaymentLinkId, ShortCode } from "./Ids.js"
import * as Money from "./Money.js"
import {
  type Channel,
  type Contract,
  Customer,
  evolve,
  Payment,
  type PaymentLink,
  type Status,
  unsafeMake
} from "./PaymentLink.js"
import type { Tenant } from "./Tenant.js"
import type { CreateCommand, PaymentCommand, UpdateCommand } from "./Validation.js"

/** The outcome of an accepted command: the link to store and the events to append with it. */
export interface Transition {
  readonly link: PaymentLink
  readonly events: ReadonlyArray<Events.DomainEvent>
}

/** Everything a new link needs that is not in its command: its tenant, fresh ids and where it is served. */
export interface IssueContext {
  readonly tenant: Tenant
  /** The contract the link is created through; it is the only one that will see it. */
  readonly contract?: Contract
  readonly id: PaymentLinkId
  readonly orderId: OrderId
  readonly shortCode: ShortCode
  readonly shortUrl: string
  /** The link's customer: an existing one (`customer_id`), a new one (`customer`), or none. */
  readonly customer: Customer | null
  readonly keyId: string | null
  readonly idempotencyKey: string | null
}

const payable: ReadonlyArray<Status> = ["issued", "partially_paid"]

/** Whether payments (and expiry) can still happen to a link in this status. */
export const isOpen = (status: Status): boolean => payable.includes(status)

/** Whether the link's expiry time has come. */
export const isDue = (link: PaymentLink, now: number): boolean => isOpen(link.status) && now >= link.expireBy

/**
 * The link as it stands at `now`: an open link past `expire_by` reads as expired, with `expired_at`
 * set to the moment it expired (its `expire_by`), so reads and the sweeper always agree on the time.
 */
export const observe = (link: PaymentLink, now: number): PaymentLink =>
  isDue(link, now) ? evolve(link, { status: "expired", expiredAt: link.expireBy }) : link

/** The link at `now`, plus the `LinkExpired` event if looking at it expired it. */
const settle = (link: PaymentLink, now: number): Transition => {
  const current = observe(link, now)
  return current === link ? { link, events: [] } : { link: current, events: [expiredEvent(current)] }
}

const expiredEvent = (link: PaymentLink): Events.DomainEvent =>
  new Events.LinkExpired({ link, occurredAt: link.expireBy }, { disableValidation: true })

/** Stamps the next version and `updatedAt` on a changed link and its events: one stored change, one version. */
const commit = (
  stored: PaymentLink,
  next: PaymentLink,
  events: ReadonlyArray<(link: PaymentLink) => Events.DomainEvent>,
  settled: Transition,
  at: number
): Transition => {
  const link = evolve(next, { version: stored.version + 1, updatedAt: at })
  const prefix = settled.events.map((event) =>
    event._tag === "LinkExpired"
      ? expiredEvent(evolve(settled.link, { version: link.version, updatedAt: settled.link.expireBy }))
      : event
  )
  return { link, events: [...prefix, ...events.map((make) => make(link))] }
}

/** Issues a new link from a validated create command: status `issued`, nothing paid, channels pending. */
export const issue = (command: CreateCommand, context: IssueContext, now: number): Transition => {
  const customer = context.customer
  const smsStatus = command.smsNotify && customer?.contact ? "pending" : null
  const emailStatus = command.emailNotify && customer?.email ? "pending" : null
  const link = unsafeMake({
    id: context.id,
    contract: context.contract ?? "invoices",
    merchantId: context.tenant.merchantId,
    mode: context.tenant.mode,
    status: "issued",
    receipt: command.receipt,
    customer,
    orderId: context.orderId,
    amount: command.amount,
    amountPaid: Money.amount(0),
    currency: command.currency,
    partialPayment: command.partialPayment,
    firstPaymentMinAmount: command.firstPaymentMinAmount,
    description: command.description,
    notes: command.notes,
    expireBy: command.expireBy ?? addMonthsUtc(now, LINK_LIFETIME_MONTHS),
    viewLess: command.viewLess,
    smsNotify: command.smsNotify,
    emailNotify: command.emailNotify,
    smsStatus,
    emailStatus,
    reminderEnable: command.reminderEnable,
    reminderStatus: null,
    upiLink: command.upiLink,
    shortCode: context.shortCode,
    shortUrl: context.shortUrl,
    callbackUrl: command.callbackUrl,
    callbackMethod: command.callbackMethod,
    payments: [],
    createdAt: now,
    updatedAt: now,
    issuedAt: now,
    paidAt: null,
    cancelledAt: null,
    expiredAt: null,
    idempotencyKey: context.idempotencyKey,
    keyId: context.keyId,
    version: 1
  })
  const events: Array<Events.DomainEvent> = [
    new Events.LinkIssued({ link, occurredAt: now }, { disableValidation: true })
  ]
  if (smsStatus !== null) events.push(notificationRequested(link, "sms", now))
  if (emailStatus !== null) events.push(notificationRequested(link, "email", now))
  return { link, events }
}

/** A new customer record from the create command's inline `customer`. */
export const newCustomer = (id: CustomerId, details: NonNullable<CreateCommand["customer"]>): Customer =>
  new Customer({ id, ...details }, { disableValidation: true })

const notificationRequested = (link: PaymentLink, channel: Channel, now: number): Events.DomainEvent =>
  new Events.NotificationRequested({ link, channel, occurredAt: now }, { disableValidation: true })

/**
 * Cancels a link. Only an `issued` link can be cancelled (Razorpay's Cancel API: "This method can only be called on
 * a Payment Link that is in the issued state"); every other status is refused and nothing changes.
 */
export const cancel = (link: PaymentLink, now: number): Either.Either<Transition, OperationNotAllowed> => {
  const settled = settle(link, now)
  if (settled.link.status !== "issued")
    return Either.left(new OperationNotAllowed({ status: settled.link.status, operation: "cancel" }))
  const next = evolve(settled.link, { status: "cancelled", cancelledAt: now })
  return Either.right(
    commit(
      link,
      next,
      [(l) => new Events.LinkCancelled({ link: l, occurredAt: now }, { disableValidation: true })],
      settled,
      now
    )
  )
}

/**
 * Applies a captured payment. The amount defaults to the amount due; it may never exceed it; without
 * partial payments it must equal it; a first instalment must reach `first_payment_min_amount`; any
 * instalment other than the last must be at least one major unit of the currency.
 */
export const pay = (
  link: PaymentLink,
  command: PaymentCommand,
  paymentId: PaymentId,
  now: number
): Either.Either<Transition, OperationNotAllowed | PaymentRefused> => {
  const settled = settle(link, now)
  const current = settled.link
  if (!isOpen(current.status)) return Either.left(new OperationNotAllowed({ status: current.status, operation: "pay" }))
  const due = current.amountDue
  const amount = command.amount ?? due
  const refuse = (description: string) => Either.left(new PaymentRefused({ description, field: "amount" }))
  if (amount <= 0) return refuse("The amount must be at least 1.")
  if (amount > due) return refuse("Payment amount exceeds the amount due.")
  if (amount < due) {
    if (!current.partialPayment)
      return refuse(`Payment amount must be equal to the amount due of ${Money.format(due, current.currency)}.`)
    if (current.amountPaid === 0 && current.firstPaymentMinAmount !== null && amount < current.firstPaymentMinAmount)
      return refuse(
        `The first payment must be at least ${Money.format(current.firstPaymentMinAmount, current.currency)}.`
      )
    const minimum = Money.minimumAmount(current.currency)
    if (amount < minimum) return refuse(`The amount must be at least ${Money.format(minimum, current.currency)}`)
  }
  const payment = new Payment(
    {
      id: paymentId,
      amount: Money.amount(amount),
      currency: current.currency,
      method: command.method,
      status: "captured",
      createdAt: now
    },
    { disableValidation: true }
  )
  const amountPaid = Money.amount(current.amountPaid + amount)
  const paidInFull = amountPaid === current.amount
  const next = evolve(current, {
    status: paidInFull ? "paid" : "partially_paid",
    amountPaid,
    paidAt: paidInFull ? now : null,
    payments: [...current.payments, payment]
  })
  const event = paidInFull
    ? (l: PaymentLink) => new Events.LinkPaid({ link: l, payment, occurredAt: now }, { disableValidation: true })
    : (l: PaymentLink) =>
        new Events.LinkPartiallyPaid({ link: l, payment, occurredAt: now }, { disableValidation: true })
  return Either.right(commit(link, next, [event], settled, now))
}

/**
 * Expires a link whose `expire_by` has come (the sweeper's command). A link that is not open, or
 * not yet due, is refused.
 */
export const expire = (link: PaymentLink, now: number): Either.Either<Transition, OperationNotAllowed> => {
  if (!isDue(link, now)) return Either.left(new OperationNotAllowed({ status: link.status, operation: "expire" }))
  const next = observe(link, now)
  return Either.right(commit(link, next, [(l) => expiredEvent(l)], { link: next, events: [] }, link.expireBy))
}

const UPDATE_KEYS_OF_ISSUED_ONLY: ReadonlyArray<keyof UpdateCommand> = [
  "receipt",
  "expireBy",
  "partialPayment",
  "firstPaymentMinAmount",
  "reminderEnable"
]

/** The invoices contract's rule: an `issued` link takes every field, a link in any other status its notes. */
const ISSUED_TAKES_ALL: UpdateRule = {
  fieldsIn: ["issued"],
  notesIn: ["issued", "partially_paid", "paid", "cancelled", "expired"]
}

/**
 * Applies a validated update. `rule` (the contract's) says which statuses take every updatable field and
 * which take the notes alone; anything else is refused with the status and nothing changes.
 */
export const update = (
  link: PaymentLink,
  command: UpdateCommand,
  now: number,
  rule: UpdateRule = ISSUED_TAKES_ALL
): Either.Either<Transition, OperationNotAllowed | ValidationFailed> => {
  const settled = settle(link, now)
  const current = settled.link
  const touchesMoreThanNotes = UPDATE_KEYS_OF_ISSUED_ONLY.some((key) => command[key] !== undefined)
  const allowed = touchesMoreThanNotes ? rule.fieldsIn : rule.notesIn
  if (!allowed.includes(current.status))
    return Either.left(new OperationNotAllowed({ status: current.status, operation: "update" }))
  const partialPayment = command.partialPayment ?? current.partialPayment
  const firstPaymentMinAmount =
    command.firstPaymentMinAmount !== undefined ? command.firstPaymentMinAmount : current.firstPaymentMinAmount
  if (firstPaymentMinAmount !== null && !partialPayment)
    return Either.left(
      invalid("first_payment_min_amount", "The first_payment_min_amount can only be sent when partial_payment is true.")
    )
  const next = evolve(current, {
    receipt: command.receipt !== undefined ? command.receipt : current.receipt,
    notes: command.notes ?? current.notes,
    expireBy: command.expireBy ?? current.expireBy,
    partialPayment,
    firstPaymentMinAmount,
    reminderEnable: command.reminderEnable ?? current.reminderEnable
  })
  return Either.right(
    commit(
      link,
      next,
      [(l) => new Events.LinkUpdated({ link: l, occurredAt: now }, { disableValidation: true })],
      settled,
      now
    )
  )
}

/** Whether a customer can be reached on `channel`. */
const reachable = (link: PaymentLink, channel: Channel): boolean =>
  channel === "sms" ? Boolean(link.customer?.contact) : Boolean(link.customer?.email)

/**
 * Asks for the link to be (re)sent to the customer on `channel` (`notify_by`): only while the link
 * can still be paid, and only to a customer with a contact (sms) or email (email).
 */
export const requestNotification = (
  link: PaymentLink,
  channel: Channel,
  now: number
): Either.Either<Transition, OperationNotAllowed | ValidationFailed> => {
  const settled = settle(link, now)
  const current = settled.link
  if (!isOpen(current.status))
    return Either.left(new OperationNotAllowed({ status: current.status, operation: "notify" }))
  if (!reachable(current, channel))
    return Either.left(
      channel === "sms"
        ? invalid("customer.contact", "The customer's contact is required to send an sms.")
        : invalid("customer.email", "The customer's email is required to send an email.")
    )
  const next = evolve(current, channel === "sms" ? { smsStatus: "pending" } : { emailStatus: "pending" })
  return Either.right(commit(link, next, [(l) => notificationRequested(l, channel, now)], settled, now))
}

/**
 * Records that the notifier confirmed delivery on `channel`: its status turns `sent`. Refused when
 * nothing was pending on that channel.
 */
export const markNotificationSent = (
  link: PaymentLink,
  channel: Channel,
  now: number
): Either.Either<Transition, OperationNotAllowed> => {
  const settled = settle(link, now)
  const status = channel === "sms" ? link.smsStatus : link.emailStatus
  // The refusal names the status the link has at `now`, as every other refusal does.
  if (status !== "pending")
    return Either.left(new OperationNotAllowed({ status: settled.link.status, operation: "notified" }))
  const next = evolve(settled.link, channel === "sms" ? { smsStatus: "sent" } : { emailStatus: "sent" })
  return Either.right(
    commit(
      link,
      next,
      [(l) => new Events.NotificationSent({ link: l, channel, occurredAt: now }, { disableValidation: true })],
      settled,
      now
    )
  )
}
