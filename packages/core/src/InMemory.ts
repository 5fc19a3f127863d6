/**
 * In-memory adapters for every storage port, with the same semantics as the SQL ones: tenant and
 * mode scoping, compare-and-set saves, events appended with the change they belong to. For
 * embedders that need no persistence, and for tests.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ReferenceTaken } from "./DomainError.js"
import { IdempotencyStore, RETENTION_SECONDS, type StoredResponse } from "./IdempotencyStore.js"
import { IdGenerator } from "./IdGenerator.js"
import { MerchantId, type PaymentLinkId } from "./Ids.js"
import {
  type ApiKey,
  AuthenticationFailed,
  constantTimeEquals,
  KeyNotFound,
  type Merchant,
  MerchantNotFound,
  Merchants,
  SECRET_LENGTH
} from "./Merchants.js"
import { Outbox, type OutboxEntry } from "./Outbox.js"
import type { Customer, PaymentLink } from "./PaymentLink.js"
import { PaymentLinkRepository, StaleLink, type StoredEvent } from "./PaymentLinkRepository.js"
import * as Tenant from "./Tenant.js"
import { TestClocks } from "./TestClocks.js"
import { isOpen } from "./Transitions.js"
import type { ListQuery } from "./Validation.js"

const tenantKey = (tenant: Tenant.Tenant): string => `${tenant.merchantId}/${tenant.mode}`

/**
 * Whether `link` would take a reference another link holds: Payment Links keep `reference_id` unique per
 * merchant and mode (the invoices contract's `receipt` need not be).
 */
export const takesHeldReference = (link: PaymentLink, others: Iterable<PaymentLink>): boolean => {
  if (link.contract !== "payment_links" || link.receipt === null) return false
  for (const other of others)
    if (
      other.id !== link.id &&
      other.contract === "payment_links" &&
      other.receipt === link.receipt &&
      belongsTo(other, link)
    )
      return true
  return false
}
const belongsTo = (link: PaymentLink, tenant: Tenant.Tenant): boolean =>
  link.merchantId === tenant.merchantId && link.mode === tenant.mode

/** Newest first: `created_at` descending, then id descending, the order every adapter uses. */
export const newestFirst = (a: PaymentLink, b: PaymentLink): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Whether a link matches a list query's filters, with statuses as of `now`. */
export const matchesQuery = (link: PaymentLink, query: ListQuery, now: number): boolean => {
  if (link.contract !== query.contract) return false
  if (query.status !== null) {
    const due = isOpen(link.status) && now >= link.expireBy
    const status = due ? "expired" : link.status
    if (status !== query.status) return false
  }
  if (query.receipt !== null && link.receipt !== query.receipt) return false
  if (query.customerId !== null && link.customer?.id !== query.customerId) return false
  if (query.upiLink !== null && link.upiLink !== query.upiLink) return false
  if (query.paymentId !== null && !link.payments.some((payment) => payment.id === query.paymentId)) return false
  if (query.from !== null && link.createdAt < query.from) return false
  if (query.to !== null && link.createdAt > query.to) return false
  return true
}

/** An outbox row with the bookkeeping a relay needs. */
interface OutboxRow extends OutboxEntry {
  readonly availableAt: number
  readonly claimedUntil: number | null
  readonly deliveredAt: number | null
  readonly lastError: string | null
}

const unixNow = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))

/**
 * An in-memory PaymentLinkRepository, with the Outbox its events land in (one store backs both, as
 * one database does for the SQL adapters).
 */
