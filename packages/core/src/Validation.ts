/**
 * Validation of commands as they arrive (decoded JSON or query strings), pure, with the exact texts
 * of docs/errors.md. Every problem is reported, in a fixed order: unknown fields first, then each
 * field in the order of the create request's documentation.
 */
import * as Either from "effect/Either"
import { addMonthsUtc, LINK_LIFETIME_MONTHS, MIN_EXPIRY_LEAD_SECONDS } from "./Calendar.js"
import { Problem, ValidationFailed } from "./DomainError.js"
import { CustomerId, parseId } from "./Ids.js"
import * as Money from "./Money.js"
import type { InboxQuery } from "./Inbox.js"
import { type Channel, type Contract, type Notes, Status } from "./PaymentLink.js"
import type { Mode } from "./Tenant.js"

export const LIMITS = {
  receipt: 40,
  description: 2048,
  customerName: 50,
  customerEmail: 64,
  customerContact: 15,
  notesCount: 15,
  noteKey: 256,
  noteValue: 256,
  listCount: 100,
  idempotencyKey: 255
} as const

/** A create command whose every field has passed validation. */
export interface CreateCommand {
  readonly amount: Money.Amount
  readonly currency: Money.Currency
  readonly description: string | null
  readonly receipt: string | null
  readonly customer: {
    readonly name: string | null
    readonly email: string | null
    readonly contact: string | null
  } | null
  readonly customerId: CustomerId | null
  readonly expireBy: number | null
  readonly partialPayment: boolean
  readonly firstPaymentMinAmount: Money.Amount | null
  readonly smsNotify: boolean
  readonly emailNotify: boolean
  readonly viewLess: boolean
  readonly reminderEnable: boolean
  readonly notes: Notes
  readonly callbackUrl: string | null
  readonly callbackMethod: "get" | null
  /** A UPI Payment Link (Payment Links contract only). */
  readonly upiLink: boolean
}

/** The fields an update may carry; absent means "leave as it is". */
export interface UpdateCommand {
  readonly receipt?: string | null
  readonly notes?: Notes
  readonly expireBy?: number
  readonly partialPayment?: boolean
  readonly firstPaymentMinAmount?: Money.Amount | null
  readonly reminderEnable?: boolean
}

export interface PaymentCommand {
  readonly amount: Money.Amount | null
  readonly method: string
}

export interface ListQuery {
  /** The contract whose links are listed: a list never mixes them. */
  readonly contract: Contract
  readonly type: string | null
  readonly status: Status | null
  readonly receipt: string | null
  readonly customerId: string | null
  readonly paymentId: string | null
  /** Payment Links only: `true` for UPI links, `false` for standard ones, `null` for both. */
  readonly upiLink: boolean | null
  readonly from: number | null
  readonly to: number | null
  readonly count: number
  readonly skip: number
}

/**
 * What one request field takes, as data: the wire contract builds its request schemas from these
 * tables, so a field is added (or its kind changed) here once. The checks and their texts stay in the
 * `validate…` functions below.
 */
export type RequestField =
  | { readonly kind: "integer" | "string" | "flag" | "notes" | "status"; readonly required?: true }
  | { readonly kind: "literal"; readonly values: readonly [string, ...Array<string>]; readonly required?: true }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, RequestField>> }

/** The create request's fields, in the order of its documentation (the order problems are reported in). */
export const CREATE_REQUEST = {
  type: { kind: "literal", values: ["link"], required: true },
  amount: { kind: "integer", required: true },
  currency: { kind: "string" },
  description: { kind: "string" },
  receipt: { kind: "string" },
  customer: {
    kind: "object",
    fields: { name: { kind: "string" }, email: { kind: "string" }, contact: { kind: "string" } }
  },
  customer_id: { kind: "string" },
  expire_by: { kind: "integer" },
  partial_payment: { kind: "flag" },
  first_payment_min_amount: { kind: "integer" },
  sms_notify: { kind: "flag" },
  email_notify: { kind: "flag" },
  view_less: { kind: "flag" },
  notes: { kind: "notes" },
  reminder_enable: { kind: "flag" },
  callback_url: { kind: "string" },
  callback_method: { kind: "literal", values: ["get"] }
} as const satisfies Readonly<Record<string, RequestField>>

/** The update request's fields; which of them a status allows is the transition's rule. */
export const UPDATE_REQUEST = {
  receipt: { kind: "string" },
  notes: { kind: "notes" },
  expire_by: { kind: "integer" },
  partial_payment: { kind: "flag" },
  first_payment_min_amount: { kind: "integer" },
  reminder_enable: { kind: "flag" }
} as const satisfies Readonly<Record<string, RequestField>>

