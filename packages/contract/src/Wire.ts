/**
 * The wire format of Razorpay's Payment Links (legacy `type=link` invoices), docs/http-api.md: the
 * invoice entity with every key in Razorpay's order, the collection, the request bodies a client may
 * send, and the error envelope as typed errors carrying their HTTP status.
 *
 * Free of Node and server imports: the typed client and the CLI load it cheaply.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { type Payment, type PaymentLink, Status } from "@paylinks/core/PaymentLink"
import { CREATE_REQUEST, LIST_QUERY, type RequestField, UPDATE_REQUEST } from "@paylinks/core/Validation"
import { currencySymbol } from "@paylinks/core/Money"
import * as Schema from "effect/Schema"

// Documentation annotations only: they name and describe schemas in the OpenAPI document and never change
// what is accepted, refused or sent.

/** A whole number, documented inline as JSON Schema's `integer`. */
export const Integer = (description: string) => Schema.Int.annotations({ title: "integer", description })
export const Timestamp = Schema.Int.annotations({
  identifier: "Timestamp",
  title: "Timestamp",
  description: "Unix time, in seconds."
})
/** An amount in the currency's smallest unit. */
export const Amount = Schema.Int.annotations({
  identifier: "Amount",
  title: "Amount",
  description: "In the currency's smallest unit (paise for INR): `50000` is ₹500.00."
})
const prefixed = (prefix: string) =>
  Schema.String.pipe(Schema.startsWith(prefix)).annotations({ description: `An id: \`${prefix}\` and 14 characters.` })

/** Razorpay's "Customer details": `{name, contact, email}`. */
export const CustomerEntity = Schema.Struct({
  name: Schema.NullOr(Schema.String),
  contact: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String)
}).annotations({ identifier: "Customer", description: "The customer the link is for." })
export type CustomerEntity = typeof CustomerEntity.Type

/** Razorpay's full customer shape; every value is null when the link has no customer. */
export const CustomerDetails = Schema.Struct({
  id: Schema.NullOr(prefixed("cust_")),
  name: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  contact: Schema.NullOr(Schema.String),
  gstin: Schema.Null,
  billing_address: Schema.Null,
  shipping_address: Schema.Null,
  customer_name: Schema.NullOr(Schema.String),
  customer_email: Schema.NullOr(Schema.String),
  customer_contact: Schema.NullOr(Schema.String)
}).annotations({
  identifier: "CustomerDetails",
  description: "Razorpay's full customer shape; every value is null when the link has no customer."
})
export type CustomerDetails = typeof CustomerDetails.Type

export const InvoiceStatus = Schema.Literal(...Status.literals)
export type InvoiceStatus = typeof InvoiceStatus.Type

export const NotificationStatus = Schema.NullOr(Schema.Literal("pending", "sent"))

/**
 * The invoice entity (docs/http-api.md#the-invoice-entity). The order of the fields is the order of the keys on the
 * wire; values that are not set are null, never absent.
 */
export const InvoiceEntity = Schema.Struct({
  id: prefixed("inv_"),
  entity: Schema.Literal("invoice"),
  receipt: Schema.NullOr(Schema.String).annotations({ description: "Your own reference, as it was given." }),
  invoice_number: Schema.NullOr(Schema.String).annotations({ description: "The `receipt`, as Razorpay repeats it." }),
  customer_id: Schema.NullOr(prefixed("cust_")).annotations({ description: "The customer's id (`cust_…`)." }),
  customer: Schema.NullOr(CustomerEntity),
  customer_details: CustomerDetails,
  order_id: prefixed("order_"),
  line_items: Schema.Tuple(),
  payment_id: Schema.NullOr(prefixed("pay_")).annotations({ description: "The latest payment (`pay_…`)." }),
  status: InvoiceStatus.annotations({ description: "A link past its `expire_by` reads as `expired`." }),
  expire_by: Schema.NullOr(Timestamp),
  issued_at: Schema.NullOr(Timestamp),
  paid_at: Schema.NullOr(Timestamp),
  cancelled_at: Schema.NullOr(Timestamp),
  expired_at: Schema.NullOr(Timestamp),
  sms_status: NotificationStatus.annotations({
    description: "`pending` until the SMS is sent; null when none was asked for."
  }),
  email_status: NotificationStatus.annotations({
    description: "`pending` until the email is sent; null when none was asked for."
  }),
  date: Timestamp,
  terms: Schema.Null,
  partial_payment: Schema.Boolean,
  first_payment_min_amount: Schema.NullOr(Amount),
  gross_amount: Amount,
  tax_amount: Schema.Literal(0),
  taxable_amount: Schema.Literal(0),
  amount: Amount,
  amount_paid: Amount,
  amount_due: Amount,
  currency: Schema.String,
  currency_symbol: Schema.String.annotations({ description: "E.g. `₹` for INR." }),
  description: Schema.NullOr(Schema.String),
  notes: Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
    description: "Your notes; every value is text."
  }),
  comment: Schema.Null,
  short_url: Schema.String.annotations({ description: "The hosted payment page to send the customer to." }),
  view_less: Schema.Boolean,
  billing_start: Schema.Null,
  billing_end: Schema.Null,
  type: Schema.Literal("link"),
  group_taxes_discounts: Schema.Literal(false),
  reminder_enable: Schema.Boolean,
  user_id: Schema.Null,
  created_at: Timestamp,
  idempotency_key: Schema.NullOr(Schema.String).annotations({
    description: "The `Idempotency-Key` the link was created with."
  })
}).annotations({ identifier: "Invoice", description: "A Payment Link (a Razorpay invoice of type `link`)." })
export type InvoiceEntity = typeof InvoiceEntity.Type