export const repository: Layer.Layer<PaymentLinkRepository | Outbox, never, IdGenerator> = Layer.effectContext(
  Effect.gen(function* () {
    const ids = yield* IdGenerator
    const links = new Map<string, PaymentLink>()
    const byShortCode = new Map<string, string>()
    const customers = new Map<string, { tenant: string; customer: Customer }>()
    const outbox: Array<OutboxRow> = []

    const append = (events: ReadonlyArray<StoredEvent["event"]>) =>
      Effect.flatMap(unixNow, (now) =>
        Effect.forEach(events, (event) =>
          Effect.map(ids.next("evt"), (eventId) => {
            outbox.push({
              sequence: outbox.length + 1,
              eventId,
              tenant: Tenant.make(event.link.merchantId, event.link.mode),
              linkId: event.link.id,
              event,
              createdAt: now,
              attempts: 0,
              availableAt: now,
              claimedUntil: null,
              deliveredAt: null,
              lastError: null
            })
          })
        )
      )

    const update = (sequence: number, change: (row: OutboxRow) => OutboxRow) =>
      Effect.sync(() => {
        const row = outbox[sequence - 1]
        if (row !== undefined) outbox[sequence - 1] = change(row)
      })
    const completeOne = (sequence: number, now: number) =>
      update(sequence, (row) => ({ ...row, deliveredAt: now, claimedUntil: null }))

    const outboxPort = Outbox.of({
      claim: (_workerId, now, limit, leaseSeconds) =>
        Effect.sync(() => {
          const claimed: Array<OutboxEntry> = []
          for (let i = 0; i < outbox.length && claimed.length < limit; i++) {
            const row = outbox[i]!
            if (row.deliveredAt !== null || row.availableAt > now) continue
            if (row.claimedUntil !== null && row.claimedUntil > now) continue
            const next = { ...row, attempts: row.attempts + 1, claimedUntil: now + leaseSeconds }
            outbox[i] = next
            const { availableAt: _a, claimedUntil: _c, deliveredAt: _d, lastError: _e, ...entry } = next
            claimed.push(entry)
          }
          return claimed
        }),
      complete: (sequence, now) => completeOne(sequence, now),
      completeAll: (sequences, now) =>
        Effect.forEach(sequences, (sequence) => completeOne(sequence, now), { discard: true }),
      retryLater: (sequence, availableAt, error) =>
        update(sequence, (row) => ({ ...row, availableAt, claimedUntil: null, lastError: error }))
    })

    const repositoryPort = PaymentLinkRepository.of({
      insert: (transition) =>
        Effect.gen(function* () {
          const link = transition.link
          if (takesHeldReference(link, links.values()))
            return yield* new ReferenceTaken({ reference: link.receipt ?? "" })
          const tenant = tenantKey(link)
          if (link.customer !== null && !customers.has(link.customer.id))
            customers.set(link.customer.id, { tenant, customer: link.customer })
          links.set(link.id, link)
          byShortCode.set(link.shortCode, link.id)
          yield* append(transition.events)
        }),
      findById: (tenant, id) =>
        Effect.sync(() => {
          const link = links.get(id)
          return link !== undefined && belongsTo(link, tenant) ? Option.some(link) : Option.none()
        }),
      findByShortCode: (code) =>
        Effect.sync(() => {
          const id = byShortCode.get(code)
          return Option.fromNullable(id === undefined ? undefined : links.get(id))
        }),
      findByPayment: (tenant, paymentId) =>
        Effect.sync(() =>
          Option.fromNullable(
            [...links.values()].find(
              (link) => belongsTo(link, tenant) && link.payments.some((payment) => payment.id === paymentId)
            )
          )
        ),
      findByOrder: (tenant, orderId) =>
        Effect.sync(() =>
          Option.fromNullable([...links.values()].find((link) => belongsTo(link, tenant) && link.orderId === orderId))
        ),
      findCustomer: (tenant, id) =>
        Effect.sync(() => {
          const entry = customers.get(id)
          return entry !== undefined && entry.tenant === tenantKey(tenant) ? Option.some(entry.customer) : Option.none()
        }),
      list: (tenant, query, now) =>
        Effect.sync(() =>
          [...links.values()]
            .filter((link) => belongsTo(link, tenant) && matchesQuery(link, query, now))
            .sort(newestFirst)
            .slice(query.skip, query.skip + query.count)
        ),
      save: (transition) =>
        Effect.suspend((): Effect.Effect<unknown, StaleLink | ReferenceTaken> => {
          const next = transition.link
          const stored = links.get(next.id)
          if (stored === undefined || stored.version !== next.version - 1)
            return Effect.fail(new StaleLink({ id: next.id }))
          if (next.receipt !== stored.receipt && takesHeldReference(next, links.values()))
            return Effect.fail(new ReferenceTaken({ reference: next.receipt ?? "" }))
          links.set(next.id, next)
          return append(transition.events)
        }).pipe(Effect.asVoid),
      findDue: (now, limit, tenant) =>
        Effect.sync(() =>
          [...links.values()]
            .filter(
              (link) => isOpen(link.status) && link.expireBy <= now && (tenant === undefined || belongsTo(link, tenant))
            )
            .sort((a, b) => a.expireBy - b.expireBy)
            .slice(0, limit)
        ),
      eventsOf: (tenant, id: PaymentLinkId) =>
        Effect.sync(() => {
          const link = links.get(id)
          if (link === undefined || !belongsTo(link, tenant)) return []
          return outbox
            .filter((row) => row.linkId === id)
            .map(({ sequence, eventId, event }): StoredEvent => ({ sequence, eventId, event }))
        })
    })
    return Context.make(PaymentLinkRepository, repositoryPort).pipe(Context.add(Outbox, outboxPort))
  })
)