/** The list's query parameters; every value arrives as text. */
export const LIST_QUERY = {
  type: { kind: "string" },
  status: { kind: "status" },
  receipt: { kind: "string" },
  customer_id: { kind: "string" },
  payment_id: { kind: "string" },
  from: { kind: "integer" },
  to: { kind: "integer" },
  count: { kind: "integer" },
  skip: { kind: "integer" }
} as const satisfies Readonly<Record<string, RequestField>>

const namesOf = <T extends object>(fields: T): ReadonlyArray<keyof T & string> =>
  Object.keys(fields) as Array<keyof T & string>

export const CREATE_FIELDS = namesOf(CREATE_REQUEST)
export const UPDATE_FIELDS = namesOf(UPDATE_REQUEST)

export const PAYMENT_METHODS = ["card", "netbanking", "wallet", "upi", "emi"] as const

const CUSTOMER_FIELDS = namesOf(CREATE_REQUEST.customer.fields)
const LIST_FIELDS = namesOf(LIST_QUERY)
const INBOX_FIELDS = ["channel", "invoice_id", "count"] as const
const CHANNELS: ReadonlyArray<Channel> = ["sms", "email"]

// A practical address check: one @, a non-empty local part, a dotted domain, no spaces or controls.
const EMAIL =
  /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/
