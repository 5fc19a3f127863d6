/**
 * The examples of the OpenAPI document: for every endpoint a realistic request and its answers, the
 * refusals included. The refusals are built by the code that refuses (core's `validate…`, its domain
 * errors and `WireErrors`), so their texts are the server's; a test decodes every example with the
 * endpoint's schemas and checks the requests pass core's validation.
 *
 * Built on demand (`examples()`), when the document is generated: loading the contract costs nothing.
 */
import * as Contracts from "@paylinks/core/Contracts"
import { invalid, LinkNotFound, OperationNotAllowed } from "@paylinks/core/DomainError"
import { CustomerId, MerchantId, OrderId, PaymentId, PaymentLinkId, ShortCode } from "@paylinks/core/Ids"
import * as Money from "@paylinks/core/Money"
import * as Tenant from "@paylinks/core/Tenant"
import * as Transitions from "@paylinks/core/Transitions"
import * as Validation from "@paylinks/core/Validation"
import * as Either from "effect/Either"
import * as PaymentLinkWire from "./PaymentLinkWire.js"
import * as SandboxWire from "./SandboxWire.js"
import type * as Wire from "./Wire.js"
import * as WireErrors from "./WireErrors.js"

/** What an endpoint's examples are: the request body (if it takes one) and answers by status. */
export interface OperationExamples {
  readonly summary: string
  readonly request?: Readonly<Record<string, unknown>>
  readonly responses: Readonly<Record<number, unknown>>
}

/** 2026-01-01T00:00:00Z, the moment the examples happen. */
const T0 = 1_767_225_600
const DAY = 86_400

const LINK_ID = "inv_Q7bM2kFz9XwL4e"
const ORDER_ID = "order_Q7bM2kG1aTnR8c"
const CUSTOMER_ID = "cust_Q7bM2kFqYd3H5s"
const PAYMENT_ID = "pay_Q7bN0sVw6JkP2r"
const SHORT_URL = "https://pay.example.com/i/Xk29bQ7m"

const customer = { name: "Asha Verma", contact: "+919876543210", email: "asha.verma@example.com" }

const createRequest = {
  type: "link",
  amount: 50_000,
  currency: "INR",
  description: "Annual membership, Riverside Yoga",
  receipt: "rcpt-1042",
  customer: { name: customer.name, email: customer.email, contact: customer.contact },
  expire_by: T0 + 31 * DAY,
  sms_notify: true,
  email_notify: true,
  reminder_enable: true,
  notes: { plan: "annual", branch: "Indiranagar" }
} satisfies Wire.CreateInvoiceRequest