/** One page of a list: `count` is the number of items on this page, as Razorpay reports it. */
export const InvoiceCollection = Schema.Struct({
  entity: Schema.Literal("collection"),
  count: Integer("The number of items on this page."),
  items: Schema.Array(InvoiceEntity)
}).annotations({ identifier: "InvoiceCollection", description: "One page of Payment Links, newest first." })
export type InvoiceCollection = typeof InvoiceCollection.Type

/**
 * Razorpay's payment entity, for a captured payment: no fees, no instrument details. One shape for the
 * sandbox payment's answer and for the `payment` of a webhook; `notes` are the link's.
 */
export const PaymentEntity = Schema.Struct({
  id: prefixed("pay_"),
  entity: Schema.Literal("payment"),
  amount: Amount,
  currency: Schema.String,
  status: Schema.Literal("captured"),
  order_id: prefixed("order_"),
  invoice_id: Schema.NullOr(prefixed("inv_")).annotations({
    description: "The invoice of a link of the invoices API; null for a Payment Links payment."
  }),
  international: Schema.Literal(false),
  method: Schema.String,
  amount_refunded: Schema.Literal(0),
  refund_status: Schema.Null,
  captured: Schema.Literal(true),
  description: Schema.String.annotations({
    description:
      "`Invoice #<invoice id>`, as Razorpay describes an invoice link's payment; a Payment Links payment carries its link's description."
  }),
  card_id: Schema.Null,
  bank: Schema.Null,
  wallet: Schema.Null,
  vpa: Schema.Null,
  email: Schema.NullOr(Schema.String),
  contact: Schema.NullOr(Schema.String),
  notes: Schema.Record({ key: Schema.String, value: Schema.String }),
  fee: Schema.Literal(0),
  tax: Schema.Literal(0),
  error_code: Schema.Null,
  error_description: Schema.Null,
  created_at: Timestamp
}).annotations({ identifier: "Payment", description: "A captured payment (Razorpay's payment entity)." })
export type PaymentEntity = typeof PaymentEntity.Type

/** Razorpay's order entity: the order created with the link, paid as the link is. */
export const OrderEntity = Schema.Struct({
  id: prefixed("order_"),
  entity: Schema.Literal("order"),
  amount: Amount,
  amount_paid: Amount,
  amount_due: Amount,
  currency: Schema.String,
  receipt: Schema.NullOr(Schema.String),
  offer_id: Schema.Null,
  status: Schema.Literal("created", "attempted", "paid"),
  attempts: Integer("The number of payments made against the order."),
  notes: Schema.Tuple(),
  created_at: Timestamp,
  product_type: Schema.optional(Schema.Literal("payment_link_v2")).annotations({
    description: "`payment_link_v2` for the order of a Payment Links link; absent for an invoice's."
  })
}).annotations({ identifier: "Order", description: "The order of a link (Razorpay's order entity)." })
export type OrderEntity = typeof OrderEntity.Type

/** `notify_by` answers `{"success":true}`. */
export const NotifyResult = Schema.Struct({ success: Schema.Literal(true) }).annotations({
  identifier: "NotifyResult",
  description: "The link was sent again."
})
export type NotifyResult = typeof NotifyResult.Type