// An absolute http(s) URL with a host and no whitespace; the browser is what finally follows it.
const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?::[0-9]{1,5})?(?:[/?#][^\s]*)?$/i
const CONTACT = /^\+?[0-9]{8,}$/

/** Collects problems while a command is checked; the order of `add` calls is the order reported. */
class Problems {
  readonly list: Array<Problem> = []
  add(field: string | null, description: string): void {
    this.list.push(new Problem({ field, description }, { disableValidation: true }))
  }
  append(other: Problems): void {
    this.list.push(...other.list)
  }
  result<A>(value: () => A): Either.Either<A, ValidationFailed> {
    const [first, ...rest] = this.list
    return first === undefined
      ? Either.right(value())
      : Either.left(new ValidationFailed({ problems: [first, ...rest] }))
  }
}

/** Character length as users count it: by code point, so an emoji is one character. */
const lengthOf = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const notRequiredText = (fields: ReadonlyArray<string>): string =>
  `${fields.join(", ")} is/are not required and should not be sent`

const checkUnknown = (
  problems: Problems,
  input: Record<string, unknown>,
  allowed: ReadonlyArray<string>,
  prefix = ""
): void => {
  const extra = Object.keys(input).filter((key) => !allowed.includes(key))
  if (extra.length > 0) {
    const names = extra.map((key) => prefix + key)
    problems.add(names.length === 1 ? names[0]! : null, notRequiredText(names))
  }
}

const mustBe = (label: string, kind: "an integer" | "a string" | "a boolean" | "an object"): string =>
  `The ${label} must be ${kind}.`
const tooLong = (label: string, max: number): string => `The ${label} may not be greater than ${max} characters.`

/** `null` and an absent key both mean "not given"; `undefined` is returned for either. */
const given = (input: Record<string, unknown>, key: string): unknown => (input[key] === null ? undefined : input[key])

const readString = (problems: Problems, field: string, label: string, value: unknown, max?: number): string | null => {
  if (value === undefined) return null
  if (typeof value !== "string") {
    problems.add(field, mustBe(label, "a string"))
    return null
  }
  if (max !== undefined && lengthOf(value) > max) {
    problems.add(field, tooLong(label, max))
    return null
  }
  return value
}

/** Booleans may also be sent as 0/1 (Razorpay's SDKs and form posts do). */
const readBoolean = (problems: Problems, field: string, value: unknown, fallback: boolean): boolean => {
  if (value === undefined) return fallback
  if (value === true || value === 1 || value === "1" || value === "true") return true
  if (value === false || value === 0 || value === "0" || value === "false") return false
  problems.add(field, mustBe(field, "a boolean"))
  return fallback
}

const readInteger = (problems: Problems, field: string, value: unknown): number | null => {
  if (value === undefined) return null
  if (typeof value !== "number" || !Number.isInteger(value)) {
    problems.add(field, mustBe(field, "an integer"))
    return null
  }
  if (!Number.isSafeInteger(value)) {
    problems.add(field, `The ${field} may not be greater than ${Number.MAX_SAFE_INTEGER}.`)
    return null
  }
  return value
}

const readNotes = (problems: Problems, value: unknown): Notes => {
  if (value === undefined) return {}
  // PHP clients (and Razorpay's own examples) send an empty notes list as `[]`.
  if (Array.isArray(value) && value.length === 0) return {}
  if (!isPlainObject(value)) {
    problems.add("notes", mustBe("notes", "an object"))
    return {}
  }
  const entries = Object.entries(value)
  if (entries.length > LIMITS.notesCount) {
    problems.add("notes", `The notes may not have more than ${LIMITS.notesCount} items.`)
    return {}
  }
  const notes: Array<readonly [string, string]> = []
  for (const [key, raw] of entries) {
    const label = `notes.${key}`
    if (lengthOf(key) > LIMITS.noteKey) {
      problems.add("notes", `The notes key may not be greater than ${LIMITS.noteKey} characters.`)
      continue
    }
    // Numbers and booleans are kept as their text, as Razorpay stores every note value as a string.
    const text = typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw
    if (typeof text !== "string") {
      problems.add(label, mustBe(label, "a string"))
      continue
    }
    if (lengthOf(text) > LIMITS.noteValue) {
      problems.add(label, tooLong(label, LIMITS.noteValue))
      continue
    }
    notes.push([key, text])
  }
  // fromEntries defines own properties: assigning `notes["__proto__"] = text` would silently drop that note.
  return Object.fromEntries(notes)
}

/** Checks an amount against the currency's minimum of one major unit. */
const checkMinimum = (problems: Problems, field: string, value: number, currency: Money.Currency): boolean => {
  const minimum = Money.minimumAmount(currency)
  if (value < minimum) {
    problems.add(field, `The ${field} must be at least ${Money.format(minimum, currency)}`)
    return false
  }
  return true
}

/** The expiry window: at least 15 minutes from now, at most six calendar months from creation. */
export const checkExpireBy = (expireBy: number, now: number, createdAt: number): string | undefined => {
  if (expireBy < now + MIN_EXPIRY_LEAD_SECONDS) return "expire_by should be at least 15 minutes after current time."
  if (expireBy > addMonthsUtc(createdAt, LINK_LIFETIME_MONTHS))
    return "expire_by cannot be more than six months from the date of creation."
  return undefined
}

const readCustomer = (problems: Problems, value: unknown): CreateCommand["customer"] => {
  if (value === undefined) return null
  if (!isPlainObject(value)) {
    problems.add("customer", mustBe("customer", "an object"))
    return null
  }
  checkUnknown(problems, value, CUSTOMER_FIELDS, "customer.")
  const name = readString(problems, "customer.name", "name", given(value, "name"), LIMITS.customerName)
  const email = readString(problems, "customer.email", "email", given(value, "email"), LIMITS.customerEmail)
  if (email !== null && !EMAIL.test(email)) problems.add("customer.email", "The email must be a valid email address.")
  const contact = readString(problems, "customer.contact", "contact", given(value, "contact"), LIMITS.customerContact)
  if (contact !== null && !CONTACT.test(contact)) problems.add("customer.contact", "The contact format is invalid.")
  return { name, email, contact }
}

const readCustomerId = (problems: Problems, value: unknown): CustomerId | null => {
  const raw = readString(problems, "customer_id", "customer_id", value)
  if (raw === null) return null
  const parsed = parseId("cust", raw)
  if (parsed._tag === "Malformed") {
    problems.add("customer_id", `${parsed.withoutPrefix} is not a valid id`)
    return null
  }
  return CustomerId.make(parsed.id, { disableValidation: true })
}

const readCallbackUrl = (problems: Problems, value: unknown): string | null => {
  const raw = readString(problems, "callback_url", "callback_url", value, 2048)
  if (raw === null) return null
  if (!HTTP_URL.test(raw)) {
    problems.add("callback_url", "The callback url format is invalid.")
    return null
  }
  return raw
}

/**
 * Validates a create request body. `now` is the creation time: the expiry window is measured from it.
 */
export const validateCreate = (
  input: Record<string, unknown>,
  now: number
): Either.Either<CreateCommand, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(problems, input, CREATE_FIELDS)

  const type = given(input, "type")
  if (type === undefined) problems.add("type", "The type field is required.")
  else if (typeof type !== "string") problems.add("type", mustBe("type", "a string"))
  else if (type !== "link") problems.add("type", "The selected type is invalid.")

  // The currency decides the amount's minimum, so it is read first; its problems are still reported
  // after the amount's, in the documented field order.
  const currencyProblems = new Problems()
  const rawCurrency = readString(currencyProblems, "currency", "currency", given(input, "currency"))
  let currency: Money.Currency = Money.INR
  let currencyKnown = true
  if (rawCurrency !== null) {
    if (Money.isSupportedCurrency(rawCurrency)) currency = rawCurrency
    else {
      currencyKnown = false
      currencyProblems.add("currency", "The selected currency is invalid.")
    }
  } else if (given(input, "currency") !== undefined) currencyKnown = false

  const rawAmount = given(input, "amount")
  let amount: number | null = null
  if (rawAmount === undefined) problems.add("amount", "The amount field is required.")
  else {
    amount = readInteger(problems, "amount", rawAmount)
    if (amount !== null && currencyKnown && !checkMinimum(problems, "amount", amount, currency)) amount = null
  }
  problems.append(currencyProblems)

  const description = readString(
    problems,
    "description",
    "description",
    given(input, "description"),
    LIMITS.description
  )
  const receipt = readString(problems, "receipt", "receipt", given(input, "receipt"), LIMITS.receipt)
  const customer = readCustomer(problems, given(input, "customer"))
  const customerId = readCustomerId(problems, given(input, "customer_id"))
  if (customer !== null && customerId !== null)
    problems.add("customer_id", "Only one of customer and customer_id may be sent.")

  const expireBy = readInteger(problems, "expire_by", given(input, "expire_by"))
  if (expireBy !== null) {
    const problem = checkExpireBy(expireBy, now, now)
    if (problem !== undefined) problems.add("expire_by", problem)
  }

  const partialPayment = readBoolean(problems, "partial_payment", given(input, "partial_payment"), false)
  const firstPaymentMinAmount = readInteger(
    problems,
    "first_payment_min_amount",
    given(input, "first_payment_min_amount")
  )
  checkFirstPaymentMinAmount(problems, firstPaymentMinAmount, partialPayment, amount, currencyKnown ? currency : null)

  const smsNotify = readBoolean(problems, "sms_notify", given(input, "sms_notify"), true)
  const emailNotify = readBoolean(problems, "email_notify", given(input, "email_notify"), true)
  const viewLess = readBoolean(problems, "view_less", given(input, "view_less"), true)
  const notes = readNotes(problems, given(input, "notes"))
  const reminderEnable = readBoolean(problems, "reminder_enable", given(input, "reminder_enable"), false)
  const callbackUrl = readCallbackUrl(problems, given(input, "callback_url"))
  const rawMethod = readString(problems, "callback_method", "callback_method", given(input, "callback_method"))
  if (rawMethod !== null && rawMethod !== "get")
    problems.add("callback_method", "The selected callback method is invalid.")
  if (rawMethod !== null && callbackUrl === null && given(input, "callback_url") === undefined)
    problems.add("callback_method", "The callback_method can only be sent with a callback_url.")

  return problems.result(() => ({
    amount: Money.amount(amount!),
    currency,
    description,
    receipt,
    customer,
    customerId,
    expireBy,
    partialPayment,
    firstPaymentMinAmount: firstPaymentMinAmount === null ? null : Money.amount(firstPaymentMinAmount),
    smsNotify,
    emailNotify,
    viewLess,
    reminderEnable,
    notes,
    callbackUrl,
    callbackMethod: callbackUrl !== null ? "get" : null,
    upiLink: false
  }))
}

/** The wire names of the partial-payment fields, which differ between the contracts. */
interface PartialNames {
  readonly minimum: string
  readonly partial: string
}
const INVOICE_PARTIAL: PartialNames = { minimum: "first_payment_min_amount", partial: "partial_payment" }
const PAYMENT_LINK_PARTIAL: PartialNames = { minimum: "first_min_partial_amount", partial: "accept_partial" }

const checkFirstPaymentMinAmount = (
  problems: Problems,
  value: number | null,
  partialPayment: boolean,
  amount: number | null,
  currency: Money.Currency | null,
  names: PartialNames = INVOICE_PARTIAL
): void => {
  if (value === null) return
  if (!partialPayment) {
    problems.add(names.minimum, `The ${names.minimum} can only be sent when ${names.partial} is true.`)
    return
  }
  if (currency !== null && !checkMinimum(problems, names.minimum, value, currency)) return
  if (amount !== null && value > amount)
    problems.add(names.minimum, `The ${names.minimum} may not be greater than the amount.`)
}

/** The link facts an update is checked against. */
export interface UpdateContext {
  readonly amount: number
  readonly currency: Money.Currency
  readonly createdAt: number
  readonly partialPayment: boolean
  readonly firstPaymentMinAmount: number | null
}

/**
 * Validates an update request body against the link it edits. Which fields a status allows is the
 * transition's rule (`Transitions.update`), not this function's.
 */
export const validateUpdate = (
  input: Record<string, unknown>,
  link: UpdateContext,
  now: number
): Either.Either<UpdateCommand, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(problems, input, UPDATE_FIELDS)
  const command: {
    -readonly [K in keyof UpdateCommand]: UpdateCommand[K]
  } = {}
  if ("receipt" in input)
    command.receipt = readString(problems, "receipt", "receipt", given(input, "receipt"), LIMITS.receipt)
  if ("notes" in input) command.notes = readNotes(problems, given(input, "notes"))
  if (given(input, "expire_by") !== undefined) {
    const expireBy = readInteger(problems, "expire_by", given(input, "expire_by"))
    if (expireBy !== null) {
      const problem = checkExpireBy(expireBy, now, link.createdAt)
      if (problem !== undefined) problems.add("expire_by", problem)
      else command.expireBy = expireBy
    }
  }
  if (given(input, "partial_payment") !== undefined)
    command.partialPayment = readBoolean(
      problems,
      "partial_payment",
      given(input, "partial_payment"),
      link.partialPayment
    )
  if (given(input, "reminder_enable") !== undefined)
    command.reminderEnable = readBoolean(problems, "reminder_enable", given(input, "reminder_enable"), false)
  const partialPayment = command.partialPayment ?? link.partialPayment
  if ("first_payment_min_amount" in input) {
    const value = readInteger(problems, "first_payment_min_amount", given(input, "first_payment_min_amount"))
    checkFirstPaymentMinAmount(problems, value, partialPayment, link.amount, link.currency)
    command.firstPaymentMinAmount = value === null ? null : Money.amount(value)
  } else if (!partialPayment && link.firstPaymentMinAmount !== null) {
    // Turning partial payments off drops the first-instalment minimum, which only means something with them.
    command.firstPaymentMinAmount = null
  }
  return problems.result(() => command)
}

