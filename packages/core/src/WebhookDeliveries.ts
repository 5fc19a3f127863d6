/**
 * The WebhookDeliveries port: webhook events as they were fanned out, one delivery per (event,
 * endpoint), and the log of every attempt (docs/webhooks.md).
 *
 * A delivery is the unit of work of the dispatchers: it is claimed under a lease (several dispatchers
 * on one database never hold the same delivery at once), attempted, and settled — delivered after a
 * 2xx, retried later, or given up when its retry window has passed, which also disables the endpoint.
 * Per (endpoint, link) deliveries go out in event order: one is claimable only when no earlier one of
 * that endpoint and link is still pending.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { PaymentLinkId } from "./Ids.js"
import type { Tenant } from "./Tenant.js"
import type { WebhookEndpoint, WebhookEventName } from "./WebhookEndpoints.js"

/** An event as it was fanned out: the exact body every subscribed endpoint receives. */
export interface WebhookEvent {
  /** `evt_…`, the outbox event id (the `X-Razorpay-Event-Id`). */
  readonly eventId: string
  readonly tenant: Tenant
  readonly linkId: PaymentLinkId
  /** The outbox position of the event: orders the events of one link. */
  readonly sequence: number
  readonly event: WebhookEventName
  /** The JSON envelope, byte for byte what is signed and sent. */
  readonly body: string
  /** When the event was written to the outbox (unix seconds): redelivery ranges select on it. */
  readonly createdAt: number
}

export type DeliveryStatus = "pending" | "succeeded" | "failed"

export interface Delivery {
  readonly id: number
  readonly endpointId: string
  readonly eventId: string
  readonly event: WebhookEventName
  readonly linkId: PaymentLinkId
  readonly sequence: number
  readonly status: DeliveryStatus
  /** Attempts made so far. */
  readonly attempts: number
  readonly nextAttemptAt: number
  /** After a failure at or past this time the delivery is given up and its endpoint disabled. */
  readonly giveUpAt: number
  readonly createdAt: number
  readonly deliveredAt: number | null
  readonly lastError: string | null
}

/** A delivery handed to the dispatcher that claimed it, with what it needs to send it. */
export interface ClaimedDelivery extends Delivery {
  readonly endpoint: WebhookEndpoint
  readonly body: string
}

/** One attempt, as logged. */
export interface Attempt {
  readonly deliveryId: number
  /** Unix seconds. */
  readonly attemptedAt: number
  /** The HTTP status, null when no response came (timeout, refused connection, refused address). */
  readonly statusCode: number | null
  readonly latencyMs: number | null
  /** Why the attempt failed; null after a 2xx. */
  readonly error: string | null
}

/** What an attempt led to. */
export type Outcome =
  | { readonly _tag: "Delivered"; readonly at: number }
  | { readonly _tag: "Retry"; readonly at: number; readonly error: string }
  /** The retry window has passed: the delivery fails, and its endpoint is disabled with `reason`. */
  | { readonly _tag: "GiveUp"; readonly at: number; readonly reason: string }

export interface ClaimRequest {
  readonly workerId: string
  readonly now: number
  /** The most deliveries to claim. */
  readonly limit: number
  readonly leaseSeconds: number
  /** The most deliveries of one endpoint to claim. */
  readonly perEndpoint: number
  /** Endpoints to skip (the caller has as many of theirs in flight as it allows). */
  readonly excludeEndpoints: ReadonlyArray<string>
}

export interface DeliveryFilter {
  readonly endpointId?: string | undefined
  readonly eventId?: string | undefined
  readonly status?: DeliveryStatus | undefined
  /** Default 50. */
  readonly limit?: number | undefined
}

export interface EventSelector {
  readonly eventId?: string | undefined
  /** `createdAt` bounds, inclusive. */
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly limit?: number | undefined
}

export interface WebhookDeliveriesShape {
  /**
   * Records a fanned-out event and a pending delivery for each endpoint, due at `event.createdAt`.
   * Idempotent: recording an event again (a relay that crashed before completing its outbox entry)
   * adds nothing that exists.
   */
  readonly record: (event: WebhookEvent, endpointIds: ReadonlyArray<string>, giveUpAt: number) => Effect.Effect<void>
  /** Which of these event ids have been recorded. */
  readonly recorded: (eventIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>>
  /**
   * Claims due pending deliveries of enabled endpoints that no unexpired lease holds and that have no
   * earlier pending delivery for the same endpoint and link, oldest due first, leasing them to the worker.
   */
  readonly claim: (request: ClaimRequest) => Effect.Effect<ReadonlyArray<ClaimedDelivery>>
  /**
   * Logs the attempt and settles the delivery, in one transaction. When the worker no longer holds
   * the lease the attempt is still logged but the delivery is left to its new holder. `GiveUp` fails
   * the delivery and every other pending delivery of the endpoint, and disables the endpoint.
   */
  readonly settle: (workerId: string, attempt: Attempt, outcome: Outcome) => Effect.Effect<void>
  /** Gives a claimed delivery back untried (its worker could not start it in time). */
  readonly release: (workerId: string, deliveryId: number) => Effect.Effect<void>
  /** The tenant's deliveries, newest first. */
  readonly list: (tenant: Tenant, filter: DeliveryFilter) => Effect.Effect<ReadonlyArray<Delivery>>
  /** The attempts of one of the tenant's deliveries, oldest first. */
  readonly attempts: (tenant: Tenant, deliveryId: number) => Effect.Effect<ReadonlyArray<Attempt>>
  /** The tenant's recorded events, oldest first. */
  readonly events: (tenant: Tenant, selector: EventSelector) => Effect.Effect<ReadonlyArray<WebhookEvent>>
  /**
   * Makes each (event, endpoint) pair of the tenant pending again, due at `now`, with a new retry
   * window; a pair never delivered before gets a new delivery. Returns how many were scheduled.
   */
  readonly redeliver: (
    tenant: Tenant,
    pairs: ReadonlyArray<{ readonly eventId: string; readonly endpointId: string }>,
    now: number,
    giveUpAt: number
  ) => Effect.Effect<number>
}

export class WebhookDeliveries extends Context.Tag("@paylinks/core/WebhookDeliveries")<
  WebhookDeliveries,
  WebhookDeliveriesShape
>() {}