export const HealthStatus = Schema.Struct({ status: Schema.Literal("ok") }).annotations({
  identifier: "HealthStatus",
  description: "The server answers (and, for readiness, its storage is reachable)."
})
export type HealthStatus = typeof HealthStatus.Type

// Request bodies. They are built from core's field tables (`Validation.CREATE_REQUEST`, …), so a field
// is added once, in core. They document what a client may send and type the client; the server does
// not decode them with these schemas but hands the JSON object to core's Validation, whose texts are
// the contract.

/** Booleans may also be sent as 0/1, as Razorpay's SDKs and form posts do. */
const Flag = Schema.Union(Schema.Boolean, Schema.Literal(0, 1))
const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

export const NotesInput = Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) })

/** What each request field means, in the document; core's tables and `validate…` say what each takes. */
const FIELD_DESCRIPTIONS: { readonly [K in keyof typeof CREATE_REQUEST]: string } & Readonly<Record<string, string>> = {
  type: "Always `link`.",
  amount: "The amount to collect, in the currency's smallest unit (paise for INR); at least one major unit.",
  currency: "Default `INR`.",
  description: "What the payment is for, shown on the hosted page (up to 2048 characters).",
  receipt: "Your own reference (up to 40 characters); also answered as `invoice_number`.",
  customer: "The customer to send the link to. Not with `customer_id`.",
  customer_id: "An existing customer (`cust_…`), instead of `customer`.",
  expire_by:
    "Unix time (seconds) after which the link expires: at least 15 minutes from now, at most six months from creation.",
  partial_payment: "Whether the link can be paid in parts. Default `false`.",
  first_payment_min_amount: "With `partial_payment`: the smallest first payment, in the currency's smallest unit.",
  sms_notify: "Send the link to the customer's `contact` by SMS. Default `true`.",
  email_notify: "Send the link to the customer's `email`. Default `true`.",
  view_less: "Show the description collapsed on the hosted page. Default `true`.",
  notes: "Up to 15 pairs of your own; keys and values up to 256 characters, numbers are kept as text.",
  reminder_enable: "Razorpay's reminder setting, kept and answered. Default `false`.",
  callback_url: "Where the customer's browser is sent (GET) after paying.",
  callback_method: "Only `get`; only with `callback_url`.",
  name: "Up to 50 characters.",
  email: "An email address, up to 64 characters.",
  contact: "A phone number: 8 digits or more, optionally after `+`."
}

/** The identifier of a nested object of a request body in the document. */
const OBJECT_IDENTIFIERS: Readonly<Record<string, string>> = { customer: "CustomerInput" }

/** What each field of a request means, by name, for the document. */
export type FieldDescriptions = Readonly<Record<string, string>>

const describe = <S extends { annotations: (annotations: { readonly description: string }) => unknown }>(
  name: string,
  schema: S,
  descriptions: FieldDescriptions
): S => {
  const description = descriptions[name]
  return (description === undefined ? schema : schema.annotations({ description })) as S
}

/** The schema of one body field of a kind. */
type BodySchema<F> = F extends { readonly kind: "integer" }
  ? typeof Schema.Int
  : F extends { readonly kind: "string" }
    ? typeof Schema.String
    : F extends { readonly kind: "flag" }
      ? typeof Flag
      : F extends { readonly kind: "notes" }
        ? typeof NotesInput
        : F extends { readonly kind: "status" }
          ? typeof InvoiceStatus
          : F extends { readonly kind: "literal"; readonly values: infer V extends readonly [string, ...Array<string>] }
            ? Schema.Literal<V>
            : F extends { readonly kind: "object"; readonly fields: infer Fields }
              ? Schema.Struct<BodyFields<Fields>>
              : never

/** A body's fields: required ones as they are, the others optional and nullable (null means "not given"). */
export type BodyFields<T> = {
  readonly [K in keyof T]: T[K] extends { readonly required: true }
    ? BodySchema<T[K]>
    : ReturnType<typeof optional<BodySchema<T[K]>>>
}

const bodySchema = (name: string, field: RequestField, descriptions: FieldDescriptions): Schema.Schema.Any => {
  switch (field.kind) {
    case "integer":
      return Schema.Int.annotations({ title: "integer" })
    case "string":
      return Schema.String
    case "flag":
      return Flag
    case "notes":
      return NotesInput
    case "status":
      return InvoiceStatus
    case "literal":
      return Schema.Literal(...field.values)
    case "object": {
      const identifier = OBJECT_IDENTIFIERS[name]
      const schema = Schema.Struct(bodyFields(field.fields, descriptions))
      const description = descriptions[name]
      // One `annotations` call: annotating again would drop the identifier.
      return identifier === undefined
        ? schema
        : schema.annotations({ identifier, ...(description === undefined ? {} : { description }) })
    }
  }
}