/** Validates a sandbox or hosted-page payment: `amount` defaults to the amount due. */
export const validatePayment = (input: Record<string, unknown>): Either.Either<PaymentCommand, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(problems, input, ["amount", "method"])
  const amount = readInteger(problems, "amount", given(input, "amount"))
  if (amount !== null && amount <= 0) problems.add("amount", "The amount must be at least 1.")
  const method = readString(problems, "method", "method", given(input, "method")) ?? "card"
  if (!(PAYMENT_METHODS as ReadonlyArray<string>).includes(method))
    problems.add("method", "The selected method is invalid.")
  return problems.result(() => ({ amount: amount === null ? null : Money.amount(amount), method }))
}

/** The longest a test clock can be moved in one step: ten years, far past any link's six-month life. */
export const MAX_CLOCK_ADVANCE_SECONDS = 10 * 366 * 86_400

/** Validates a test clock move (`POST /v1/sandbox/clock`): `advance_by`, whole seconds, forward only. */
export const validateClockAdvance = (input: Record<string, unknown>): Either.Either<number, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(problems, input, ["advance_by"])
  const value = given(input, "advance_by")
  if (value === undefined) problems.add("advance_by", "The advance_by field is required.")
  const seconds = readInteger(problems, "advance_by", value)
  if (seconds !== null && seconds < 0) problems.add("advance_by", "The advance_by must be at least 0.")
  if (seconds !== null && seconds > MAX_CLOCK_ADVANCE_SECONDS)
    problems.add("advance_by", `The advance_by may not be greater than ${MAX_CLOCK_ADVANCE_SECONDS}.`)
  return problems.result(() => seconds ?? 0)
}

