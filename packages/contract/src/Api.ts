/**
 * The paylinks HTTP contract, defined once: the server walks it to register its routes, the typed
 * client derives its methods from it, and the OpenAPI document is generated from it.
 *
 * Free of Node and server imports: the typed client and the CLI load it cheaply.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import type { Principal } from "@paylinks/core/Merchants"
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as ApiExamples from "./ApiExamples.js"
import * as PaymentLinkWire from "./PaymentLinkWire.js"
import * as SandboxWire from "./SandboxWire.js"
import * as Wire from "./Wire.js"

/** The merchant and mode an authenticated request acts for. */
export class CurrentPrincipal extends Context.Tag("@paylinks/http/CurrentPrincipal")<CurrentPrincipal, Principal>() {}

/**
 * Razorpay's authentication: `Authorization: Basic base64(key_id:key_secret)`. Groups and endpoints
 * that carry this middleware are authenticated by the server before their handler runs, and their
 * handlers find the caller in `CurrentPrincipal`. A caller that failed to authenticate too often is
 * answered `429` before that, so every group carrying it also declares `TooManyRequests`.
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("@paylinks/http/Authorization", {
  failure: Wire.Unauthorized,
  provides: CurrentPrincipal,
  security: { basic: HttpApiSecurity.basic }
}) {}

// Path parameters are decoded as text (core parses the id and the medium, with its own refusals); the
// annotations only document them.
const LinkId = Schema.String.annotations({ description: "The link's id (`inv_…`)." })
const Medium = Schema.String.annotations({
  jsonSchema: { type: "string", enum: ["sms", "email"], description: "How to send the link: `sms` or `email`." }
})
const IdPath = Schema.Struct({ id: LinkId })

/** Payment Links as Razorpay's legacy invoices of `type=link` (docs/http-api.md#endpoints). */
export class InvoicesGroup extends HttpApiGroup.make("invoices")
  .add(
    HttpApiEndpoint.post("create", "/")
      .setPayload(Wire.CreateInvoiceRequest)
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(Wire.InvoiceEntity)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Create a Payment Link")
      .annotate(
        OpenApi.Description,
        "Creates a link in `issued` status. `type` must be `link`. Fields not listed are refused. " +
          "With an `Idempotency-Key` header the first answer is replayed for 24 hours."
      )
  )
  .add(
    HttpApiEndpoint.get("fetch", "/:id")
      .setPath(IdPath)
      .addSuccess(Wire.InvoiceEntity)
      .annotate(OpenApi.Summary, "Fetch a Payment Link")
      .annotate(
        OpenApi.Description,
        "A link past its `expire_by` reads as `expired`. Another merchant's or mode's link does not exist."
      )
  )
  .add(
    HttpApiEndpoint.get("list", "/")
      .setUrlParams(Wire.ListInvoicesParams)
      .addSuccess(Wire.InvoiceCollection)
      .annotate(OpenApi.Summary, "List Payment Links")
      .annotate(
        OpenApi.Description,
        "Newest first. Filters: `type`, `status`, `receipt`, `customer_id`, `payment_id`, `from`/`to` " +
          "(created_at bounds, inclusive), `count` (default 10, at most 100), `skip` (default 0)."
      )
  )
  .add(
    HttpApiEndpoint.patch("update", "/:id")
      .setPath(IdPath)
      .setPayload(Wire.UpdateInvoiceRequest)
      .addSuccess(Wire.InvoiceEntity)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Update a Payment Link")
      .annotate(
        OpenApi.Description,
        "An `issued` link takes `receipt`, `notes`, `expire_by`, `partial_payment`, `first_payment_min_amount` " +
          "and `reminder_enable`; a link in any other status takes `notes` only."
      )
  )
  .add(
    HttpApiEndpoint.post("cancel", "/:id/cancel")
      .setPath(IdPath)
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(Wire.InvoiceEntity)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Cancel a Payment Link")
      .annotate(
        OpenApi.Description,
        "Only an `issued` link can be cancelled; the answer is the link with `status: cancelled` and " +
          "`cancelled_at` set. Any other status is refused with `Operation not allowed for Invoice in <status> " +
          "status.` and nothing changes. Once cancelled, no payments can be accepted using the link."
      )
  )
  .add(
    HttpApiEndpoint.post("notifyBy", "/:id/notify_by/:medium")
      .setPath(Schema.Struct({ id: LinkId, medium: Medium }))
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(Wire.NotifyResult)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Send a Payment Link again")
      .annotate(OpenApi.Description, "Resends the link to the customer by `sms` or `email`.")
  )
  .addError(Wire.TooManyRequests)
  .middleware(Authorization)
  .prefix("/v1/invoices")
  .annotate(OpenApi.Description, "Payment Links (Razorpay's legacy invoices of type `link`).") {}