/** A request body's schema fields, built from one of core's field tables. */
export const bodyFields = <T extends Readonly<Record<string, RequestField>>>(
  fields: T,
  descriptions: FieldDescriptions = FIELD_DESCRIPTIONS
): BodyFields<T> =>
  Object.fromEntries(
    Object.entries(fields).map(([name, field]) => {
      const schema = bodySchema(name, field, descriptions)
      return [
        name,
        "required" in field && field.required === true
          ? describe(name, schema, descriptions)
          : field.kind === "object"
            ? optional(schema)
            : describe(name, optional(schema), descriptions)
      ]
    })
  ) as BodyFields<T>

/**
 * An integer query parameter: text on the wire, a number in the client's type (encoded as
 * `NumberFromString` encodes it). The document types it as the integer the server reads it as (core's
 * `validate…Query` refuses anything else with its own text); `jsonSchema` is documentation only.
 */
export const QueryInteger = (
  jsonSchema: { readonly minimum?: number; readonly maximum?: number; readonly default?: number } = {}
) => Schema.parseNumber(Schema.String).annotations({ jsonSchema: { type: "integer", ...jsonSchema } })

/** The schema of one query parameter of a kind: every value travels as text. */
export type QuerySchema<F> = F extends { readonly kind: "integer" }
  ? ReturnType<typeof QueryInteger>
  : F extends { readonly kind: "status" }
    ? typeof InvoiceStatus
    : typeof Schema.String

/** What a list filter means and, for an integer, its bounds as core checks them. */
export interface QueryParameter {
  readonly description: string
  readonly bounds?: Parameters<typeof QueryInteger>[0]
}

/** What each list filter means and, for the integers, their bounds as core checks them. */
const LIST_PARAMETERS: {
  readonly [K in keyof typeof LIST_QUERY]: {
    readonly description: string
    readonly bounds?: Parameters<typeof QueryInteger>[0]
  }
} = {
  type: { description: "`link` (every Payment Link is of this type)." },
  status: { description: "Only links in this status." },
  receipt: { description: "Only links with this receipt." },
  customer_id: { description: "Only links of this customer (`cust_…`)." },
  payment_id: { description: "Only the link paid by this payment (`pay_…`)." },
  from: { description: "Only links created at or after this Unix time (seconds)." },
  to: { description: "Only links created at or before this Unix time (seconds)." },
  count: { description: "Links per page: 1 to 100; default 10.", bounds: { minimum: 1, maximum: 100, default: 10 } },
  skip: { description: "Links to skip, newest first; default 0.", bounds: { minimum: 0, default: 0 } }
}

const querySchema = (field: RequestField, bounds: Parameters<typeof QueryInteger>[0]): Schema.Schema.Any =>
  field.kind === "integer" ? QueryInteger(bounds) : field.kind === "status" ? InvoiceStatus : Schema.String

/** A list's query schema fields, built from one of core's query tables and what each parameter means. */
export const queryFields = <T extends Readonly<Record<string, RequestField>>>(
  fields: T,
  parameters: { readonly [K in keyof T]: QueryParameter }
): { readonly [K in keyof T]: Schema.optional<QuerySchema<T[K]>> } =>
  Object.fromEntries(
    Object.entries(fields).map(([name, field]) => {
      const { description, bounds } = parameters[name as keyof T]
      return [name, Schema.optional(querySchema(field, bounds)).annotations({ description })]
    })
  ) as {
    readonly [K in keyof T]: Schema.optional<QuerySchema<T[K]>>
  }

export const CreateInvoiceRequest = Schema.Struct(bodyFields(CREATE_REQUEST)).annotations({
  identifier: "CreateInvoiceRequest",
  description: "A new Payment Link. `null` means the same as leaving a field out."
})
export type CreateInvoiceRequest = typeof CreateInvoiceRequest.Type

/** An `issued` link takes every field; any other status takes `notes` only. */
export const UpdateInvoiceRequest = Schema.Struct(bodyFields(UPDATE_REQUEST)).annotations({
  identifier: "UpdateInvoiceRequest",
  description: "The fields to change; the others are left as they are."
})
export type UpdateInvoiceRequest = typeof UpdateInvoiceRequest.Type