const issued: Wire.InvoiceEntity = {
  id: LINK_ID,
  entity: "invoice",
  receipt: "rcpt-1042",
  invoice_number: "rcpt-1042",
  customer_id: CUSTOMER_ID,
  customer,
  customer_details: {
    id: CUSTOMER_ID,
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
  order_id: ORDER_ID,
  line_items: [],
  payment_id: null,
  status: "issued",
  expire_by: T0 + 31 * DAY,
  issued_at: T0,
  paid_at: null,
  cancelled_at: null,
  expired_at: null,
  sms_status: "pending",
  email_status: "pending",
  date: T0,
  terms: null,
  partial_payment: false,
  first_payment_min_amount: null,
  gross_amount: 50_000,
  tax_amount: 0,
  taxable_amount: 0,
  amount: 50_000,
  amount_paid: 0,
  amount_due: 50_000,
  currency: "INR",
  currency_symbol: "₹",
  description: "Annual membership, Riverside Yoga",
  notes: { plan: "annual", branch: "Indiranagar" },
  comment: null,
  short_url: SHORT_URL,
  view_less: true,
  billing_start: null,
  billing_end: null,
  type: "link",
  group_taxes_discounts: false,
  reminder_enable: true,
  user_id: null,
  created_at: T0,
  idempotency_key: null
}

const sent: Wire.InvoiceEntity = { ...issued, sms_status: "sent", email_status: "sent" }

const updateRequest = {
  receipt: "rcpt-1042-b",
  expire_by: T0 + 45 * DAY,
  notes: { plan: "annual", branch: "Koramangala" }
} satisfies Wire.UpdateInvoiceRequest

const updated: Wire.InvoiceEntity = {
  ...sent,
  receipt: "rcpt-1042-b",
  invoice_number: "rcpt-1042-b",
  expire_by: T0 + 45 * DAY,
  notes: { plan: "annual", branch: "Koramangala" }
}

const cancelled: Wire.InvoiceEntity = { ...sent, status: "cancelled", cancelled_at: T0 + 2 * DAY }

const PAID_AT = T0 + DAY + 3_600

const paid: Wire.InvoiceEntity = {
  ...sent,
  payment_id: PAYMENT_ID,
  status: "paid",
  paid_at: PAID_AT,
  amount_paid: 50_000,
  amount_due: 0
}

const payment: Wire.PaymentEntity = {
  id: PAYMENT_ID,
  entity: "payment",
  amount: 50_000,
  currency: "INR",
  status: "captured",
  order_id: ORDER_ID,
  invoice_id: LINK_ID,
  international: false,
  method: "upi",
  amount_refunded: 0,
  refund_status: null,
  captured: true,
  description: `Invoice #${LINK_ID}`,
  card_id: null,
  bank: null,
  wallet: null,
  vpa: null,
  email: customer.email,
  contact: customer.contact,
  notes: { plan: "annual", branch: "Indiranagar" },
  fee: 0,
  tax: 0,
  error_code: null,
  error_description: null,
  created_at: PAID_AT
}

const inbox: SandboxWire.InboxCollection = {
  entity: "collection",
  count: 1,
  items: [
    {
      id: "msg_Q7bM2kHc5UvE1y",
      entity: "sandbox_message",
      invoice_id: LINK_ID,
      channel: "sms",
      to: customer.contact,
      subject: null,
      text: `Riverside Yoga requests a payment of INR 500.00 for "Annual membership, Riverside Yoga". Pay here: ${SHORT_URL}`,
      created_at: T0
    }
  ]
}

// The Payment Links examples are one example link taken through core's transitions and rendered by the
// contract's mapper, so they are what the server answers.

const paymentLinkRequest = {
  amount: 50_000,
  currency: "INR",
  accept_partial: false,
  expire_by: T0 + 31 * DAY,
  reference_id: "TS-1042",
  description: "Annual membership, Riverside Yoga",
  customer: { name: customer.name, email: customer.email, contact: customer.contact },
  notify: { sms: true, email: true },
  reminder_enable: true,
  notes: { plan: "annual", branch: "Indiranagar" },
  callback_url: "https://riverside-yoga.example.com/paid",
  callback_method: "get"
} satisfies PaymentLinkWire.CreatePaymentLinkRequest

const paymentLinkUpdateRequest = {
  reference_id: "TS-1042-b",
  expire_by: T0 + 45 * DAY,
  notes: { plan: "annual", branch: "Koramangala" }
} satisfies PaymentLinkWire.UpdatePaymentLinkRequest

const exampleLinks = () => {
  const command = Either.getOrThrow(Validation.validateCreatePaymentLink(paymentLinkRequest, { now: T0, mode: "test" }))
  const issued = Transitions.issue(
    command,
    {
      tenant: Tenant.make(MerchantId.make("acc_Q7bLz0cRyA2m9T"), "test"),
      contract: "payment_links",
      id: PaymentLinkId.make("plink_Q7bM2kFz9XwL4e"),
      orderId: OrderId.make(ORDER_ID),
      shortCode: ShortCode.make("Xk29bQ7m"),
      shortUrl: SHORT_URL,
      customer: Transitions.newCustomer(CustomerId.make(CUSTOMER_ID), command.customer!),
      keyId: null,
      idempotencyKey: null
    },
    T0
  ).link
  const update = Either.getOrThrow(Validation.validateUpdatePaymentLink(paymentLinkUpdateRequest, issued, T0 + DAY))
  return {
    issued,
    updated: Either.getOrThrow(Transitions.update(issued, update, T0 + DAY, Contracts.paymentLinks.update)).link,
    cancelled: Either.getOrThrow(Transitions.cancel(issued, T0 + 2 * DAY)).link,
    paid: Either.getOrThrow(
      Transitions.pay(issued, { amount: null, method: "upi" }, PaymentId.make(PAYMENT_ID), T0 + DAY + 3_600)
    ).link
  }
}

/** The envelope of a refusal, exactly as it is sent. */
const envelope = (error: Wire.ApiError): unknown => JSON.parse(WireErrors.body(error))

/** The envelope of one of core's refusals. */
const domain = (error: WireErrors.DomainError): unknown => envelope(WireErrors.fromDomain(error))

/** The refusal core's validation gives for an input; nothing if it accepts it. */
const refused = (outcome: Either.Either<unknown, WireErrors.DomainError>): unknown =>
  Either.match(outcome, {
    onLeft: domain,
    // Left out rather than wrong: the examples test then names the endpoint.
    onRight: () => undefined
  })

/** Answers every endpoint of its kind can give, whatever it does. */
export const commonAnswers = (): Readonly<Record<number, unknown>> => ({
  400: envelope(WireErrors.routeNotFound()),
  401: envelope(WireErrors.unauthorized()),
  409: envelope(WireErrors.idempotencyInProgress()),
  413: envelope(WireErrors.bodyTooLarge()),
  429: envelope(WireErrors.tooManyRequests()),
  500: envelope(WireErrors.serverError()),
  503: envelope(WireErrors.notReady())
})

/**
 * The answers the server gives before it routes a request, on any endpoint (docs/http-api.md#hosts and
 * the server's limits): their status, what they mean and their envelope. The texts are the HTTP server's
 * (`Admission.texts`; its test compares them).
 */
export const serverAnswers = (): Readonly<
  Record<number, { readonly description: string; readonly code: string; readonly text: string }>
> => ({
  408: {
    description: "The request did not arrive in time (`PAYLINKS_HEADERS_TIMEOUT`, `PAYLINKS_REQUEST_TIMEOUT`).",
    code: "BAD_REQUEST_ERROR",
    text: "The request was not received in time."
  },
  421: {
    description: "The `Host` is not one this server serves (`PAYLINKS_PUBLIC_URL`, `PAYLINKS_ALLOWED_HOSTS`).",
    code: "BAD_REQUEST_ERROR",
    text: "The requested host is not served here."
  },
  503: {
    description: "The server holds as many connections as it takes (`PAYLINKS_MAX_CONNECTIONS`).",
    code: "SERVER_ERROR",
    text: "The server is busy. Retry later."
  }
})

/** A state refusal of the Payment Links contract, with its own text. */
const paymentLinkRefusal = (error: OperationNotAllowed): unknown =>
  envelope(WireErrors.badRequest(PaymentLinkWire.refusalText(error)))

/** The examples of every endpoint, by its operation id (`group.endpoint`). */
export const examples = (): Readonly<Record<string, OperationExamples>> => ({
  ...paymentLinkExamples(),
  "invoices.create": {
    summary: "A link for ₹500.00, sent to the customer by SMS and email",
    request: createRequest,
    responses: {
      200: issued,
      400: refused(Validation.validateCreate({ ...createRequest, amount: 50 }, T0))
    }
  },
  "invoices.fetch": {
    summary: "A link that was sent to its customer",
    responses: { 200: sent, 400: domain(new LinkNotFound({ id: "inv_Q7bM2kFz9XwL4f" })) }
  },
  "invoices.list": {
    summary: "The newest link",
    responses: {
      200: { entity: "collection", count: 1, items: [sent] },
      400: refused(Validation.validateListQuery({ count: "500" }))
    }
  },
  "invoices.update": {
    summary: "A new receipt, a later expiry and changed notes",
    request: updateRequest,
    responses: {
      200: updated,
      400: refused(
        Validation.validateUpdate(
          { expire_by: T0 + 60 },
          { amount: 50_000, currency: Money.INR, createdAt: T0, partialPayment: false, firstPaymentMinAmount: null },
          T0 + DAY
        )
      )
    }
  },
  "invoices.cancel": {
    summary: "An issued link cancelled",
    responses: { 200: cancelled, 400: domain(new OperationNotAllowed({ status: "paid", operation: "cancel" })) }
  },
  "invoices.notifyBy": {
    summary: "The link sent again by SMS",
    responses: { 200: { success: true }, 400: domain(new OperationNotAllowed({ status: "paid", operation: "notify" })) }
  },
  "system.healthz": { summary: "The process answers", responses: { 200: { status: "ok" } } },
  "system.readyz": { summary: "The storage is reachable", responses: { 200: { status: "ok" } } },
  "sandbox.pay": {
    summary: "The amount due paid by UPI",
    request: { method: "upi" } satisfies SandboxWire.SandboxPaymentRequest,
    responses: {
      200: { entity: "sandbox_payment", payment, invoice: paid } satisfies SandboxWire.SandboxPaymentResult,
      400: refused(Validation.validatePayment({ amount: 0, method: "upi" }))
    }
  },
  "sandbox.payPaymentLink": {
    summary: "A Payment Link's amount due paid by UPI",
    request: { method: "upi" } satisfies SandboxWire.SandboxPaymentRequest,
    responses: {
      200: (() => {
        const { paid } = exampleLinks()
        return SandboxWire.toSandboxPaymentLinkPayment(paid, paid.payments[0]!)
      })(),
      400: refused(Validation.validatePayment({ amount: 0, method: "upi" }))
    }
  },
  "sandbox.clock": {
    summary: "A clock a day ahead",
    responses: { 200: { entity: "test_clock", offset: DAY, now: T0 + DAY } satisfies SandboxWire.TestClockEntity }
  },
  "sandbox.advanceClock": {
    summary: "The clock moved a day forward",
    request: { advance_by: DAY } satisfies SandboxWire.AdvanceClockRequest,
    responses: {
      200: { entity: "test_clock", offset: 2 * DAY, now: T0 + 2 * DAY } satisfies SandboxWire.TestClockEntity,
      400: refused(Validation.validateClockAdvance({ advance_by: -60 }))
    }
  },
  "sandbox.inbox": {
    summary: "The SMS the link was sent by",
    responses: { 200: inbox, 400: refused(Validation.validateInboxQuery({ channel: "fax" })) }
  }
})

const paymentLinkExamples = (): Readonly<Record<string, OperationExamples>> => {
  const links = exampleLinks()
  const entity = PaymentLinkWire.toPaymentLinkEntity
  return {
    "paymentLinks.create": {
      summary: "A link for ₹500.00, sent to the customer by SMS and email",
      request: paymentLinkRequest,
      responses: {
        200: entity(links.issued),
        400: refused(
          Validation.validateCreatePaymentLink({ ...paymentLinkRequest, amount: 50 }, { now: T0, mode: "test" })
        )
      }
    },
    "paymentLinks.fetch": {
      summary: "A link that was paid",
      responses: { 200: entity(links.paid), 400: domain(new LinkNotFound({ id: "plink_Q7bM2kFz9XwL4f" })) }
    },
    "paymentLinks.list": {
      summary: "The newest link",
      responses: {
        200: PaymentLinkWire.toPaymentLinkList([links.issued]),
        400: refused(Validation.validatePaymentLinkListQuery({ count: "500" }))
      }
    },
    "paymentLinks.update": {
      summary: "A new reference, a later expiry and changed notes",
      request: paymentLinkUpdateRequest,
      responses: {
        200: entity(links.updated),
        400: paymentLinkRefusal(new OperationNotAllowed({ status: "paid", operation: "update" }))
      }
    },
    "paymentLinks.cancel": {
      summary: "A created link cancelled",
      responses: {
        200: entity(links.cancelled),
        400: paymentLinkRefusal(new OperationNotAllowed({ status: "paid", operation: "cancel" }))
      }
    },
    "paymentLinks.notifyBy": {
      summary: "The link sent again by email",
      responses: {
        200: { success: true },
        400: domain(invalid("medium", Contracts.paymentLinks.invalidMedium("fax")))
      }
    }
  }
}