/**
 * A group annotation: its collection path (`/`) also answers with a trailing slash (`POST /v1/payment_links/`),
 * as the API it mirrors accepts. Groups without it keep a trailing slash an unknown route.
 */
export class TrailingSlash extends Context.Tag("@paylinks/contract/TrailingSlash")<TrailingSlash, boolean>() {}

const PaymentLinkIdPath = Schema.Struct({
  id: Schema.String.annotations({ description: "The link's id (`plink_…`)." })
})

/** Razorpay's current Payment Links API (docs/http-api.md#payment-links): the same links, another contract. */
export class PaymentLinksGroup extends HttpApiGroup.make("paymentLinks")
  .add(
    HttpApiEndpoint.post("create", "/")
      .setPayload(PaymentLinkWire.CreatePaymentLinkRequest)
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(PaymentLinkWire.PaymentLinkEntity)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Create a Payment Link")
      .annotate(
        OpenApi.Description,
        "Creates a standard or UPI link in `created` status. `reference_id` is unique among your links of this " +
          "mode. Fields not listed (the invoices' `receipt`, `partial_payment`, `type`, …) are refused. With an " +
          "`Idempotency-Key` header the first answer is replayed for 24 hours."
      )
  )
  .add(
    HttpApiEndpoint.get("fetch", "/:id")
      .setPath(PaymentLinkIdPath)
      .addSuccess(PaymentLinkWire.PaymentLinkEntity)
      .annotate(OpenApi.Summary, "Fetch a Payment Link")
      .annotate(
        OpenApi.Description,
        "A link past its `expire_by` reads as `expired`. A link of the invoices API, another merchant's or " +
          "another mode's does not exist here."
      )
  )
  .add(
    HttpApiEndpoint.get("list", "/")
      .setUrlParams(PaymentLinkWire.ListPaymentLinksParams)
      .addSuccess(PaymentLinkWire.PaymentLinkList)
      .annotate(OpenApi.Summary, "List Payment Links")
      .annotate(
        OpenApi.Description,
        "Newest first, as `{payment_links: […]}`. Filters: `payment_id`, `reference_id`, `upi_link`, `status`, " +
          "`from`/`to` (created_at bounds, inclusive), `count` (default 10, at most 100), `skip` (default 0)."
      )
  )
  .add(
    HttpApiEndpoint.patch("update", "/:id")
      .setPath(PaymentLinkIdPath)
      .setPayload(PaymentLinkWire.UpdatePaymentLinkRequest)
      .addSuccess(PaymentLinkWire.PaymentLinkEntity)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Update a Payment Link")
      .annotate(
        OpenApi.Description,
        "A `created` or `partially_paid` link takes `accept_partial`, `reference_id`, `expire_by`, `notes` and " +
          "`reminder_enable`; any other status is refused with `update can only be made in created or partially " +
          "paid state`."
      )
  )
  .add(
    HttpApiEndpoint.post("cancel", "/:id/cancel")
      .setPath(PaymentLinkIdPath)
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(PaymentLinkWire.PaymentLinkEntity)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Cancel a Payment Link")
      .annotate(
        OpenApi.Description,
        "Only a `created` link can be cancelled; the answer is the link with `status: cancelled` and " +
          "`cancelled_at` set. A paid or partially paid link, an expired or a cancelled one is refused and " +
          "nothing changes."
      )
  )
  .add(
    HttpApiEndpoint.post("notifyBy", "/:id/notify_by/:medium")
      .setPath(Schema.Struct({ id: PaymentLinkIdPath.fields.id, medium: Medium }))
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(Wire.NotifyResult)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Send a Payment Link again")
      .annotate(OpenApi.Description, "Resends the link to the customer by `sms` or `email`.")
  )
  .addError(Wire.TooManyRequests)
  .middleware(Authorization)
  .prefix("/v1/payment_links")
  .annotate(TrailingSlash, true)
  .annotate(OpenApi.Description, "Payment Links (Razorpay's current Payment Links API).") {}

