/**
 * Webhook endpoints (docs/webhooks.md): per tenant, a URL, the secret that signs every delivery, the
 * events it subscribes to, and whether it is enabled. The dispatcher disables an endpoint that kept
 * failing for the whole retry window and records why, so the merchant can see it and turn it back on.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { invalid, type ValidationFailed } from "./DomainError.js"
import { MerchantId } from "./Ids.js"
import { Mode, type Tenant } from "./Tenant.js"

/**
 * The events an endpoint can subscribe to: the invoices API's three Razorpay events plus paylinks' opt-in
 * `invoice.cancelled`, and the Payment Links API's four.
 */
export const WebhookEventName = Schema.Literal(
  "invoice.partially_paid",
  "invoice.paid",
  "invoice.expired",
  "invoice.cancelled",
  "payment_link.paid",
  "payment_link.partially_paid",
  "payment_link.cancelled",
  "payment_link.expired"
)
export type WebhookEventName = typeof WebhookEventName.Type

export const webhookEventNames: ReadonlyArray<WebhookEventName> = WebhookEventName.literals

/**
 * What an endpoint gets when it names no events: the events Razorpay sends (a legacy cancel sends nothing
 * there; a Payment Links cancel does).
 */
export const defaultEvents: ReadonlyArray<WebhookEventName> = [
  "invoice.partially_paid",
  "invoice.paid",
  "invoice.expired",
  "payment_link.paid",
  "payment_link.partially_paid",
  "payment_link.cancelled",
  "payment_link.expired"
]

export class WebhookEndpoint extends Schema.Class<WebhookEndpoint>("WebhookEndpoint")({
  /** `wh_` + 14 base62 characters. */
  id: Schema.String,
  merchantId: MerchantId,
  mode: Mode,
  url: Schema.String,
  /** Signs each delivery: `X-Razorpay-Signature` = hex HMAC-SHA256(secret, raw body). */
  secret: Schema.String,
  events: Schema.Array(WebhookEventName),
  enabled: Schema.Boolean,
  disabledAt: Schema.NullOr(Schema.Int),
  /** Why the endpoint was disabled (the dispatcher's give-up, or the merchant), null while enabled. */
  disabledReason: Schema.NullOr(Schema.String),
  createdAt: Schema.Int,
  updatedAt: Schema.Int
}) {
  /** Whether this endpoint takes deliveries of `event` now. */
  receives(event: WebhookEventName): boolean {
    return this.enabled && this.events.includes(event)
  }
}

/** No endpoint with that id in the caller's tenant. */
export class EndpointNotFound extends Data.TaggedError("EndpointNotFound")<{ readonly id: string }> {
  override get message(): string {
    return `No webhook endpoint ${this.id}`
  }
}

/** The longest URL an endpoint may have. */
export const MAX_URL_LENGTH = 2048

interface ParsedUrl {
  readonly href: string
  readonly protocol: string
  readonly username: string
  readonly password: string
  readonly hash: string
}

/** The WHATWG URL parser, as Node and every browser expose it on `globalThis` (core compiles without DOM or Node types). */
const UrlParser = (globalThis as unknown as { URL: new (input: string) => ParsedUrl }).URL

/** An endpoint URL must be absolute http(s), without credentials or a fragment; returns it normalised. */
export const validateUrl = (raw: unknown): Either.Either<string, ValidationFailed> => {
  if (typeof raw !== "string" || raw.trim() === "") return Either.left(invalid("url", "The url field is required."))
  const text = raw.trim()
  if (text.length > MAX_URL_LENGTH)
    return Either.left(invalid("url", `The url may not be greater than ${MAX_URL_LENGTH} characters.`))
  let url: ParsedUrl
  try {
    url = new UrlParser(text)
  } catch {
    return Either.left(invalid("url", "The url format is invalid."))
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return Either.left(invalid("url", "The url must use http or https."))
  if (url.username !== "" || url.password !== "")
    return Either.left(invalid("url", "The url may not contain credentials."))
  if (url.hash !== "") return Either.left(invalid("url", "The url may not contain a fragment."))
  return Either.right(url.href)
}

/**
 * Event names as given (a list, or comma-separated text); none means `defaultEvents`, `*` every event.
 * Duplicates collapse.
 */
export const validateEvents = (raw: unknown): Either.Either<ReadonlyArray<WebhookEventName>, ValidationFailed> => {
  if (raw === undefined || raw === null) return Either.right(defaultEvents)
  const items = typeof raw === "string" ? raw.split(",") : Array.isArray(raw) ? raw : undefined
  if (items === undefined) return Either.left(invalid("events", "The events must be a list of event names."))
  const names: Array<WebhookEventName> = []
  for (const item of items) {
    const name = typeof item === "string" ? item.trim() : item
    if (name === "") continue
    if (name === "*") return Either.right(webhookEventNames)
    if (!Schema.is(WebhookEventName)(name))
      return Either.left(
        invalid("events", `${String(name)} is not a valid event. Valid events: ${webhookEventNames.join(", ")}.`)
      )
    if (!names.includes(name)) names.push(name)
  }
  if (names.length === 0) return Either.left(invalid("events", "The events must name at least one event."))
  return Either.right(webhookEventNames.filter((name) => names.includes(name)))
}

export interface WebhookEndpointsShape {
  readonly create: (endpoint: WebhookEndpoint) => Effect.Effect<void>
  /** The tenant's endpoints, oldest first. */
  readonly list: (tenant: Tenant) => Effect.Effect<ReadonlyArray<WebhookEndpoint>>
  readonly find: (tenant: Tenant, id: string) => Effect.Effect<Option.Option<WebhookEndpoint>>
  /** Replaces the stored endpoint of the same id and tenant. */
  readonly update: (endpoint: WebhookEndpoint) => Effect.Effect<void, EndpointNotFound>
  /** Removes the endpoint with its delivery history. */
  readonly remove: (tenant: Tenant, id: string) => Effect.Effect<void, EndpointNotFound>
  /** The tenant's enabled endpoints subscribed to `event`, oldest first. */
  readonly subscribed: (tenant: Tenant, event: WebhookEventName) => Effect.Effect<ReadonlyArray<WebhookEndpoint>>
}

export class WebhookEndpoints extends Context.Tag("@paylinks/core/WebhookEndpoints")<
  WebhookEndpoints,
  WebhookEndpointsShape
>() {}
