/**
 * The Outbox port: the domain events stored with each transition (docs/domain.md#lifecycle), as a relay sees
 * them. One relay consumes the outbox: it claims pending entries under a lease, routes each one
 * (webhook deliveries, customer notifications) and completes it, or puts it back for later. A relay
 * that dies mid-way loses nothing: its lease runs out and another relay claims the entry again.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { DomainEvent } from "./DomainEvent.js"
import type { PaymentLinkId } from "./Ids.js"
import type { Tenant } from "./Tenant.js"

/** One pending outbox entry, as handed to the relay that claimed it. */
export interface OutboxEntry {
  /** Monotonic position in the outbox. */
  readonly sequence: number
  /** `evt_…`, unique per event. */
  readonly eventId: string
  readonly tenant: Tenant
  readonly linkId: PaymentLinkId
  readonly event: DomainEvent
  /** When the entry was written (unix seconds, real time). */
  readonly createdAt: number
  /** How many times the entry has been claimed, this claim included. */
  readonly attempts: number
}

export interface OutboxShape {
  /**
   * Claims up to `limit` entries that are not delivered, are available at `now` and are not held by
   * an unexpired lease, oldest first, leasing them to `workerId` for `leaseSeconds`. Concurrent
   * claims (other relays, other processes) never receive the same entry while its lease runs.
   */
  readonly claim: (
    workerId: string,
    now: number,
    limit: number,
    leaseSeconds: number
  ) => Effect.Effect<ReadonlyArray<OutboxEntry>>
  /** Marks an entry handled: it is never claimed again. */
  readonly complete: (sequence: number, now: number) => Effect.Effect<void>
  /** Marks every entry of `sequences` handled, all in one write (a relay's batch of completions). */
  readonly completeAll: (sequences: ReadonlyArray<number>, now: number) => Effect.Effect<void>
  /** Releases an entry's lease and makes it claimable again from `availableAt`, noting why it failed. */
  readonly retryLater: (sequence: number, availableAt: number, error: string) => Effect.Effect<void>
}

export class Outbox extends Context.Tag("@paylinks/core/Outbox")<Outbox, OutboxShape>() {}