const readQueryInteger = (problems: Problems, field: string, value: string | undefined): number | null => {
  if (value === undefined || value === "") return null
  if (!/^-?[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    problems.add(field, mustBe(field, "an integer"))
    return null
  }
  return Number(value)
}

/** Validates the sandbox inbox's query (`GET /v1/sandbox/inbox`): `channel`, `invoice_id`, `count` (default 10). */
export const validateInboxQuery = (
  input: Readonly<Record<string, string | undefined>>
): Either.Either<InboxQuery, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(
    problems,
    Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)),
    INBOX_FIELDS
  )
  const channel = input["channel"] === undefined || input["channel"] === "" ? undefined : input["channel"]
  if (channel !== undefined && !(CHANNELS as ReadonlyArray<string>).includes(channel))
    problems.add("channel", "The selected channel is invalid.")
  const count = readQueryInteger(problems, "count", input["count"]) ?? 10
  if (count > LIMITS.listCount) problems.add("count", `The count may not be greater than ${LIMITS.listCount}.`)
  else if (count < 1) problems.add("count", "The count must be at least 1.")
  const linkId = input["invoice_id"] === "" ? undefined : input["invoice_id"]
  // Like the list's filters, a link id that names nothing simply finds nothing.
  return problems.result(() => ({ channel: channel as Channel | undefined, linkId, limit: count }))
}