/** The list filters. Every value travels as text; the server checks them with core's rules. */
export const ListInvoicesParams = Schema.Struct(queryFields(LIST_QUERY, LIST_PARAMETERS))
export type ListInvoicesParams = typeof ListInvoicesParams.Type

/** The `Idempotency-Key` header of POST requests (docs/http-api.md#idempotency-key). */
export const IdempotencyHeaders = Schema.Struct({
  "idempotency-key": Schema.optional(Schema.String).annotations({
    description:
      "Up to 255 characters. The first answer to a key is replayed for 24 hours (`Idempotent-Replayed: true`)."
  })
})

// The error envelope: {"error":{"code","description","source","step","reason","metadata","field"?}}.

export const ErrorDetail = Schema.Struct({
  code: Schema.String,
  description: Schema.String,
  source: Schema.String,
  step: Schema.String,
  reason: Schema.String,
  metadata: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  field: Schema.optional(Schema.String)
}).annotations({ identifier: "ErrorDetail" })
export type ErrorDetail = typeof ErrorDetail.Type

const errorFields = { error: ErrorDetail }

/** 400: validation, state, routing and body errors. */
export class BadRequestError extends Schema.TaggedError<BadRequestError>()("BadRequestError", errorFields) {
  static readonly status = 400
}
/** 401: missing, malformed or wrong credentials. */
export class UnauthorizedError extends Schema.TaggedError<UnauthorizedError>()("UnauthorizedError", errorFields) {
  static readonly status = 401
}
/** 409: the same `Idempotency-Key` is being processed by another request. */
export class ConflictError extends Schema.TaggedError<ConflictError>()("ConflictError", errorFields) {
  static readonly status = 409
}
/** 413: the request body is over 1 MiB. */
export class PayloadTooLargeError extends Schema.TaggedError<PayloadTooLargeError>()(
  "PayloadTooLargeError",
  errorFields
) {
  static readonly status = 413
}
/** 429: too many requests. */
export class TooManyRequestsError extends Schema.TaggedError<TooManyRequestsError>()(
  "TooManyRequestsError",
  errorFields
) {
  static readonly status = 429
}
/** 500: a fault of the server; the details are logged, never sent. */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", errorFields) {
  static readonly status = 500
}
/** 503: the server is up but cannot serve (storage unreachable). */
export class ServiceUnavailableError extends Schema.TaggedError<ServiceUnavailableError>()(
  "ServiceUnavailableError",
  errorFields
) {
  static readonly status = 503
}

/** Every wire error class. Each carries its HTTP status once, as `status`; everything else reads it there. */
export const errorClasses = [
  BadRequestError,
  UnauthorizedError,
  ConflictError,
  PayloadTooLargeError,
  TooManyRequestsError,
  ServerError,
  ServiceUnavailableError
] as const

/** Every error the API answers with. */
export type ApiError = InstanceType<(typeof errorClasses)[number]>

type ErrorClass<E> = Schema.Schema<E, any> & {
  new (props: { readonly error: ErrorDetail }): E
  readonly status: number
}

const Envelope = Schema.Struct(errorFields)

/**
 * The schema of an error on the wire: Razorpay's bare envelope (no `_tag`), decoded into the tagged
 * error class so that clients can `catchTag` it.
 */
const onTheWire = <E extends { readonly error: ErrorDetail }>(
  self: ErrorClass<E>,
  identifier: string,
  description: string
): Schema.Schema<E, typeof Envelope.Encoded> =>
  Schema.transform(Envelope, Schema.typeSchema(self), {
    strict: true,
    decode: (envelope) => new self({ error: envelope.error }),
    encode: (error) => ({ error: error.error })
  }).annotations({ identifier, description, ...HttpApiSchema.annotations({ status: self.status }) })

export const BadRequest = onTheWire(
  BadRequestError,
  "BadRequestError",
  "The request was refused: a field, the link's status, the id, the route or the body."
)
export const Unauthorized = onTheWire(
  UnauthorizedError,
  "UnauthorizedError",
  "Missing or malformed credentials, an unknown key id or a wrong secret."
)
export const Conflict = onTheWire(
  ConflictError,
  "ConflictError",
  "A request with the same Idempotency-Key is still being processed."
)
export const PayloadTooLarge = onTheWire(PayloadTooLargeError, "PayloadTooLargeError", "The body is over 1 MiB.")
export const TooManyRequests = onTheWire(TooManyRequestsError, "TooManyRequestsError", "Too many requests.")
export const InternalServerError = onTheWire(
  ServerError,
  "ServerError",
  "A fault of the server; it is logged with the request id."
)
export const ServiceUnavailable = onTheWire(
  ServiceUnavailableError,
  "ServiceUnavailableError",
  "The storage is not reachable."
)

