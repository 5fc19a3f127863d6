/**
 * Managing webhooks (what `paylinks webhooks add|list|update|remove|deliveries|redeliver` does):
 * endpoints per tenant with their secret and events, the delivery log, and redelivery of one event
 * or of every event in a time range. Live-mode URLs are checked against the SSRF guard when they are
 * registered (and again at every delivery).
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { invalid, type ValidationFailed } from "@paylinks/core/DomainError"
import { IdGenerator } from "@paylinks/core/IdGenerator"
import type { Tenant } from "@paylinks/core/Tenant"
import { type Attempt, type Delivery, type DeliveryFilter, WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import {
  EndpointNotFound,
  validateEvents,
  validateUrl,
  WebhookEndpoint,
  WebhookEndpoints
} from "@paylinks/core/WebhookEndpoints"
import * as AddressGuard from "./AddressGuard.js"
import * as Wake from "./Wake.js"

/** `add`'s input; events default to Razorpay's three, the secret to a generated one. */
export interface AddInput {
  readonly url: unknown
  readonly secret?: unknown
  readonly events?: unknown
}

/** `update`'s input: only what is given changes. Enabling clears the disabled reason. */
export interface UpdateInput {
  readonly url?: unknown
  readonly secret?: unknown
  readonly events?: unknown
  readonly enabled?: boolean | undefined
}

/** What to redeliver: one event, or every event written in a time range (unix seconds, inclusive). */
export type RedeliverSelector = { readonly eventId: string } | { readonly from: number; readonly to: number }

export interface RedeliverOptions {
  /** Only to this endpoint; every enabled endpoint subscribed to the event otherwise. */
  readonly endpointId?: string | undefined
}

/** A delivery with its attempts, newest delivery first. */
export interface DeliveryLog extends Delivery {
  readonly attemptLog: ReadonlyArray<Attempt>
}

export interface WebhookRegistryShape {
  /** Registers an endpoint; the secret is returned here (generated when not given). */
  readonly add: (tenant: Tenant, input: AddInput) => Effect.Effect<WebhookEndpoint, ValidationFailed>
  readonly list: (tenant: Tenant) => Effect.Effect<ReadonlyArray<WebhookEndpoint>>
  readonly get: (tenant: Tenant, id: string) => Effect.Effect<WebhookEndpoint, EndpointNotFound>
  readonly update: (
    tenant: Tenant,
    id: string,
    input: UpdateInput
  ) => Effect.Effect<WebhookEndpoint, EndpointNotFound | ValidationFailed>
  readonly remove: (tenant: Tenant, id: string) => Effect.Effect<void, EndpointNotFound>
  readonly deliveries: (tenant: Tenant, filter: DeliveryFilter) => Effect.Effect<ReadonlyArray<DeliveryLog>>
  /** Schedules the selected events again, due now, with a fresh retry window; returns how many deliveries. */
  readonly redeliver: (
    tenant: Tenant,
    selector: RedeliverSelector,
    options?: RedeliverOptions
  ) => Effect.Effect<number, EndpointNotFound | ValidationFailed>
}

export class WebhookRegistry extends Context.Tag("@paylinks/webhooks/WebhookRegistry")<
  WebhookRegistry,
  WebhookRegistryShape
>() {}

export interface RegistryOptions {
  /** As the dispatcher's `allowPrivateAddresses` (`PAYLINKS_WEBHOOK_ALLOW_PRIVATE`). */
  readonly allowPrivateAddresses: boolean
  /** As the dispatcher's `retryWindowSeconds`: a redelivery is retried this long. */
  readonly retryWindowSeconds: number
}

/** The length of generated endpoint secrets. */
export const SECRET_LENGTH = 32

const nowSeconds = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

const validateSecret = (raw: unknown): Either.Either<string, ValidationFailed> =>
  typeof raw === "string" && raw !== "" && raw.length <= 256
    ? Either.right(raw)
    : Either.left(invalid("secret", "The secret must be a string of 1 to 256 characters."))