/** Validates the list endpoint's query string (every value arrives as text). */
export const validateListQuery = (
  input: Readonly<Record<string, string | undefined>>
): Either.Either<ListQuery, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(
    problems,
    Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)),
    LIST_FIELDS
  )
  const text = (key: string): string | null => {
    const value = input[key]
    return value === undefined || value === "" ? null : value
  }
  const status = text("status")
  if (status !== null && !(Status.literals as ReadonlyArray<string>).includes(status))
    problems.add("status", "The selected status is invalid.")
  const from = readQueryInteger(problems, "from", input["from"])
  const to = readQueryInteger(problems, "to", input["to"])
  const count = readQueryInteger(problems, "count", input["count"]) ?? 10
  if (count > LIMITS.listCount) problems.add("count", `The count may not be greater than ${LIMITS.listCount}.`)
  else if (count < 1) problems.add("count", "The count must be at least 1.")
  const skip = readQueryInteger(problems, "skip", input["skip"]) ?? 0
  if (skip < 0) problems.add("skip", "The skip must be at least 0.")
  return problems.result(() => ({
    contract: "invoices" as const,
    type: text("type"),
    status: status as Status | null,
    receipt: text("receipt"),
    customerId: text("customer_id"),
    // A filter value that matches no id simply finds nothing, as Razorpay's filters do.
    paymentId: text("payment_id"),
    upiLink: null,
    from,
    to,
    count,
    skip
  }))
}

// ---------------------------------------------------------------------------------------------------------
// The Payment Links contract (`/v1/payment_links`): its own field names and a few texts of its own, the
// same commands, limits and rules underneath (docs/domain.md#two-contracts-one-domain).

/** The Payment Links create request's fields, in the order of its documentation. */
export const PAYMENT_LINK_CREATE_REQUEST = {
  amount: { kind: "integer", required: true },
  currency: { kind: "string" },
  accept_partial: { kind: "flag" },
  first_min_partial_amount: { kind: "integer" },
  expire_by: { kind: "integer" },
  reference_id: { kind: "string" },
  description: { kind: "string" },
  customer: {
    kind: "object",
    fields: { name: { kind: "string" }, email: { kind: "string" }, contact: { kind: "string" } }
  },
  notify: { kind: "object", fields: { sms: { kind: "flag" }, email: { kind: "flag" } } },
  reminder_enable: { kind: "flag" },
  notes: { kind: "notes" },
  callback_url: { kind: "string" },
  callback_method: { kind: "literal", values: ["get"] },
  upi_link: { kind: "flag" }
} as const satisfies Readonly<Record<string, RequestField>>

/** The Payment Links update request's fields. */
export const PAYMENT_LINK_UPDATE_REQUEST = {
  accept_partial: { kind: "flag" },
  reference_id: { kind: "string" },
  expire_by: { kind: "integer" },
  notes: { kind: "notes" },
  reminder_enable: { kind: "flag" }
} as const satisfies Readonly<Record<string, RequestField>>

/** The Payment Links list's query parameters. */
export const PAYMENT_LINK_LIST_QUERY = {
  payment_id: { kind: "string" },
  reference_id: { kind: "string" },
  upi_link: { kind: "flag" },
  status: { kind: "string" },
  from: { kind: "integer" },
  to: { kind: "integer" },
  count: { kind: "integer" },
  skip: { kind: "integer" }
} as const satisfies Readonly<Record<string, RequestField>>

/** The texts the Payment Links contract reports where it differs from the invoices one. */
export const PAYMENT_LINK_TEXTS = {
  expireTooSoon: "timestamp must be atleast 15 minutes in future",
  upiInTestMode: "UPI Payment Links is not supported in Test Mode. Please experience the product in Live Mode.",
  upiCurrency: "upi is currently supported only in indian currency",
  upiPartial: "partial payment not supported in upi link",
  invalidMedium: "not a valid notification medium"
} as const

/** The status words of the Payment Links contract: an `issued` link is `created` there. */
export const PAYMENT_LINK_STATUS_WORDS: Readonly<Record<string, Status>> = {
  created: "issued",
  partially_paid: "partially_paid",
  paid: "paid",
  cancelled: "cancelled",
  expired: "expired"
}

const PAYMENT_LINK_CREATE_FIELDS = namesOf(PAYMENT_LINK_CREATE_REQUEST)
const PAYMENT_LINK_UPDATE_FIELDS = namesOf(PAYMENT_LINK_UPDATE_REQUEST)
const PAYMENT_LINK_LIST_FIELDS = namesOf(PAYMENT_LINK_LIST_QUERY)
const NOTIFY_FIELDS = namesOf(PAYMENT_LINK_CREATE_REQUEST.notify.fields)