// Entity mapping. Hand-written (not a schema encode) because it runs on every response: it builds the
// keys in the wire order directly, and a test proves its output is valid against `InvoiceEntity`.

const noCustomerDetails: CustomerDetails = {
  id: null,
  name: null,
  email: null,
  contact: null,
  gstin: null,
  billing_address: null,
  shipping_address: null,
  customer_name: null,
  customer_email: null,
  customer_contact: null
}

/** The wire entity of a link, as it stands (callers observe expiry before calling this). */
export const toEntity = (link: PaymentLink): InvoiceEntity => {
  const customer = link.customer
  const lastPayment = link.payments[link.payments.length - 1]
  return {
    id: link.id,
    entity: "invoice",
    receipt: link.receipt,
    invoice_number: link.receipt,
    customer_id: customer === null ? null : customer.id,
    customer: customer === null ? null : { name: customer.name, contact: customer.contact, email: customer.email },
    customer_details:
      customer === null
        ? noCustomerDetails
        : {
            id: customer.id,
            name: customer.name,
            email: customer.email,
            contact: customer.contact,
            gstin: null,
            billing_address: null,
            shipping_address: null,
            customer_name: customer.name,
            customer_email: customer.email,
            customer_contact: customer.contact
          },
    order_id: link.orderId,
    line_items: [],
    payment_id: lastPayment === undefined ? null : lastPayment.id,
    status: link.status,
    expire_by: link.expireBy,
    issued_at: link.issuedAt,
    paid_at: link.paidAt,
    cancelled_at: link.cancelledAt,
    expired_at: link.expiredAt,
    sms_status: link.smsStatus,
    email_status: link.emailStatus,
    date: link.issuedAt ?? link.createdAt,
    terms: null,
    partial_payment: link.partialPayment,
    first_payment_min_amount: link.firstPaymentMinAmount,
    gross_amount: link.amount,
    tax_amount: 0,
    taxable_amount: 0,
    amount: link.amount,
    amount_paid: link.amountPaid,
    amount_due: link.amount - link.amountPaid,
    currency: link.currency,
    currency_symbol: currencySymbol(link.currency),
    description: link.description,
    notes: link.notes,
    comment: null,
    short_url: link.shortUrl,
    view_less: link.viewLess,
    billing_start: null,
    billing_end: null,
    type: "link",
    group_taxes_discounts: false,
    reminder_enable: link.reminderEnable,
    user_id: null,
    created_at: link.createdAt,
    idempotency_key: link.idempotencyKey
  }
}

/** A page of links as Razorpay's collection. */
export const toCollection = (links: ReadonlyArray<PaymentLink>): InvoiceCollection => ({
  entity: "collection",
  count: links.length,
  items: links.map(toEntity)
})

/** The wire entity of one of a link's payments. */
export const toPaymentEntity = (link: PaymentLink, payment: Payment): PaymentEntity => ({
  id: payment.id,
  entity: "payment",
  amount: payment.amount,
  currency: payment.currency,
  status: payment.status,
  order_id: link.orderId,
  // A Payment Links payment belongs to no invoice; Razorpay reports it with its link's description.
  invoice_id: link.contract === "invoices" ? link.id : null,
  international: false,
  method: payment.method,
  amount_refunded: 0,
  refund_status: null,
  captured: true,
  description: link.contract === "invoices" ? `Invoice #${link.id}` : (link.description ?? ""),
  card_id: null,
  bank: null,
  wallet: null,
  vpa: null,
  email: link.customer?.email ?? null,
  contact: link.customer?.contact ?? null,
  notes: link.notes,
  fee: 0,
  tax: 0,
  error_code: null,
  error_description: null,
  created_at: payment.createdAt
})

/** The wire entity of a link's order. */
export const toOrderEntity = (link: PaymentLink): OrderEntity => ({
  id: link.orderId,
  entity: "order",
  amount: link.amount,
  amount_paid: link.amountPaid,
  amount_due: link.amount - link.amountPaid,
  currency: link.currency,
  receipt: link.receipt,
  offer_id: null,
  status: link.amountPaid === 0 ? "created" : link.amountPaid >= link.amount ? "paid" : "attempted",
  attempts: link.payments.length,
  notes: [],
  created_at: link.createdAt,
  ...(link.contract === "payment_links" ? { product_type: "payment_link_v2" as const } : {})
})
