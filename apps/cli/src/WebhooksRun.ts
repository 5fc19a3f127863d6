/**
 * How `paylinks webhooks …` runs (WebhooksCommand.ts describes the commands): each subcommand through
 * `WebhookRegistry` on the database, for the merchant and modes its flags name.
 */
import * as IdGenerator from "@paylinks/core/IdGenerator"
import * as Tenant from "@paylinks/core/Tenant"
import { type Delivery, WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import { EndpointNotFound, type WebhookEndpoint } from "@paylinks/core/WebhookEndpoints"
import * as DispatcherSettings from "@paylinks/webhooks/DispatcherSettings"
import {
  type DeliveryLog,
  type RedeliverSelector,
  type UpdateInput,
  WebhookRegistry,
  layer as registryLayer
} from "@paylinks/webhooks/WebhookRegistry"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { chooseMerchant, onDatabase } from "./AdminCommand.js"
import { Refused, UsageError } from "./CliError.js"
import type * as Connection from "./Connection.js"
import * as Io from "./Io.js"
import * as Output from "./Output.js"
import type * as WebhooksOptions from "./WebhooksOptions.js"

/** A refusal of the registry, with its own text (the same as the API's validation texts). */
const refuse = (error: { readonly message: string; readonly first?: { readonly field: string | null } }) =>
  new Refused({ description: error.message, field: error.first?.field ?? undefined })

/**
 * The registry follows the dispatcher's settings (`PAYLINKS_WEBHOOK_ALLOW_PRIVATE`,
 * `PAYLINKS_WEBHOOK_RETRY_WINDOW_SECONDS`), so that what the CLI registers and schedules is what a
 * server with the same environment would.
 */
const registry = Layer.unwrapEffect(
  Effect.map(
    Effect.flatMap(
      Effect.map(FiberRef.get(Io.current), (io) => DispatcherSettings.fromEnv(io.env)),
      Either.mapLeft((error) => new UsageError({ message: error.message }))
    ),
    (settings) =>
      registryLayer({
        allowPrivateAddresses: settings.allowPrivateAddresses,
        retryWindowSeconds: settings.retryWindowSeconds
      })
  )
).pipe(Layer.provide(IdGenerator.layerCrypto))

interface Scope {
  readonly local: Connection.Local
  readonly server: Option.Option<string>
  readonly merchant: Option.Option<string>
  readonly mode: Option.Option<Tenant.Mode>
}

/** Runs `program` on the database with the registry, for the tenants the flags name. */
const withTenants = <A, E, R>(
  name: string,
  flags: Scope,
  program: (tenants: ReadonlyArray<Tenant.Tenant>) => Effect.Effect<A, E, R>
) =>
  onDatabase(
    `webhooks ${name}`,
    flags,
    Effect.gen(function* () {
      const merchant = yield* chooseMerchant(flags.merchant)
      const modes = Option.match(flags.mode, {
        onNone: (): ReadonlyArray<Tenant.Mode> => ["test", "live"],
        onSome: (mode) => [mode]
      })
      return yield* program(modes.map((mode) => Tenant.make(merchant.id, mode)))
    }).pipe(Effect.provide(registry))
  )

/** The endpoint `id` and its tenant, among `tenants`. */
const locate = (tenants: ReadonlyArray<Tenant.Tenant>, id: string) =>
  Effect.gen(function* () {
    const webhooks = yield* WebhookRegistry
    for (const tenant of tenants) {
      const found = yield* Effect.option(webhooks.get(tenant, id))
      if (Option.isSome(found)) return { tenant, endpoint: found.value }
    }
    return yield* refuse(new EndpointNotFound({ id }))
  })

const endpointJson = (endpoint: WebhookEndpoint, withSecret: boolean) => ({
  id: endpoint.id,
  entity: "webhook_endpoint",
  merchant_id: endpoint.merchantId,
  mode: endpoint.mode,
  url: endpoint.url,
  ...(withSecret ? { secret: endpoint.secret } : {}),
  events: endpoint.events,
  enabled: endpoint.enabled,
  disabled_at: endpoint.disabledAt,
  disabled_reason: endpoint.disabledReason,
  created_at: endpoint.createdAt,
  updated_at: endpoint.updatedAt
})

const endpointPairs = (endpoint: WebhookEndpoint, withSecret: boolean): string =>
  Output.pairs([
    ["id", endpoint.id],
    ["mode", endpoint.mode],
    ["url", endpoint.url],
    ...(withSecret ? [["secret", endpoint.secret] as const] : []),
    ["events", endpoint.events.join(", ")],
    ["status", endpoint.enabled ? "enabled" : "disabled"],
    ...(endpoint.enabled
      ? []
      : [
          ["disabled_at", Output.time(endpoint.disabledAt)] as const,
          ["disabled_reason", endpoint.disabledReason ?? "-"] as const
        ]),
    ["created_at", Output.time(endpoint.createdAt)],
    ["updated_at", Output.time(endpoint.updatedAt)]
  ])

const printEndpoint = (endpoint: WebhookEndpoint, json: boolean, withSecret = false) =>
  Output.line(json ? Output.json(endpointJson(endpoint, withSecret)) : endpointPairs(endpoint, withSecret))

const deliveryJson = (delivery: DeliveryLog) => ({
  id: delivery.id,
  entity: "webhook_delivery",
  endpoint_id: delivery.endpointId,
  event_id: delivery.eventId,
  event: delivery.event,
  invoice_id: delivery.linkId,
  status: delivery.status,
  created_at: delivery.createdAt,
  delivered_at: delivery.deliveredAt,
  next_attempt_at: delivery.status === "pending" ? delivery.nextAttemptAt : null,
  give_up_at: delivery.giveUpAt,
  last_error: delivery.lastError,
  attempts: delivery.attemptLog.map((attempt) => ({
    attempted_at: attempt.attemptedAt,
    status_code: attempt.statusCode,
    latency_ms: attempt.latencyMs,
    error: attempt.error
  }))
})

/** One row per attempt (oldest first within a delivery); a delivery not yet attempted gets one row saying when it is due. */
const deliveryRows = (delivery: DeliveryLog): ReadonlyArray<ReadonlyArray<string>> => {
  const head = [delivery.eventId, delivery.event, delivery.linkId, delivery.endpointId, delivery.status]
  if (delivery.attemptLog.length === 0)
    return [[...head, "-", "-", "-", `not attempted yet; due ${Output.time(delivery.nextAttemptAt)}`]]
  return delivery.attemptLog.map((attempt) => [
    ...head,
    Output.time(attempt.attemptedAt),
    attempt.statusCode === null ? "-" : String(attempt.statusCode),
    attempt.latencyMs === null ? "-" : `${attempt.latencyMs} ms`,
    attempt.error ?? "-"
  ])
}

export const add = (flags: WebhooksOptions.Parsed<typeof WebhooksOptions.add>) =>
  withTenants("add", { ...flags, mode: Option.some(flags.mode) }, ([tenant]) =>
    Effect.gen(function* () {
      const webhooks = yield* WebhookRegistry
      const endpoint = yield* webhooks
        .add(tenant!, {
          url: flags.url,
          ...(Option.isSome(flags.secret) ? { secret: flags.secret.value } : {}),
          ...(Option.isSome(flags.events) ? { events: flags.events.value } : {})
        })
        .pipe(Effect.mapError(refuse))
      yield* printEndpoint(endpoint, flags.json, true)
      if (Option.isNone(flags.secret))
        yield* Output.err("The secret was generated: store it now, it is not shown again.")
    })
  )

export const list = (flags: WebhooksOptions.Parsed<typeof WebhooksOptions.list>) =>
  withTenants("list", flags, (tenants) =>
    Effect.gen(function* () {
      const webhooks = yield* WebhookRegistry
      const all = (yield* Effect.forEach(tenants, webhooks.list)).flat()
      if (flags.json) return yield* Output.line(Output.json(all.map((endpoint) => endpointJson(endpoint, false))))
      if (all.length === 0) return yield* Output.line("No webhook endpoints.")
      const disabled = all.filter((endpoint) => !endpoint.enabled)
      yield* Output.line(
        [
          Output.table(
            ["ID", "MODE", "STATUS", "EVENTS", "URL"],
            all.map((endpoint) => [
              endpoint.id,
              endpoint.mode,
              endpoint.enabled ? "enabled" : "disabled",
              endpoint.events.join(","),
              endpoint.url
            ])
          ),
          ...(disabled.length === 0 ? [] : [""]),
          ...disabled.map(
            (endpoint) =>
              `${endpoint.id} was disabled at ${Output.time(endpoint.disabledAt)}: ${endpoint.disabledReason ?? "-"}`
          )
        ].join("\n")
      )
    })
  )

export const update = (flags: WebhooksOptions.Parsed<typeof WebhooksOptions.update>) =>
  withTenants("update", flags, (tenants) =>
    Effect.gen(function* () {
      const input: { -readonly [K in keyof UpdateInput]: UpdateInput[K] } = {}
      if (Option.isSome(flags.url)) input.url = flags.url.value
      if (Option.isSome(flags.secret)) input.secret = flags.secret.value
      if (Option.isSome(flags.events)) input.events = flags.events.value
      if (Option.isSome(flags.enabled)) input.enabled = flags.enabled.value
      if (Object.keys(input).length === 0)
        return yield* new UsageError({
          message: "Nothing to change: give --url, --secret, --events, --enable or --disable."
        })
      const { tenant } = yield* locate(tenants, flags.id)
      const webhooks = yield* WebhookRegistry
      const endpoint = yield* webhooks.update(tenant, flags.id, input).pipe(Effect.mapError(refuse))
      yield* printEndpoint(endpoint, flags.json)
    })
  )

export const remove = (flags: WebhooksOptions.Parsed<typeof WebhooksOptions.remove>) =>
  withTenants("remove", flags, (tenants) =>
    Effect.gen(function* () {
      const { tenant } = yield* locate(tenants, flags.id)
      const webhooks = yield* WebhookRegistry
      yield* webhooks.remove(tenant, flags.id).pipe(Effect.mapError(refuse))
      yield* Output.line(flags.json ? Output.json({ id: flags.id, removed: true }) : `Removed ${flags.id}.`)
    })
  )

export const deliveries = (flags: WebhooksOptions.Parsed<typeof WebhooksOptions.deliveries>) =>
  withTenants("deliveries", flags, (candidates) =>
    Effect.gen(function* () {
      if (flags.count < 1) return yield* new UsageError({ message: "--count must be at least 1." })
      const webhooks = yield* WebhookRegistry
      const endpoint = Option.getOrUndefined(flags.endpoint)
      const tenants = endpoint === undefined ? candidates : [(yield* locate(candidates, endpoint)).tenant]
      const filter = {
        endpointId: endpoint,
        eventId: Option.getOrUndefined(flags.event),
        status: Option.getOrUndefined(flags.status),
        limit: flags.count
      }
      // Delivery ids grow with time across tenants, so they order the merged log newest first.
      const found = (yield* Effect.forEach(tenants, (tenant) => webhooks.deliveries(tenant, filter)))
        .flat()
        .sort((a: Delivery, b: Delivery) => b.id - a.id)
        .slice(0, flags.count)
      yield* Output.line(
        flags.json
          ? Output.json({ entity: "collection", count: found.length, items: found.map(deliveryJson) })
          : found.length === 0
            ? "No deliveries."
            : Output.table(
                ["EVENT ID", "EVENT", "LINK", "ENDPOINT", "DELIVERY", "ATTEMPTED", "CODE", "LATENCY", "ERROR"],
                found.flatMap(deliveryRows)
              )
      )
    })
  )

export const redeliver = (flags: WebhooksOptions.Parsed<typeof WebhooksOptions.redeliver>) =>
  withTenants("redeliver", flags, (candidates) =>
    Effect.gen(function* () {
      const selector = yield* selectorOf(flags)
      const webhooks = yield* WebhookRegistry
      const endpoint = Option.getOrUndefined(flags.endpoint)
      const tenants =
        endpoint !== undefined
          ? [(yield* locate(candidates, endpoint)).tenant]
          : "eventId" in selector
            ? yield* recordedIn(candidates, selector.eventId)
            : candidates
      const counts = yield* Effect.forEach(tenants, (tenant) =>
        webhooks.redeliver(tenant, selector, { endpointId: endpoint }).pipe(Effect.mapError(refuse))
      )
      const scheduled = counts.reduce((sum, count) => sum + count, 0)
      yield* Output.line(
        flags.json
          ? Output.json({ scheduled })
          : `Scheduled ${scheduled} ${scheduled === 1 ? "delivery" : "deliveries"}.`
      )
    })
  )

const selectorOf = (flags: {
  readonly event: Option.Option<string>
  readonly from: Option.Option<number>
  readonly to: Option.Option<number>
}): Effect.Effect<RedeliverSelector, UsageError> => {
  const range = Option.isSome(flags.from) || Option.isSome(flags.to)
  if (Option.isSome(flags.event) && range)
    return Effect.fail(new UsageError({ message: "Give --event or --from/--to, not both." }))
  if (Option.isSome(flags.event)) return Effect.succeed({ eventId: flags.event.value })
  if (Option.isSome(flags.from) && Option.isSome(flags.to))
    return Effect.succeed({ from: flags.from.value, to: flags.to.value })
  return Effect.fail(
    new UsageError({ message: "Say what to redeliver: --event evt_…, or a time range with --from and --to." })
  )
}

/**
 * The tenants among `candidates` that recorded the event; when none did, the first candidate, so
 * that the registry refuses with its own words.
 */
const recordedIn = (candidates: ReadonlyArray<Tenant.Tenant>, eventId: string) =>
  Effect.gen(function* () {
    const log = yield* WebhookDeliveries
    const found = yield* Effect.filter(candidates, (tenant) =>
      Effect.map(log.events(tenant, { eventId, limit: 1 }), (events) => events.length > 0)
    )
    return found.length > 0 ? found : candidates.slice(0, 1)
  })
