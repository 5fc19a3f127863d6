/**
 * The PaymentLinkRepository port: where links, their customers and their outbox events are stored.
 * Speaks domain types and domain errors only; storage faults are defects.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { DomainEvent } from "./DomainEvent.js"
import type { CustomerId, PaymentLinkId, ShortCode } from "./Ids.js"
import type { Customer, PaymentLink } from "./PaymentLink.js"
import type { ReferenceTaken } from "./DomainError.js"
import type { Tenant } from "./Tenant.js"
import type { Transition } from "./Transitions.js"
import type { ListQuery } from "./Validation.js"

/** A compare-and-set lost: the stored link is no longer at the version the transition started from. */
export class StaleLink extends Data.TaggedError("StaleLink")<{ readonly id: PaymentLinkId }> {}

/** An event as the outbox holds it: in append order, with a unique id. */
export interface StoredEvent {
  /** Monotonic position in the outbox; orders events of one link as they happened. */
  readonly sequence: number
  /** `evt_…`, unique per event (the webhook's `X-Razorpay-Event-Id`). */
  readonly eventId: string
  readonly event: DomainEvent
}

export interface PaymentLinkRepositoryShape {
  /**
   * Stores a newly issued link, its customer when new, and its events, in one transaction. A Payment
   * Links link whose reference another link of its tenant and contract carries is refused, atomically
   * (two concurrent inserts of one reference: one stored, one `ReferenceTaken`), and nothing is stored.
   */
  readonly insert: (transition: Transition) => Effect.Effect<void, ReferenceTaken>
  /** The stored link (not yet observed at any time) of that tenant, if any. */
  readonly findById: (tenant: Tenant, id: PaymentLinkId) => Effect.Effect<Option.Option<PaymentLink>>
  /** The link behind a `short_url`, whatever its tenant (the hosted page is public). */
  readonly findByShortCode: (code: ShortCode) => Effect.Effect<Option.Option<PaymentLink>>
  /** The link one of whose payments has this id, within the tenant. */
  readonly findByPayment: (tenant: Tenant, paymentId: string) => Effect.Effect<Option.Option<PaymentLink>>
  /** The link whose order has this id, within the tenant. */
  readonly findByOrder: (tenant: Tenant, orderId: string) => Effect.Effect<Option.Option<PaymentLink>>
  /** A customer of that tenant, for `customer_id` on create. */
  readonly findCustomer: (tenant: Tenant, id: CustomerId) => Effect.Effect<Option.Option<Customer>>
  /**
   * One page of a tenant's links, newest first (`created_at` desc, then id desc), filtered as the
   * query says. Status filters see the links as of `now`: a link past `expire_by` counts as expired.
   */
  readonly list: (tenant: Tenant, query: ListQuery, now: number) => Effect.Effect<ReadonlyArray<PaymentLink>>
  /**
   * Compare-and-set: stores `transition.link` only if the stored version is still
   * `transition.link.version − 1`, and appends its events in the same transaction. Otherwise
   * nothing is written and `StaleLink` fails. A changed reference is held to the same uniqueness as on
   * insert (`ReferenceTaken`, nothing written).
   */
  readonly save: (transition: Transition) => Effect.Effect<void, StaleLink | ReferenceTaken>
  /**
   * Open links whose `expire_by` ≤ `now`, oldest expiry first, at most `limit`; only the tenant's
   * when one is given.
   */
  readonly findDue: (now: number, limit: number, tenant?: Tenant) => Effect.Effect<ReadonlyArray<PaymentLink>>
  /** The outbox events of one link, in order. */
  readonly eventsOf: (tenant: Tenant, id: PaymentLinkId) => Effect.Effect<ReadonlyArray<StoredEvent>>
}

export class PaymentLinkRepository extends Context.Tag("@paylinks/core/PaymentLinkRepository")<
  PaymentLinkRepository,
  PaymentLinkRepositoryShape
>() {}