const paymentLinkExpiry = (expireBy: number, now: number, createdAt: number): string | undefined => {
  const problem = checkExpireBy(expireBy, now, createdAt)
  return problem !== undefined && expireBy < now + MIN_EXPIRY_LEAD_SECONDS ? PAYMENT_LINK_TEXTS.expireTooSoon : problem
}

const readNotify = (problems: Problems, value: unknown): { readonly sms: boolean; readonly email: boolean } => {
  if (value === undefined) return { sms: false, email: false }
  if (!isPlainObject(value)) {
    problems.add("notify", mustBe("notify", "an object"))
    return { sms: false, email: false }
  }
  checkUnknown(problems, value, NOTIFY_FIELDS, "notify.")
  return {
    sms: readBoolean(problems, "notify.sms", given(value, "sms"), false),
    email: readBoolean(problems, "notify.email", given(value, "email"), false)
  }
}

/** Where a Payment Links create is checked: its time, and the mode (UPI links are live-mode only). */
export interface CreateContext {
  readonly now: number
  readonly mode: Mode
}

/**
 * Validates a Payment Links create body into the same command the invoices contract makes. Notifications
 * are off unless `notify` asks for them; the hosted page shows the description in full.
 */
export const validateCreatePaymentLink = (
  input: Record<string, unknown>,
  context: CreateContext
): Either.Either<CreateCommand, ValidationFailed> => {
  const { now } = context
  const problems = new Problems()
  checkUnknown(problems, input, PAYMENT_LINK_CREATE_FIELDS)

  const currencyProblems = new Problems()
  const rawCurrency = readString(currencyProblems, "currency", "currency", given(input, "currency"))
  let currency: Money.Currency = Money.INR
  let currencyKnown = true
  if (rawCurrency !== null) {
    if (Money.isSupportedCurrency(rawCurrency)) currency = rawCurrency
    else {
      currencyKnown = false
      currencyProblems.add("currency", "The selected currency is invalid.")
    }
  } else if (given(input, "currency") !== undefined) currencyKnown = false

  const rawAmount = given(input, "amount")
  let amount: number | null = null
  if (rawAmount === undefined) problems.add("amount", "The amount field is required.")
  else {
    amount = readInteger(problems, "amount", rawAmount)
    if (amount !== null && currencyKnown && !checkMinimum(problems, "amount", amount, currency)) amount = null
  }
  problems.append(currencyProblems)

  const partialPayment = readBoolean(problems, "accept_partial", given(input, "accept_partial"), false)
  const firstPaymentMinAmount = readInteger(
    problems,
    "first_min_partial_amount",
    given(input, "first_min_partial_amount")
  )
  checkFirstPaymentMinAmount(
    problems,
    firstPaymentMinAmount,
    partialPayment,
    amount,
    currencyKnown ? currency : null,
    PAYMENT_LINK_PARTIAL
  )

  const expireBy = readInteger(problems, "expire_by", given(input, "expire_by"))
  if (expireBy !== null) {
    const problem = paymentLinkExpiry(expireBy, now, now)
    if (problem !== undefined) problems.add("expire_by", problem)
  }
  const receipt = readString(problems, "reference_id", "reference_id", given(input, "reference_id"), LIMITS.receipt)
  const description = readString(
    problems,
    "description",
    "description",
    given(input, "description"),
    LIMITS.description
  )
  const customer = readCustomer(problems, given(input, "customer"))
  const notify = readNotify(problems, given(input, "notify"))
  const reminderEnable = readBoolean(problems, "reminder_enable", given(input, "reminder_enable"), false)
  const notes = readNotes(problems, given(input, "notes"))
  const callbackUrl = readCallbackUrl(problems, given(input, "callback_url"))
  const rawMethod = readString(problems, "callback_method", "callback_method", given(input, "callback_method"))
  if (rawMethod !== null && rawMethod !== "get")
    problems.add("callback_method", "The selected callback method is invalid.")
  if (rawMethod === null && given(input, "callback_url") !== undefined && given(input, "callback_method") === undefined)
    problems.add("callback_method", "The callback_method field is required.")
  if (rawMethod !== null && given(input, "callback_url") === undefined)
    problems.add("callback_method", "The callback_method can only be sent with a callback_url.")

  const upiLink = readBoolean(problems, "upi_link", given(input, "upi_link"), false)
  if (upiLink) {
    if (context.mode === "test") problems.add("upi_link", PAYMENT_LINK_TEXTS.upiInTestMode)
    else {
      if (currencyKnown && currency !== Money.INR) problems.add("currency", PAYMENT_LINK_TEXTS.upiCurrency)
      if (partialPayment) problems.add("accept_partial", PAYMENT_LINK_TEXTS.upiPartial)
    }
  }

  return problems.result(() => ({
    amount: Money.amount(amount!),
    currency,
    description,
    receipt,
    customer,
    customerId: null,
    expireBy,
    partialPayment,
    firstPaymentMinAmount: firstPaymentMinAmount === null ? null : Money.amount(firstPaymentMinAmount),
    smsNotify: notify.sms,
    emailNotify: notify.email,
    viewLess: false,
    reminderEnable,
    notes,
    callbackUrl,
    callbackMethod: callbackUrl !== null ? "get" : null,
    upiLink
  }))
}