/** Liveness and readiness, for orchestrators; no credentials needed. */
export class SystemGroup extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("healthz", "/healthz")
      .addSuccess(Wire.HealthStatus)
      .annotate(OpenApi.Summary, "Liveness: the process answers")
  )
  .add(
    HttpApiEndpoint.get("readyz", "/readyz")
      .addSuccess(Wire.HealthStatus)
      .addError(Wire.ServiceUnavailable)
      .annotate(OpenApi.Summary, "Readiness: the storage is reachable")
  )
  .annotate(OpenApi.Description, "Liveness and readiness, for orchestrators; no credentials needed.") {}

/**
 * The sandbox extensions (docs/http-api.md#sandbox-extensions), for an integration's own tests: what a customer or time
 * would do. Test-mode keys only; a live key gets the ordinary "URL not found" refusal.
 */
export class SandboxGroup extends HttpApiGroup.make("sandbox")
  .add(
    HttpApiEndpoint.post("pay", "/invoices/:id/payments")
      .setPath(IdPath)
      .setPayload(SandboxWire.SandboxPaymentRequest)
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(SandboxWire.SandboxPaymentResult)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Make a sandbox payment")
      .annotate(
        OpenApi.Description,
        "A captured payment, exactly as the hosted page makes it: `amount` (minor units) defaults to the amount " +
          'due, `method` to `card`. Answers `{entity: "sandbox_payment", payment, invoice}`: the payment entity ' +
          "and the link after it. Refusals are the domain's (e.g. `Payment amount exceeds the amount due.`)."
      )
  )
  .add(
    HttpApiEndpoint.post("payPaymentLink", "/payment_links/:id/payments")
      .setPath(PaymentLinkIdPath)
      .setPayload(SandboxWire.SandboxPaymentRequest)
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(SandboxWire.SandboxPaymentLinkPaymentResult)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Make a sandbox payment on a Payment Link")
      .annotate(
        OpenApi.Description,
        "The same captured payment on a link of the Payment Links API: answers " +
          '`{entity: "sandbox_payment", payment, payment_link}`. Refusals are the domain\'s.'
      )
  )
  .add(
    HttpApiEndpoint.get("clock", "/clock")
      .addSuccess(SandboxWire.TestClockEntity)
      .annotate(OpenApi.Summary, "Read the test clock")
      .annotate(OpenApi.Description, "The merchant's test-mode clock: its offset from real time and its current time.")
  )
  .add(
    HttpApiEndpoint.post("advanceClock", "/clock")
      .setPayload(SandboxWire.AdvanceClockRequest)
      .setHeaders(Wire.IdempotencyHeaders)
      .addSuccess(SandboxWire.TestClockEntity)
      .addError(Wire.Conflict)
      .addError(Wire.PayloadTooLarge)
      .annotate(OpenApi.Summary, "Advance the test clock")
      .annotate(
        OpenApi.Description,
        "Moves the merchant's test-mode clock forward by `advance_by` seconds. Links that are due by the new time " +
          "are expired before the answer, and their `invoice.expired` events are emitted. Other merchants and " +
          "live mode are not affected."
      )
  )
  .add(
    HttpApiEndpoint.get("inbox", "/inbox")
      .setUrlParams(SandboxWire.InboxParams)
      .addSuccess(SandboxWire.InboxCollection)
      .annotate(OpenApi.Summary, "Read the sandbox inbox")
      .annotate(
        OpenApi.Description,
        "The SMS and emails sent to customers through the sandbox notifier (channels with no SMTP server or SMS " +
          "provider configured), newest first. Filters: `channel` (`sms` or `email`), `invoice_id`, `count` " +
          "(default 10, at most 100). Only this merchant's test-mode messages."
      )
  )
  .addError(Wire.TooManyRequests)
  .middleware(Authorization)
  .prefix("/v1/sandbox")
  .annotate(OpenApi.Description, "Sandbox extensions for test mode: payments, the test clock and the inbox.") {}

