/**
 * In-memory WebhookEndpoints and WebhookDeliveries, with the semantics of the SQL adapters: one store
 * backs both (as one database does), claims honour leases and per-(endpoint, link) event order, and a
 * give-up disables the endpoint in the same step that fails the delivery.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Tenant } from "./Tenant.js"
import {
  type Attempt,
  type ClaimedDelivery,
  type Delivery,
  WebhookDeliveries,
  type WebhookDeliveriesShape,
  type WebhookEvent
} from "./WebhookDeliveries.js"
import { EndpointNotFound, WebhookEndpoint, WebhookEndpoints, type WebhookEndpointsShape } from "./WebhookEndpoints.js"

interface DeliveryRow extends Delivery {
  readonly claimedBy: string | null
  readonly claimedUntil: number | null
}

const sameTenant = (a: Tenant, merchantId: string, mode: string): boolean =>
  a.merchantId === merchantId && a.mode === mode

const publicDelivery = ({ claimedBy: _b, claimedUntil: _u, ...delivery }: DeliveryRow): Delivery => delivery

/** Both webhook ports over one in-memory store. */
export const layer: Layer.Layer<WebhookEndpoints | WebhookDeliveries> = Layer.effectContext(
  Effect.sync(() => {
    const endpoints = new Map<string, WebhookEndpoint>()
    const events = new Map<string, WebhookEvent>()
    const deliveries: Array<DeliveryRow> = []
    const attempts: Array<Attempt> = []

    const endpointOf = (tenant: Tenant, id: string) => {
      const endpoint = endpoints.get(id)
      return endpoint !== undefined && sameTenant(tenant, endpoint.merchantId, endpoint.mode) ? endpoint : undefined
    }
    const replace = (index: number, change: Partial<DeliveryRow>) => {
      deliveries[index] = { ...deliveries[index]!, ...change }
    }
    const newDelivery = (event: WebhookEvent, endpointId: string, due: number, giveUpAt: number): DeliveryRow => ({
      id: deliveries.length + 1,
      endpointId,
      eventId: event.eventId,
      event: event.event,
      linkId: event.linkId,
      sequence: event.sequence,
      status: "pending",
      attempts: 0,
      nextAttemptAt: due,
      giveUpAt,
      createdAt: event.createdAt,
      deliveredAt: null,
      lastError: null,
      claimedBy: null,
      claimedUntil: null
    })

    const endpointsPort: WebhookEndpointsShape = {
      create: (endpoint) =>
        Effect.sync(() => {
          endpoints.set(endpoint.id, endpoint)
        }),
      list: (tenant) =>
        Effect.sync(() =>
          [...endpoints.values()].filter((endpoint) => sameTenant(tenant, endpoint.merchantId, endpoint.mode))
        ),
      find: (tenant, id) => Effect.sync(() => Option.fromNullable(endpointOf(tenant, id))),
      update: (endpoint) =>
        Effect.suspend(() => {
          if (endpointOf(endpoint, endpoint.id) === undefined)
            return Effect.fail(new EndpointNotFound({ id: endpoint.id }))
          endpoints.set(endpoint.id, endpoint)
          return Effect.void
        }),
      remove: (tenant, id) =>
        Effect.suspend(() => {
          if (endpointOf(tenant, id) === undefined) return Effect.fail(new EndpointNotFound({ id }))
          endpoints.delete(id)
          const gone = new Set(deliveries.filter((row) => row.endpointId === id).map((row) => row.id))
          // Ids stay positions: a removed endpoint's rows are kept as tombstones nobody can reach.
          for (let i = 0; i < deliveries.length; i++)
            if (gone.has(deliveries[i]!.id)) replace(i, { status: "failed", endpointId: "" })
          for (let i = attempts.length - 1; i >= 0; i--) if (gone.has(attempts[i]!.deliveryId)) attempts.splice(i, 1)
          return Effect.void
        }),
      subscribed: (tenant, event) =>
        Effect.sync(() =>
          [...endpoints.values()].filter(
            (endpoint) => sameTenant(tenant, endpoint.merchantId, endpoint.mode) && endpoint.receives(event)
          )
        )
    }

    const deliveriesPort: WebhookDeliveriesShape = {
      record: (event, endpointIds, giveUpAt) =>
        Effect.sync(() => {
          if (!events.has(event.eventId)) events.set(event.eventId, event)
          for (const endpointId of endpointIds) {
            // An endpoint removed meanwhile simply gets no delivery.
            if (!endpoints.has(endpointId)) continue
            const exists = deliveries.some((row) => row.eventId === event.eventId && row.endpointId === endpointId)
            if (!exists) deliveries.push(newDelivery(event, endpointId, event.createdAt, giveUpAt))
          }
        }),
      recorded: (eventIds) => Effect.sync(() => eventIds.filter((id) => events.has(id))),
      claim: (request) =>
        Effect.sync(() => {
          const { now } = request
          const excluded = new Set(request.excludeEndpoints)
          const blocked = (row: DeliveryRow) =>
            deliveries.some(
              (other) =>
                other.status === "pending" &&
                other.endpointId === row.endpointId &&
                other.linkId === row.linkId &&
                other.sequence < row.sequence
            )
          const candidates = deliveries
            .map((row, index) => ({ row, index }))
            .filter(({ row }) => {
              if (row.status !== "pending" || row.nextAttemptAt > now) return false
              if (row.claimedUntil !== null && row.claimedUntil > now) return false
              if (excluded.has(row.endpointId) || endpoints.get(row.endpointId)?.enabled !== true) return false
              return !blocked(row)
            })
            .sort((a, b) => a.row.nextAttemptAt - b.row.nextAttemptAt || a.row.id - b.row.id)
          const perEndpoint = new Map<string, number>()
          const claimed: Array<ClaimedDelivery> = []
          for (const { row, index } of candidates) {
            if (claimed.length >= request.limit) break
            const taken = perEndpoint.get(row.endpointId) ?? 0
            if (taken >= request.perEndpoint) continue
            perEndpoint.set(row.endpointId, taken + 1)
            replace(index, { claimedBy: request.workerId, claimedUntil: now + request.leaseSeconds })
            claimed.push({
              ...publicDelivery(deliveries[index]!),
              endpoint: endpoints.get(row.endpointId)!,
              body: events.get(row.eventId)!.body
            })
          }
          return claimed
        }),
      settle: (workerId, attempt, outcome) =>
        Effect.sync(() => {
          const index = deliveries.findIndex((row) => row.id === attempt.deliveryId)
          // A delivery removed with its endpoint meanwhile logs nothing.
          if (index < 0 || deliveries[index]!.endpointId === "") return
          attempts.push(attempt)
          const row = deliveries[index]!
          replace(index, { attempts: row.attempts + 1 })
          if (row.claimedBy !== workerId || row.status !== "pending") return
          const released = { claimedBy: null, claimedUntil: null }
          switch (outcome._tag) {
            case "Delivered":
              return replace(index, { ...released, status: "succeeded", deliveredAt: outcome.at, lastError: null })
            case "Retry":
              return replace(index, { ...released, nextAttemptAt: outcome.at, lastError: outcome.error })
            case "GiveUp": {
              replace(index, { ...released, status: "failed", lastError: outcome.reason })
              const endpoint = endpoints.get(row.endpointId)
              if (endpoint !== undefined)
                endpoints.set(
                  endpoint.id,
                  new WebhookEndpoint(
                    {
                      ...endpoint,
                      enabled: false,
                      disabledAt: outcome.at,
                      disabledReason: outcome.reason,
                      updatedAt: outcome.at
                    },
                    { disableValidation: true }
                  )
                )
              for (let i = 0; i < deliveries.length; i++) {
                const other = deliveries[i]!
                if (other.endpointId === row.endpointId && other.status === "pending")
                  replace(i, { ...released, status: "failed", lastError: `Endpoint disabled: ${outcome.reason}` })
              }
            }
          }
        }),
      release: (workerId, deliveryId) =>
        Effect.sync(() => {
          const index = deliveries.findIndex((row) => row.id === deliveryId)
          if (index >= 0 && deliveries[index]!.claimedBy === workerId)
            replace(index, { claimedBy: null, claimedUntil: null })
        }),
      list: (tenant, filter) =>
        Effect.sync(() =>
          deliveries
            .filter((row) => {
              const event = events.get(row.eventId)
              if (row.endpointId === "" || event === undefined) return false
              if (!sameTenant(tenant, event.tenant.merchantId, event.tenant.mode)) return false
              if (filter.endpointId !== undefined && row.endpointId !== filter.endpointId) return false
              if (filter.eventId !== undefined && row.eventId !== filter.eventId) return false
              return filter.status === undefined || row.status === filter.status
            })
            .sort((a, b) => b.id - a.id)
            .slice(0, filter.limit ?? 50)
            .map(publicDelivery)
        ),
      attempts: (tenant, deliveryId) =>
        Effect.sync(() => {
          const row = deliveries.find((candidate) => candidate.id === deliveryId)
          const event = row === undefined ? undefined : events.get(row.eventId)
          if (event === undefined || !sameTenant(tenant, event.tenant.merchantId, event.tenant.mode)) return []
          return attempts.filter((attempt) => attempt.deliveryId === deliveryId)
        }),
      events: (tenant, selector) =>
        Effect.sync(() =>
          [...events.values()]
            .filter((event) => {
              if (!sameTenant(tenant, event.tenant.merchantId, event.tenant.mode)) return false
              if (selector.eventId !== undefined && event.eventId !== selector.eventId) return false
              if (selector.from !== undefined && event.createdAt < selector.from) return false
              return selector.to === undefined || event.createdAt <= selector.to
            })
            .sort((a, b) => a.sequence - b.sequence)
            .slice(0, selector.limit ?? 1000)
        ),
      redeliver: (tenant, pairs, now, giveUpAt) =>
        Effect.sync(() => {
          let scheduled = 0
          for (const { eventId, endpointId } of pairs) {
            const event = events.get(eventId)
            if (event === undefined || !sameTenant(tenant, event.tenant.merchantId, event.tenant.mode)) continue
            if (endpointOf(tenant, endpointId) === undefined) continue
            const index = deliveries.findIndex((row) => row.eventId === eventId && row.endpointId === endpointId)
            if (index < 0) deliveries.push(newDelivery(event, endpointId, now, giveUpAt))
            else
              replace(index, {
                status: "pending",
                nextAttemptAt: now,
                giveUpAt,
                deliveredAt: null,
                lastError: null
              })
            scheduled++
          }
          return scheduled
        })
    }

    return Context.make(WebhookEndpoints, endpointsPort).pipe(Context.add(WebhookDeliveries, deliveriesPort))
  })
)