/** What a Payment Links update is checked against, beyond the invoices' context. */
export interface PaymentLinkUpdateContext extends UpdateContext {
  readonly upiLink: boolean
}

/**
 * Validates a Payment Links update body (`accept_partial`, `reference_id`, `expire_by`, `notes`,
 * `reminder_enable`). Which statuses allow an update is the transition's rule.
 */
export const validateUpdatePaymentLink = (
  input: Record<string, unknown>,
  link: PaymentLinkUpdateContext,
  now: number
): Either.Either<UpdateCommand, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(problems, input, PAYMENT_LINK_UPDATE_FIELDS)
  const command: {
    -readonly [K in keyof UpdateCommand]: UpdateCommand[K]
  } = {}
  if ("reference_id" in input)
    command.receipt = readString(problems, "reference_id", "reference_id", given(input, "reference_id"), LIMITS.receipt)
  if ("notes" in input) command.notes = readNotes(problems, given(input, "notes"))
  if (given(input, "expire_by") !== undefined) {
    const expireBy = readInteger(problems, "expire_by", given(input, "expire_by"))
    if (expireBy !== null) {
      const problem = paymentLinkExpiry(expireBy, now, link.createdAt)
      if (problem !== undefined) problems.add("expire_by", problem)
      else command.expireBy = expireBy
    }
  }
  if (given(input, "accept_partial") !== undefined) {
    command.partialPayment = readBoolean(
      problems,
      "accept_partial",
      given(input, "accept_partial"),
      link.partialPayment
    )
    if (command.partialPayment && link.upiLink) problems.add("accept_partial", PAYMENT_LINK_TEXTS.upiPartial)
  }
  if (given(input, "reminder_enable") !== undefined)
    command.reminderEnable = readBoolean(problems, "reminder_enable", given(input, "reminder_enable"), false)
  // Turning partial payments off drops the first-instalment minimum, which only means something with them.
  if (command.partialPayment === false && link.firstPaymentMinAmount !== null) command.firstPaymentMinAmount = null
  return problems.result(() => command)
}

/**
 * Validates the Payment Links list's query: `payment_id`, `reference_id`, `upi_link`, `status` (in this
 * contract's words), `from`, `to`, `count`, `skip`.
 */
export const validatePaymentLinkListQuery = (
  input: Readonly<Record<string, string | undefined>>
): Either.Either<ListQuery, ValidationFailed> => {
  const problems = new Problems()
  checkUnknown(
    problems,
    Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)),
    PAYMENT_LINK_LIST_FIELDS
  )
  const text = (key: string): string | null => {
    const value = input[key]
    return value === undefined || value === "" ? null : value
  }
  const word = text("status")
  const status = word === null ? null : (PAYMENT_LINK_STATUS_WORDS[word] ?? null)
  if (word !== null && status === null) problems.add("status", "The selected status is invalid.")
  const rawUpi = text("upi_link")
  const upiLink = rawUpi === null ? null : readBoolean(problems, "upi_link", rawUpi, false)
  const from = readQueryInteger(problems, "from", input["from"])
  const to = readQueryInteger(problems, "to", input["to"])
  const count = readQueryInteger(problems, "count", input["count"]) ?? 10
  if (count > LIMITS.listCount) problems.add("count", `The count may not be greater than ${LIMITS.listCount}.`)
  else if (count < 1) problems.add("count", "The count must be at least 1.")
  const skip = readQueryInteger(problems, "skip", input["skip"]) ?? 0
  if (skip < 0) problems.add("skip", "The skip must be at least 0.")
  return problems.result(() => ({
    contract: "payment_links" as const,
    type: null,
    status,
    receipt: text("reference_id"),
    customerId: null,
    paymentId: text("payment_id"),
    upiLink,
    from,
    to,
    count,
    skip
  }))
}