const badRequestDescription = Option.getOrElse(SchemaAST.getDescriptionAnnotation(Wire.BadRequest.ast), () => "")
const DECODE_ERROR_SCHEMAS = ["HttpApiDecodeError", "Issue", "PropertyKey"]
const isDecodeErrorRef = (schema: unknown): boolean =>
  typeof schema === "object" &&
  schema !== null &&
  (schema as { $ref?: unknown }).$ref === "#/components/schemas/HttpApiDecodeError"

/**
 * `HttpApi` documents its own decode error on every 400, but this server never answers with it:
 * every 400 is Razorpay's envelope. The document is rewritten to say so.
 */
const withoutDecodeError = (spec: Record<string, any>): Record<string, any> => {
  for (const item of Object.values<Record<string, any>>(spec.paths ?? {})) {
    for (const operation of Object.values<Record<string, any>>(item)) {
      const response = operation?.responses?.["400"]
      if (response === undefined) continue
      for (const media of Object.values<Record<string, any>>(response.content ?? {})) {
        const anyOf = media.schema?.anyOf
        if (!Array.isArray(anyOf)) continue
        const rest = anyOf.filter((schema) => !isDecodeErrorRef(schema))
        media.schema = rest.length === 1 ? rest[0] : { anyOf: rest }
      }
      response.description = badRequestDescription
    }
  }
  const schemas = spec.components?.schemas
  if (schemas !== undefined) for (const name of DECODE_ERROR_SCHEMAS) delete schemas[name]
  return spec
}

const FORM = "application/x-www-form-urlencoded"

const FORM_DESCRIPTION =
  "JSON, or form-encoded as `curl -d` and Razorpay's SDKs send it: `customer[name]=…`, `notes[key]=…`; in a " +
  "form, integers are digits and booleans `true`/`false` or `1`/`0`."

const schemaAt = (
  spec: Record<string, any>,
  schema: Record<string, any> | undefined
): Record<string, any> | undefined =>
  typeof schema?.$ref === "string"
    ? spec.components?.schemas?.[schema.$ref.slice(schema.$ref.lastIndexOf("/") + 1)]
    : schema

/** Whether a property is an object (or null): sent as `name[key]=value` in a form. */
const isObject = (spec: Record<string, any>, schema: Record<string, any>): boolean => {
  const members: Array<Record<string, any>> = Array.isArray(schema.anyOf) ? schema.anyOf : [schema]
  return members.some((member) => schemaAt(spec, member)?.type === "object")
}

/**
 * The server reads every body as JSON or, with `Content-Type: application/x-www-form-urlencoded`, as a
 * form (`internal/body.ts` of the HTTP server): the document declares both, with the bracketed keys of
 * nested objects as OpenAPI's `deepObject`.
 */
const withFormBodies = (spec: Record<string, any>): Record<string, any> => {
  for (const item of Object.values<Record<string, any>>(spec.paths ?? {}))
    for (const operation of Object.values<Record<string, any>>(item)) {
      const body = operation?.requestBody
      const json = body?.content?.["application/json"]
      if (json === undefined) continue
      const properties: Record<string, any> = schemaAt(spec, json.schema)?.properties ?? {}
      const encoding = Object.fromEntries(
        Object.entries(properties)
          .filter(([, property]) => isObject(spec, property))
          .map(([name]) => [name, { style: "deepObject", explode: true }])
      )
      body.content[FORM] = { schema: json.schema, ...(Object.keys(encoding).length === 0 ? {} : { encoding }) }
      body.description = FORM_DESCRIPTION
    }
  return spec
}