export const make = (
  options: RegistryOptions
): Effect.Effect<WebhookRegistryShape, never, WebhookEndpoints | WebhookDeliveries | IdGenerator> =>
  Effect.gen(function* () {
    const endpoints = yield* WebhookEndpoints
    const deliveries = yield* WebhookDeliveries
    const ids = yield* IdGenerator
    // A redelivery is due at once: this process's dispatcher need not wait for its next poll.
    const wake = yield* Effect.serviceOption(Wake.Wake)

    const checkedUrl = (tenant: Tenant, raw: unknown) =>
      Effect.gen(function* () {
        const url = yield* validateUrl(raw)
        yield* AddressGuard.checkUrl(
          new URL(url),
          AddressGuard.policyFor(tenant.mode, options.allowPrivateAddresses)
        ).pipe(Effect.mapError((refused) => invalid("url", `The url is not allowed: ${refused.message}.`)))
        return url
      })

    const get: WebhookRegistryShape["get"] = (tenant, id) =>
      Effect.flatMap(endpoints.find(tenant, id), (found) =>
        Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail(new EndpointNotFound({ id }))
      )

    const add: WebhookRegistryShape["add"] = (tenant, input) =>
      Effect.gen(function* () {
        const url = yield* checkedUrl(tenant, input.url)
        const events = yield* validateEvents(input.events)
        const secret =
          input.secret === undefined ? yield* ids.secret(SECRET_LENGTH) : yield* validateSecret(input.secret)
        const now = yield* nowSeconds
        const endpoint = new WebhookEndpoint(
          {
            id: yield* ids.next("wh"),
            merchantId: tenant.merchantId,
            mode: tenant.mode,
            url,
            secret,
            events,
            enabled: true,
            disabledAt: null,
            disabledReason: null,
            createdAt: now,
            updatedAt: now
          },
          { disableValidation: true }
        )
        yield* endpoints.create(endpoint)
        return endpoint
      }).pipe(Effect.withSpan("WebhookRegistry.add"))

    const update: WebhookRegistryShape["update"] = (tenant, id, input) =>
      Effect.gen(function* () {
        const current = yield* get(tenant, id)
        const now = yield* nowSeconds
        const url = input.url === undefined ? current.url : yield* checkedUrl(tenant, input.url)
        const events = input.events === undefined ? current.events : yield* validateEvents(input.events)
        const secret = input.secret === undefined ? current.secret : yield* validateSecret(input.secret)
        const enabled = input.enabled ?? current.enabled
        const next = new WebhookEndpoint(
          {
            ...current,
            url,
            events,
            secret,
            enabled,
            disabledAt: enabled ? null : current.enabled ? now : current.disabledAt,
            disabledReason: enabled ? null : current.enabled ? "Disabled by the merchant" : current.disabledReason,
            updatedAt: now
          },
          { disableValidation: true }
        )
        yield* endpoints.update(next)
        return next
      }).pipe(Effect.withSpan("WebhookRegistry.update"))

    const list: WebhookRegistryShape["list"] = (tenant) => endpoints.list(tenant)

    const remove: WebhookRegistryShape["remove"] = (tenant, id) =>
      endpoints.remove(tenant, id).pipe(Effect.withSpan("WebhookRegistry.remove"))

    const deliveryLog: WebhookRegistryShape["deliveries"] = (tenant, filter) =>
      Effect.flatMap(deliveries.list(tenant, filter), (found) =>
        Effect.forEach(found, (delivery) =>
          Effect.map(deliveries.attempts(tenant, delivery.id), (attemptLog) => ({ ...delivery, attemptLog }))
        )
      )

    const redeliver: WebhookRegistryShape["redeliver"] = (tenant, selector, redeliverOptions = {}) =>
      Effect.gen(function* () {
        if (
          "from" in selector &&
          (!Number.isInteger(selector.from) || !Number.isInteger(selector.to) || selector.from > selector.to)
        )
          return yield* invalid("from", "The range must be two unix times, from ≤ to.")
        const events = yield* deliveries.events(
          tenant,
          "eventId" in selector ? { eventId: selector.eventId } : selector
        )
        if ("eventId" in selector && events.length === 0)
          return yield* invalid("event_id", `No webhook event ${selector.eventId} was recorded for this account.`)
        const only = redeliverOptions.endpointId
        const targets =
          only === undefined
            ? (yield* endpoints.list(tenant)).filter((endpoint) => endpoint.enabled)
            : [yield* get(tenant, only)]
        if (only !== undefined && !targets[0]!.enabled)
          return yield* invalid("endpoint_id", `The endpoint ${only} is disabled; enable it before redelivering.`)
        const pairs = events.flatMap((event) =>
          targets
            .filter((endpoint) => endpoint.events.includes(event.event))
            .map((endpoint) => ({
              eventId: event.eventId,
              endpointId: endpoint.id
            }))
        )
        const now = yield* nowSeconds
        const scheduled = yield* deliveries.redeliver(tenant, pairs, now, now + options.retryWindowSeconds)
        if (scheduled > 0 && Option.isSome(wake)) wake.value.wake()
        return scheduled
      }).pipe(Effect.withSpan("WebhookRegistry.redeliver"))

    return { add, list, get, update, remove, deliveries: deliveryLog, redeliver }
  })

export const layer = (
  options: RegistryOptions
): Layer.Layer<WebhookRegistry, never, WebhookEndpoints | WebhookDeliveries | IdGenerator> =>
  Layer.effect(WebhookRegistry, make(options))