/** In-memory merchants and keys. Secrets are held in memory only and compared in constant time. */
export const merchants: Layer.Layer<Merchants, never, IdGenerator> = Layer.effect(
  Merchants,
  Effect.gen(function* () {
    const ids = yield* IdGenerator
    const all = new Map<string, Merchant>()
    const keys = new Map<string, { key: ApiKey; secret: string }>()
    const createMerchant = (name: string) =>
      Effect.map(ids.next("acc"), (id) => {
        const merchant: Merchant = {
          id: MerchantId.make(id, { disableValidation: true }),
          name,
          createdAt: (Date.now() / 1000) | 0
        }
        all.set(merchant.id, merchant)
        return merchant
      })
    return {
      create: createMerchant,
      list: Effect.sync(() => [...all.values()]),
      find: (id) => Effect.sync(() => Option.fromNullable(all.get(id))),
      issueKey: (merchantId, mode) =>
        Effect.gen(function* () {
          if (!all.has(merchantId)) return yield* new MerchantNotFound({ id: merchantId })
          const keyId = `rzp_${mode}_${(yield* ids.next("acc")).slice(4)}`
          const secret = yield* ids.secret(SECRET_LENGTH)
          const key: ApiKey = { keyId, merchantId, mode, createdAt: (Date.now() / 1000) | 0, revokedAt: null }
          keys.set(keyId, { key, secret })
          return { key, secret }
        }),
      seedKey: (keyId, secret, merchantName, joinMerchant) =>
        Effect.gen(function* () {
          const mode = Tenant.modeOfKeyId(keyId) ?? "test"
          const existing = keys.get(keyId)
          if (existing !== undefined) {
            keys.set(keyId, { key: existing.key, secret })
            return { merchant: all.get(existing.key.merchantId)!, key: existing.key, created: false }
          }
          const joined = joinMerchant === undefined ? undefined : all.get(joinMerchant)
          if (joinMerchant !== undefined && joined === undefined)
            return yield* Effect.dieMessage(`No merchant ${joinMerchant}`)
          const merchant = joined ?? (yield* createMerchant(merchantName))
          const key: ApiKey = {
            keyId,
            merchantId: merchant.id,
            mode,
            createdAt: (Date.now() / 1000) | 0,
            revokedAt: null
          }
          keys.set(keyId, { key, secret })
          return { merchant, key, created: true }
        }),
      listKeys: (merchantId) =>
        Effect.sync(() => [...keys.values()].filter((entry) => entry.key.merchantId === merchantId).map((e) => e.key)),
      revokeKey: (keyId) =>
        Effect.suspend(() => {
          const entry = keys.get(keyId)
          if (entry === undefined) return Effect.fail(new KeyNotFound({ keyId }))
          keys.set(keyId, { ...entry, key: { ...entry.key, revokedAt: (Date.now() / 1000) | 0 } })
          return Effect.void
        }),
      authenticate: (keyId, secret) =>
        Effect.suspend(() => {
          const entry = keys.get(keyId)
          if (entry === undefined || entry.key.revokedAt !== null)
            return Effect.fail(new AuthenticationFailed({ reason: "unknown_key" }))
          if (!constantTimeEquals(entry.secret, secret))
            return Effect.fail(new AuthenticationFailed({ reason: "wrong_secret" }))
          return Effect.succeed({ tenant: Tenant.make(entry.key.merchantId, entry.key.mode), keyId })
        }),
      secretOf: (keyId) => Effect.sync(() => Option.fromNullable(keys.get(keyId)?.secret))
    }
  })
)

/** In-memory test clocks: an offset per (merchant, test mode); live mode never moves. */
export const testClocks: Layer.Layer<TestClocks> = Layer.sync(TestClocks, () => {
  const clocks = new Map<string, { readonly tenant: Tenant.Tenant; readonly offset: number }>()
  return {
    offset: (tenant) => Effect.sync(() => (tenant.mode === "live" ? 0 : (clocks.get(tenantKey(tenant))?.offset ?? 0))),
    advance: (tenant, seconds) =>
      Effect.sync(() => {
        if (tenant.mode === "live") return 0
        const offset = (clocks.get(tenantKey(tenant))?.offset ?? 0) + Math.max(0, Math.floor(seconds))
        clocks.set(tenantKey(tenant), { tenant, offset })
        return offset
      }),
    listAdvanced: Effect.sync(() => [...clocks.values()].filter((clock) => clock.offset > 0))
  }
})

/** An in-memory idempotency store. */
export const idempotency: Layer.Layer<IdempotencyStore> = Layer.sync(IdempotencyStore, () => {
  const records = new Map<string, { hash: string; at: number; response: StoredResponse | null }>()
  const keyOf = (tenant: Tenant.Tenant, key: string) => `${tenantKey(tenant)}/${key}`
  return {
    begin: (tenant, key, requestHash, now) =>
      Effect.sync(() => {
        const record = records.get(keyOf(tenant, key))
        if (record === undefined || record.at + RETENTION_SECONDS <= now) {
          records.set(keyOf(tenant, key), { hash: requestHash, at: now, response: null })
          return { _tag: "Claimed" } as const
        }
        if (record.hash !== requestHash) return { _tag: "Mismatch" } as const
        if (record.response === null) return { _tag: "InProgress" } as const
        return { _tag: "Replay", response: record.response } as const
      }),
    complete: (tenant, key, response) =>
      Effect.sync(() => {
        const record = records.get(keyOf(tenant, key))
        if (record !== undefined) records.set(keyOf(tenant, key), { ...record, response })
      }),
    release: (tenant, key) =>
      Effect.sync(() => {
        // Only an unanswered claim is given up; a stored response stays replayable.
        if (records.get(keyOf(tenant, key))?.response === null) records.delete(keyOf(tenant, key))
      })
  }
})

/** Every in-memory storage port at once. */
export const layer: Layer.Layer<
  PaymentLinkRepository | Outbox | Merchants | TestClocks | IdempotencyStore,
  never,
  IdGenerator
> = Layer.mergeAll(repository, merchants, testClocks, idempotency)