/** Every operation's examples (`ApiExamples`): its request, and an answer for each status it declares. */
const withExamples = (spec: Record<string, any>): Record<string, any> => {
  const all = ApiExamples.examples()
  const common = ApiExamples.commonAnswers()
  for (const item of Object.values<Record<string, any>>(spec.paths ?? {}))
    for (const operation of Object.values<Record<string, any>>(item)) {
      const examples = all[operation?.operationId]
      if (examples === undefined) continue
      const json = operation.requestBody?.content?.["application/json"]
      if (json !== undefined && examples.request !== undefined)
        json.examples = { example: { summary: examples.summary, value: examples.request } }
      for (const [status, response] of Object.entries<Record<string, any>>(operation.responses ?? {})) {
        const media = response.content?.["application/json"]
        const value = examples.responses[Number(status)] ?? common[Number(status)]
        if (media === undefined || value === undefined) continue
        // A refusal's example is summed up by its own text.
        const summary: unknown = status.startsWith("2") ? examples.summary : (value as any)?.error?.description
        media.examples = { example: { summary: typeof summary === "string" ? summary : response.description, value } }
      }
    }
  return spec
}

const ENVELOPE = "ErrorEnvelope"

/**
 * The answers the server gives on the head of any request, before it is routed (a foreign `Host`, a
 * request too slow to arrive, a server at its connection cap): declared on every operation, in the
 * envelope. `/readyz` keeps its own 503 (storage unreachable), which says more.
 */
const withServerAnswers = (spec: Record<string, any>): Record<string, any> => {
  const answers = ApiExamples.serverAnswers()
  spec.components.schemas[ENVELOPE] = {
    type: "object",
    description: "Razorpay's error envelope.",
    required: ["error"],
    properties: { error: { $ref: "#/components/schemas/ErrorDetail" } },
    additionalProperties: false
  }
  for (const item of Object.values<Record<string, any>>(spec.paths ?? {}))
    for (const operation of Object.values<Record<string, any>>(item)) {
      const responses: Record<string, any> = operation.responses
      for (const [status, answer] of Object.entries(answers)) {
        if (responses[status] !== undefined) continue
        const value = {
          error: { code: answer.code, description: answer.text, source: "NA", step: "NA", reason: "NA", metadata: {} }
        }
        responses[status] = {
          description: answer.description,
          content: {
            "application/json": {
              schema: { $ref: `#/components/schemas/${ENVELOPE}` },
              examples: { example: { summary: answer.text, value } }
            }
          }
        }
      }
      // In status order, as the rest of the document lists them.
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)))
    }
  return spec
}

/** The whole paylinks API. */
export class Api extends HttpApi.make("paylinks")
  .add(InvoicesGroup)
  .add(PaymentLinksGroup)
  .add(SystemGroup)
  .add(SandboxGroup)
  .addError(Wire.BadRequest)
  .addError(Wire.InternalServerError)
  .annotate(OpenApi.Transform, (spec) => withServerAnswers(withExamples(withFormBodies(withoutDecodeError(spec)))))
  .annotateContext(
    OpenApi.annotations({
      title: "paylinks",
      version: "1",
      license: { name: "MIT", url: "https://spdx.org/licenses/MIT.html" },
      // Relative: the document is served by the server it describes, at that server's own address.
      servers: [{ url: "/", description: "The server this document is served by." }],
      description:
        "A Razorpay-compatible Payment Links API. Requests and answers are Razorpay's JSON; every error is " +
        'Razorpay\'s envelope `{"error":{"code","description","source","step","reason","metadata",' +
        '"field"?}}`.'
    })
  ) {}
