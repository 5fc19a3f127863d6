/**
 * The storage contract: one suite, run unchanged against every adapter (in-memory, SQLite,
 * PostgreSQL). `makeStorage` must return a fresh, empty store each time it is called.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Contracts from "@paylinks/core/Contracts"
import { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type { PaymentLinkId, ShortCode } from "@paylinks/core/Ids"
import { newestFirst } from "@paylinks/core/InMemory"
import { Merchants } from "@paylinks/core/Merchants"
import { Outbox } from "@paylinks/core/Outbox"
import type { PaymentLink } from "@paylinks/core/PaymentLink"
import { PaymentLinkRepository, StaleLink } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as Tenant from "@paylinks/core/Tenant"
import { TestClocks } from "@paylinks/core/TestClocks"
import * as Transitions from "@paylinks/core/Transitions"
import type { ListQuery } from "@paylinks/core/Validation"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"

export type StoragePorts = PaymentLinkRepository | Merchants | TestClocks | IdempotencyStore | Outbox

type Env = StoragePorts | PaymentLinks.PaymentLinks | IdGenerator.IdGenerator

export const T0 = 1_700_000_000
const DAY = 86_400

const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({
  contract: "invoices",
  type: null,
  status: null,
  receipt: null,
  customerId: null,
  paymentId: null,
  upiLink: null,
  from: null,
  to: null,
  count: 100,
  skip: 0,
  ...overrides
})

const ids = (links: ReadonlyArray<PaymentLink>) => links.map((link) => link.id)

/** Two merchants; the first with a test and a live key. */
const setup = Effect.gen(function* () {
  yield* TestClock.setTime(T0 * 1000)
  const merchants = yield* Merchants
  const a = yield* merchants.seedKey("rzp_test_contractA1", "secret-a-test", "Acme")
  const aLive = yield* merchants.issueKey(a.merchant.id, "live")
  yield* merchants.seedKey("rzp_test_contractB1", "secret-b-test", "Bolt")
  return {
    links: yield* PaymentLinks.PaymentLinks,
    repository: yield* PaymentLinkRepository,
    a: yield* merchants.authenticate("rzp_test_contractA1", "secret-a-test"),
    aLive: yield* merchants.authenticate(aLive.key.keyId, aLive.secret),
    b: yield* merchants.authenticate("rzp_test_contractB1", "secret-b-test")
  }
})

/** Runs an effect on a fresh storage of `makeStorage`, with the use-cases on top of it. */
export const runOn =
  (makeStorage: () => Layer.Layer<StoragePorts, unknown, IdGenerator.IdGenerator>) =>
  <A, E>(effect: Effect.Effect<A, E, Env>) =>
    Effect.suspend(() => {
      const storage = makeStorage().pipe(Layer.provideMerge(IdGenerator.layerCrypto))
      const env = PaymentLinks.layer.pipe(
        Layer.provideMerge(storage),
        Layer.provideMerge(PaymentLinks.linkSettings("http://localhost:4010"))
      )
      return Effect.provide(effect, env)
    })

export const storageContract = (
  name: string,
  makeStorage: () => Layer.Layer<StoragePorts, unknown, IdGenerator.IdGenerator>
) => {
  const run = runOn(makeStorage)

  describe(`storage contract: ${name}`, () => {
    describe("PaymentLinkRepository", () => {
      it.effect("stores a link and finds it by id and short code, only within its tenant", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a, aLive, b } = yield* setup
            const link = yield* links.create(a, {
              type: "link",
              amount: 29995,
              currency: "INR",
              description: "Shoes",
              receipt: "R-1",
              customer: { name: "Gaurav", email: "gaurav@example.com", contact: "+919000090000" },
              notes: { size: "9", colour: "blue" },
              partial_payment: true,
              first_payment_min_amount: 10000,
              callback_url: "https://shop.example/cb",
              callback_method: "get"
            })
            const found = yield* repository.findById(a.tenant, link.id)
            expect(Option.getOrThrow(found)).toEqual(link)
            expect(Option.getOrThrow(found).version).toBe(1)
            expect(yield* repository.findById(b.tenant, link.id)).toEqual(Option.none())
            expect(yield* repository.findById(aLive.tenant, link.id)).toEqual(Option.none())
            expect(Option.getOrThrow(yield* repository.findByShortCode(link.shortCode))).toEqual(link)
            expect(yield* repository.findByShortCode("ZZZZZZZZ" as ShortCode)).toEqual(Option.none())
            expect(yield* repository.findById(a.tenant, "inv_00000000000000" as PaymentLinkId)).toEqual(Option.none())
          })
        )
      )

      it.effect("keeps customers per tenant and reuses them by customer_id", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a, aLive, b } = yield* setup
            const first = yield* links.create(a, {
              type: "link",
              amount: 500,
              customer: { name: "Asha", email: "asha@example.com", contact: null }
            })
            const customer = first.customer!
            expect(Option.getOrThrow(yield* repository.findCustomer(a.tenant, customer.id))).toEqual(customer)
            expect(yield* repository.findCustomer(b.tenant, customer.id)).toEqual(Option.none())
            expect(yield* repository.findCustomer(aLive.tenant, customer.id)).toEqual(Option.none())
            const second = yield* links.create(a, { type: "link", amount: 700, customer_id: customer.id })
            expect(second.customer).toEqual(customer)
            const other = yield* Effect.flip(links.create(b, { type: "link", amount: 700, customer_id: customer.id }))
            expect(other.message).toBe("The id provided does not exist")
          })
        )
      )

      it.effect("lists newest first (created_at, then id), pages with count and skip, within the tenant only", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a, aLive, b } = yield* setup
            const created: Array<PaymentLink> = []
            for (let i = 0; i < 7; i++) {
              // Pairs share a second, so the id decides their order.
              if (i % 2 === 0) yield* TestClock.adjust("1 second")
              created.push(yield* links.create(a, { type: "link", amount: 100 + i }))
            }
            yield* links.create(b, { type: "link", amount: 100 })
            yield* links.create(aLive, { type: "link", amount: 100 })
            const expected = [...created].sort(newestFirst)
            const now = yield* links.now(a.tenant)
            expect(ids(yield* repository.list(a.tenant, query(), now))).toEqual(ids(expected))
            expect(ids(yield* repository.list(a.tenant, query({ count: 3 }), now))).toEqual(ids(expected.slice(0, 3)))
            expect(ids(yield* repository.list(a.tenant, query({ count: 3, skip: 3 }), now))).toEqual(
              ids(expected.slice(3, 6))
            )
            expect(ids(yield* repository.list(a.tenant, query({ count: 3, skip: 6 }), now))).toEqual(
              ids(expected.slice(6))
            )
            expect(yield* repository.list(a.tenant, query({ skip: 7 }), now)).toEqual([])
            expect(yield* repository.list(b.tenant, query(), now)).toHaveLength(1)
            expect(yield* repository.list(aLive.tenant, query(), now)).toHaveLength(1)
            // What is stored is what comes back.
            expect(yield* repository.list(a.tenant, query(), now)).toEqual(expected)
          })
        )
      )

      it.effect("filters by status as of now: an open link past expire_by is expired, not issued", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a } = yield* setup
            const issued = yield* links.create(a, { type: "link", amount: 1000 })
            const partial = yield* links.create(a, { type: "link", amount: 1000, partial_payment: true })
            yield* links.pay(a.tenant, partial.id, { amount: 400 })
            const paid = yield* links.create(a, { type: "link", amount: 1000 })
            yield* links.pay(a.tenant, paid.id, {})
            const cancelled = yield* links.create(a, { type: "link", amount: 1000 })
            yield* links.cancel(a.tenant, cancelled.id)
            const dueIssued = yield* links.create(a, { type: "link", amount: 1000, expire_by: T0 + DAY })
            const duePartial = yield* links.create(a, {
              type: "link",
              amount: 1000,
              partial_payment: true,
              expire_by: T0 + DAY
            })
            yield* links.pay(a.tenant, duePartial.id, { amount: 300 })
            const sweptAway = yield* links.create(a, { type: "link", amount: 1000, expire_by: T0 + DAY })
            yield* TestClock.adjust(`${DAY} seconds`)
            const now = yield* links.now(a.tenant)
            // One of the due links has its expiry stored; the other two are only due.
            const transition = Transitions.expire(
              Option.getOrThrow(yield* repository.findById(a.tenant, sweptAway.id)),
              now
            )
            yield* repository.save(Either.getOrThrow(transition))
            const byStatus = (status: ListQuery["status"]) =>
              Effect.map(repository.list(a.tenant, query({ status }), now), (found) => new Set(ids(found)))
            expect(yield* byStatus("issued")).toEqual(new Set([issued.id]))
            expect(yield* byStatus("partially_paid")).toEqual(new Set([partial.id]))
            expect(yield* byStatus("paid")).toEqual(new Set([paid.id]))
            expect(yield* byStatus("cancelled")).toEqual(new Set([cancelled.id]))
            expect(yield* byStatus("expired")).toEqual(new Set([dueIssued.id, duePartial.id, sweptAway.id]))
            // Just before expiry, the due links still count as open.
            const before = yield* repository.list(a.tenant, query({ status: "issued" }), T0 + DAY - 1)
            expect(new Set(ids(before))).toEqual(new Set([issued.id, dueIssued.id]))
          })
        )
      )

      it.effect("filters by receipt, customer_id, payment_id and the inclusive created_at range, combined", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a, b } = yield* setup
            const first = yield* links.create(a, {
              type: "link",
              amount: 1000,
              receipt: "R-7",
              customer: { name: "Ravi", email: "ravi@example.com", contact: null }
            })
            yield* TestClock.adjust("10 seconds")
            const second = yield* links.create(a, { type: "link", amount: 1000, customer_id: first.customer!.id })
            yield* TestClock.adjust("10 seconds")
            const third = yield* links.create(a, { type: "link", amount: 1000, receipt: "R-7", partial_payment: true })
            const foreign = yield* links.create(b, { type: "link", amount: 1000, receipt: "R-7" })
            const paidThird = yield* links.pay(a.tenant, third.id, { amount: 200 })
            const paidForeign = yield* links.pay(b.tenant, foreign.id, {})
            const now = yield* links.now(a.tenant)
            const list = (overrides: Partial<ListQuery>) =>
              Effect.map(repository.list(a.tenant, query(overrides), now), ids)
            expect(yield* list({ receipt: "R-7" })).toEqual([third.id, first.id])
            expect(yield* list({ receipt: "R-8" })).toEqual([])
            expect(yield* list({ customerId: first.customer!.id })).toEqual([second.id, first.id])
            expect(yield* list({ paymentId: paidThird.payments[0]!.id })).toEqual([third.id])
            // Another tenant's payment id finds nothing here.
            expect(yield* list({ paymentId: paidForeign.payments[0]!.id })).toEqual([])
            expect(yield* list({ from: T0 + 10, to: T0 + 10 })).toEqual([second.id])
            expect(yield* list({ from: T0 + 10 })).toEqual([third.id, second.id])
            expect(yield* list({ to: T0 + 10 })).toEqual([second.id, first.id])
            expect(yield* list({ from: T0 + 1, to: T0 + 9 })).toEqual([])
            expect(yield* list({ receipt: "R-7", from: T0 + 1 })).toEqual([third.id])
            expect(yield* list({ receipt: "R-7", status: "partially_paid" })).toEqual([third.id])
            expect(yield* list({ receipt: "R-7", status: "issued" })).toEqual([first.id])
          })
        )
      )

      it.effect("saves by compare-and-set: a stale version fails with StaleLink and writes nothing", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a } = yield* setup
            const link = yield* links.create(a, { type: "link", amount: 1000 })
            const now = yield* links.now(a.tenant)
            const cancel = Either.getOrThrow(Transitions.cancel(link, now))
            const eventsBefore = yield* repository.eventsOf(a.tenant, link.id)
            yield* repository.save(cancel)
            const stored = Option.getOrThrow(yield* repository.findById(a.tenant, link.id))
            expect(stored).toEqual(cancel.link)
            expect(stored.version).toBe(2)
            // A second transition computed from the same (now stale) version loses.
            const pay = Either.getOrThrow(
              Transitions.pay(link, { amount: null, method: "card" }, "pay_00000000000001" as never, now)
            )
            const lost = yield* Effect.flip(repository.save(pay))
            expect(lost).toEqual(new StaleLink({ id: link.id }))
            expect(Option.getOrThrow(yield* repository.findById(a.tenant, link.id))).toEqual(cancel.link)
            const eventsAfter = yield* repository.eventsOf(a.tenant, link.id)
            expect(eventsAfter.map((stored) => stored.event._tag)).toEqual([
              ...eventsBefore.map((stored) => stored.event._tag),
              "LinkCancelled"
            ])
            // The lost payment left no trace for the payment_id filter either.
            expect(yield* repository.list(a.tenant, query({ paymentId: "pay_00000000000001" }), now)).toEqual([])
          })
        )
      )

      it.effect(
        "Payment Links: each contract sees only its own links; a reference is unique per merchant and mode",
        () =>
          run(
            Effect.gen(function* () {
              const { links, a, aLive, b } = yield* setup
              const v2 = Contracts.paymentLinks
              const plink = yield* links.create(a, { amount: 5000, reference_id: "ORD-1" }, {}, v2)
              const invoice = yield* links.create(a, { type: "link", amount: 5000, receipt: "ORD-1" })
              // The invoices' receipt is not unique; it does not collide with a Payment Links reference.
              const invoiceAgain = yield* links.create(a, { type: "link", amount: 5000, receipt: "ORD-1" })
              expect(plink.id.startsWith("plink_")).toBe(true)
              expect(ids(yield* links.list(a.tenant, {}, v2))).toEqual([plink.id])
              expect(ids(yield* links.list(a.tenant, {}))).toEqual([invoiceAgain.id, invoice.id].sort().reverse())
              expect(ids(yield* links.list(a.tenant, { reference_id: "ORD-1" }, v2))).toEqual([plink.id])
              expect(yield* Effect.flip(links.get(a.tenant, plink.id))).toMatchObject({ _tag: "LinkNotFound" })
              expect(yield* Effect.flip(links.get(a.tenant, invoice.id, v2))).toMatchObject({ _tag: "LinkNotFound" })

              const taken = yield* Effect.flip(links.create(a, { amount: 7000, reference_id: "ORD-1" }, {}, v2))
              expect(taken._tag).toBe("ReferenceTaken")
              expect(ids(yield* links.list(a.tenant, {}, v2))).toEqual([plink.id])
              // Another merchant, or the other mode, may use the same reference.
              yield* links.create(b, { amount: 5000, reference_id: "ORD-1" }, {}, v2)
              yield* links.create(aLive, { amount: 5000, reference_id: "ORD-1" }, {}, v2)

              // An update that takes a held reference is refused and changes nothing.
              const other = yield* links.create(a, { amount: 9000, reference_id: "ORD-2" }, {}, v2)
              const refused = yield* Effect.flip(links.update(a.tenant, other.id, { reference_id: "ORD-1" }, v2))
              expect(refused._tag).toBe("ReferenceTaken")
              expect(yield* links.get(a.tenant, other.id, v2)).toEqual(other)
              const renamed = yield* links.update(a.tenant, other.id, { reference_id: "ORD-3" }, v2)
              expect(renamed.receipt).toBe("ORD-3")
              // The freed reference can be used again.
              yield* links.create(a, { amount: 1000, reference_id: "ORD-2" }, {}, v2)
            })
          )
      )

      it.effect(
        "Payment Links: concurrent creates with one reference store one link; pay against cancel has one winner",
        () =>
          run(
            Effect.gen(function* () {
              const { links, a } = yield* setup
              const v2 = Contracts.paymentLinks
              const outcomes = yield* Effect.all(
                Array.from({ length: 8 }, (_, i) =>
                  Effect.either(links.create(a, { amount: 1000 + i, reference_id: "RACE" }, {}, v2))
                ),
                { concurrency: "unbounded" }
              )
              expect(outcomes.filter(Either.isRight)).toHaveLength(1)
              expect(outcomes.filter(Either.isLeft).map((outcome) => outcome.left._tag)).toEqual(
                Array.from({ length: 7 }, () => "ReferenceTaken")
              )
              expect(yield* links.list(a.tenant, { reference_id: "RACE" }, v2)).toHaveLength(1)

              const link = yield* links.create(a, { amount: 5000 }, {}, v2)
              const [paid, cancelled] = yield* Effect.all(
                [
                  Effect.either(links.pay(a.tenant, link.id, {}, v2)),
                  Effect.either(links.cancel(a.tenant, link.id, v2))
                ],
                { concurrency: "unbounded" }
              )
              expect([Either.isRight(paid), Either.isRight(cancelled)].filter(Boolean)).toHaveLength(1)
              const stored = yield* links.get(a.tenant, link.id, v2)
              expect(stored.status).toBe(Either.isRight(paid) ? "paid" : "cancelled")
              expect(stored.version).toBe(2)
            })
          )
      )

      it.effect("finds a link by one of its payments and by its order, only within its tenant", () =>
        run(
          Effect.gen(function* () {
            const { links, a, aLive, b } = yield* setup
            const invoice = yield* links.pay(a.tenant, (yield* links.create(a, { type: "link", amount: 5000 })).id, {})
            const v2 = Contracts.paymentLinks
            const plink = yield* links.create(a, { amount: 7000, accept_partial: true }, {}, v2)
            const paid = yield* links.pay(a.tenant, plink.id, { amount: 2000 }, v2)
            for (const link of [invoice, paid]) {
              const payment = link.payments[0]!
              const found = yield* links.getPayment(a.tenant, payment.id)
              expect(found.link).toEqual(link)
              expect(found.payment).toEqual(payment)
              expect(yield* links.getOrder(a.tenant, link.orderId)).toEqual(link)
              for (const other of [b, aLive]) {
                expect((yield* Effect.flip(links.getPayment(other.tenant, payment.id)))._tag).toBe("LinkNotFound")
                expect((yield* Effect.flip(links.getOrder(other.tenant, link.orderId)))._tag).toBe("LinkNotFound")
              }
            }
            expect((yield* Effect.flip(links.getPayment(a.tenant, "pay_x")))._tag).toBe("MalformedId")
          })
        )
      )

      it.effect("appends each transition's events with it, in order, with unique evt_ ids, per tenant", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a, b } = yield* setup
            const link = yield* links.create(a, {
              type: "link",
              amount: 1000,
              partial_payment: true,
              customer: { name: "Meera", email: "meera@example.com", contact: "+919812345678" }
            })
            yield* links.pay(a.tenant, link.id, { amount: 400 })
            const paid = yield* links.pay(a.tenant, link.id, { amount: 600 })
            const events = yield* repository.eventsOf(a.tenant, link.id)
            expect(events.map((stored) => stored.event._tag)).toEqual([
              "LinkIssued",
              "NotificationRequested",
              "NotificationRequested",
              "LinkPartiallyPaid",
              "LinkPaid"
            ])
            const sequences = events.map((stored) => stored.sequence)
            expect([...sequences].sort((x, y) => x - y)).toEqual(sequences)
            expect(new Set(sequences).size).toBe(sequences.length)
            expect(new Set(events.map((stored) => stored.eventId)).size).toBe(events.length)
            for (const stored of events) expect(stored.eventId).toMatch(/^evt_[0-9A-Za-z]{14}$/)
            // Each event carries the link as it stood after its transition.
            expect(events[4]!.event.link).toEqual(paid)
            expect(events[3]!.event.link.amountPaid).toBe(400)
            expect(yield* repository.eventsOf(b.tenant, link.id)).toEqual([])
          })
        )
      )

      it.effect("finds due links: open and past expire_by, oldest expiry first, limited, optionally per tenant", () =>
        run(
          Effect.gen(function* () {
            const { links, repository, a, b } = yield* setup
            const late = yield* links.create(a, { type: "link", amount: 1000, expire_by: T0 + 3 * DAY })
            const early = yield* links.create(a, { type: "link", amount: 1000, expire_by: T0 + DAY })
            const partial = yield* links.create(a, {
              type: "link",
              amount: 1000,
              partial_payment: true,
              expire_by: T0 + 2 * DAY
            })
            yield* links.pay(a.tenant, partial.id, { amount: 100 })
            const paid = yield* links.create(a, { type: "link", amount: 1000, expire_by: T0 + DAY })
            yield* links.pay(a.tenant, paid.id, {})
            const cancelled = yield* links.create(a, { type: "link", amount: 1000, expire_by: T0 + DAY })
            yield* links.cancel(a.tenant, cancelled.id)
            yield* links.create(a, { type: "link", amount: 1000, expire_by: T0 + 30 * DAY })
            const foreign = yield* links.create(b, { type: "link", amount: 1000, expire_by: T0 + 2 * DAY })
            const at = T0 + 3 * DAY
            // Links due at the same second may come in either order.
            const all = ids(yield* repository.findDue(at, 10))
            expect(all).toHaveLength(4)
            expect([all[0], new Set(all.slice(1, 3)), all[3]]).toEqual([
              early.id,
              new Set([partial.id, foreign.id]),
              late.id
            ])
            expect(ids(yield* repository.findDue(at, 10, a.tenant))).toEqual([early.id, partial.id, late.id])
            expect(ids(yield* repository.findDue(at, 1, a.tenant))).toEqual([early.id])
            expect(ids(yield* repository.findDue(T0 + DAY - 1, 10))).toEqual([])
            expect(ids(yield* repository.findDue(T0 + DAY, 10))).toEqual([early.id])
            // Once the sweeper stores the expiry, the link is no longer due.
            yield* TestClock.setTime(at * 1000)
            expect(yield* links.expireDue(10, a.tenant)).toBe(3)
            expect(ids(yield* repository.findDue(at, 10))).toEqual([foreign.id])
          })
        )
      )
    })

    describe("Merchants", () => {
      it.effect("creates merchants and keys; authenticates with the exact refusal texts", () =>
        run(
          Effect.gen(function* () {
            const merchants = yield* Merchants
            const merchant = yield* merchants.create("Chai Point")
            expect(merchant.id).toMatch(/^acc_[0-9A-Za-z]{14}$/)
            expect(Option.getOrThrow(yield* merchants.find(merchant.id))).toEqual(merchant)
            expect((yield* merchants.list).map((m) => m.id)).toContain(merchant.id)
            const { key, secret } = yield* merchants.issueKey(merchant.id, "test")
            expect(key.keyId).toMatch(/^rzp_test_[0-9A-Za-z]{14}$/)
            expect(secret.length).toBeGreaterThanOrEqual(24)
            const live = yield* merchants.issueKey(merchant.id, "live")
            expect(live.key.keyId).toMatch(/^rzp_live_[0-9A-Za-z]{14}$/)
            const principal = yield* merchants.authenticate(key.keyId, secret)
            expect(principal).toEqual({ tenant: Tenant.make(merchant.id, "test"), keyId: key.keyId })
            expect((yield* merchants.authenticate(live.key.keyId, live.secret)).tenant.mode).toBe("live")
            const wrong = yield* Effect.flip(merchants.authenticate(key.keyId, `${secret}x`))
            expect(wrong.message).toBe("The api secret provided is invalid")
            const prefix = yield* Effect.flip(merchants.authenticate(key.keyId, secret.slice(0, -1)))
            expect(prefix.message).toBe("The api secret provided is invalid")
            const unknown = yield* Effect.flip(merchants.authenticate("rzp_test_nobody000000000", secret))
            expect(unknown.message).toBe("The api key provided is invalid")
            expect(Option.getOrThrow(yield* merchants.secretOf(key.keyId))).toBe(secret)
            expect(yield* merchants.secretOf("rzp_test_nobody000000000")).toEqual(Option.none())
            expect((yield* merchants.listKeys(merchant.id)).map((k) => k.keyId).sort()).toEqual(
              [key.keyId, live.key.keyId].sort()
            )
            const missing = yield* Effect.flip(merchants.issueKey("acc_00000000000000" as never, "test"))
            expect(missing._tag).toBe("MerchantNotFound")
          })
        )
      )

      it.effect(
        "a revoked key stops working at once, keeps its secret for signing, and shows when it was revoked",
        () =>
          run(
            Effect.gen(function* () {
              yield* TestClock.setTime(T0 * 1000)
              const merchants = yield* Merchants
              const merchant = yield* merchants.create("Acme")
              const { key, secret } = yield* merchants.issueKey(merchant.id, "test")
              yield* TestClock.adjust("5 seconds")
              yield* merchants.revokeKey(key.keyId)
              const refused = yield* Effect.flip(merchants.authenticate(key.keyId, secret))
              expect(refused.message).toBe("The api key provided is invalid")
              expect(Option.getOrThrow(yield* merchants.secretOf(key.keyId))).toBe(secret)
              const listed = yield* merchants.listKeys(merchant.id)
              expect(listed.find((k) => k.keyId === key.keyId)?.revokedAt).toBeGreaterThanOrEqual(T0)
              const missing = yield* Effect.flip(merchants.revokeKey("rzp_test_nobody000000000"))
              expect(missing._tag).toBe("KeyNotFound")
            })
          )
      )

      it.effect("seeding a key pair is idempotent: same pair, same merchant; a new secret replaces the old", () =>
        run(
          Effect.gen(function* () {
            const merchants = yield* Merchants
            const first = yield* merchants.seedKey("rzp_test_seeded123", "first-secret", "Seeded")
            expect(first.created).toBe(true)
            expect(first.key.mode).toBe("test")
            const again = yield* merchants.seedKey("rzp_test_seeded123", "first-secret", "Seeded")
            expect(again.created).toBe(false)
            expect(again.merchant).toEqual(first.merchant)
            expect((yield* merchants.list).filter((m) => m.name === "Seeded")).toHaveLength(1)
            const rotated = yield* merchants.seedKey("rzp_test_seeded123", "second-secret", "Seeded")
            expect(rotated.merchant.id).toBe(first.merchant.id)
            const old = yield* Effect.flip(merchants.authenticate("rzp_test_seeded123", "first-secret"))
            expect(old.message).toBe("The api secret provided is invalid")
            const principal = yield* merchants.authenticate("rzp_test_seeded123", "second-secret")
            expect(principal.tenant.merchantId).toBe(first.merchant.id)
            const live = yield* merchants.seedKey("rzp_live_seeded123", "live-secret", "Seeded live")
            expect(live.key.mode).toBe("live")
            expect((yield* merchants.authenticate("rzp_live_seeded123", "live-secret")).tenant.mode).toBe("live")
          })
        )
      )
      it.effect("a new key id seeded with joinMerchant opens that existing merchant, not a new one", () =>
        run(
          Effect.gen(function* () {
            const merchants = yield* Merchants
            const merchant = yield* merchants.create("Joined")
            const before = (yield* merchants.list).length
            const seeded = yield* merchants.seedKey("rzp_test_joining123", "join-secret", "Unused name", merchant.id)
            expect(seeded.created).toBe(true)
            expect(seeded.merchant.id).toBe(merchant.id)
            expect((yield* merchants.list).length).toBe(before)
            const principal = yield* merchants.authenticate("rzp_test_joining123", "join-secret")
            expect(principal.tenant.merchantId).toBe(merchant.id)
            expect((yield* merchants.listKeys(merchant.id)).map((key) => key.keyId)).toContain("rzp_test_joining123")
            // A key id already known keeps its merchant, whatever merchant is named to join.
            const other = yield* merchants.create("Other")
            const again = yield* merchants.seedKey("rzp_test_joining123", "join-secret", "Unused name", other.id)
            expect(again.created).toBe(false)
            expect(again.merchant.id).toBe(merchant.id)
          })
        )
      )
    })

    describe("TestClocks", () => {
      it.effect("keeps a persisted offset per merchant in test mode; live mode never moves", () =>
        run(
          Effect.gen(function* () {
            const { a, aLive, b } = yield* setup
            const clocks = yield* TestClocks
            expect(yield* clocks.offset(a.tenant)).toBe(0)
            expect(yield* clocks.advance(a.tenant, 3600)).toBe(3600)
            expect(yield* clocks.advance(a.tenant, 60.9)).toBe(3660)
            expect(yield* clocks.advance(a.tenant, -100)).toBe(3660)
            expect(yield* clocks.offset(a.tenant)).toBe(3660)
            expect(yield* clocks.offset(b.tenant)).toBe(0)
            expect(yield* clocks.advance(aLive.tenant, 100)).toBe(0)
            expect(yield* clocks.offset(aLive.tenant)).toBe(0)
            yield* Effect.all(
              Array.from({ length: 10 }, () => clocks.advance(b.tenant, 10)),
              { concurrency: "unbounded" }
            )
            expect(yield* clocks.offset(b.tenant)).toBe(100)
          })
        )
      )

      it.effect("lists the test-mode clocks that run ahead, and only those", () =>
        run(
          Effect.gen(function* () {
            const { a, aLive, b } = yield* setup
            const clocks = yield* TestClocks
            expect(yield* clocks.listAdvanced).toEqual([])
            yield* clocks.advance(aLive.tenant, 100)
            yield* clocks.advance(b.tenant, 0)
            expect(yield* clocks.listAdvanced).toEqual([])
            yield* clocks.advance(a.tenant, 120)
            yield* clocks.advance(b.tenant, 60)
            const listed = yield* clocks.listAdvanced
            const byMerchant = (merchantId: string) => listed.find((clock) => clock.tenant.merchantId === merchantId)
            expect(listed).toHaveLength(2)
            expect(byMerchant(a.tenant.merchantId)).toMatchObject({ offset: 120, tenant: { mode: "test" } })
            expect(byMerchant(b.tenant.merchantId)).toMatchObject({ offset: 60, tenant: { mode: "test" } })
          })
        )
      )
    })

    describe("IdempotencyStore", () => {
      it.effect("claims a key once, reports it in progress, replays the stored response, refuses another body", () =>
        run(
          Effect.gen(function* () {
            const { a, aLive, b } = yield* setup
            const store = yield* IdempotencyStore
            expect(yield* store.begin(a.tenant, "key-1", "hash-1", T0)).toEqual({ _tag: "Claimed" })
            expect(yield* store.begin(a.tenant, "key-1", "hash-1", T0 + 1)).toEqual({ _tag: "InProgress" })
            expect(yield* store.begin(a.tenant, "key-1", "hash-2", T0 + 1)).toEqual({ _tag: "Mismatch" })
            const body = '{"id":"inv_1","amount":100,"note":"ünïcødé ✓"}'
            yield* store.complete(a.tenant, "key-1", { status: 200, body })
            expect(yield* store.begin(a.tenant, "key-1", "hash-1", T0 + 2)).toEqual({
              _tag: "Replay",
              response: { status: 200, body }
            })
            expect(yield* store.begin(a.tenant, "key-1", "hash-2", T0 + 2)).toEqual({ _tag: "Mismatch" })
            // Keys are per tenant.
            expect(yield* store.begin(b.tenant, "key-1", "hash-2", T0 + 2)).toEqual({ _tag: "Claimed" })
            expect(yield* store.begin(aLive.tenant, "key-1", "hash-2", T0 + 2)).toEqual({ _tag: "Claimed" })
            // A completed key is not released.
            yield* store.release(a.tenant, "key-1")
            expect((yield* store.begin(a.tenant, "key-1", "hash-1", T0 + 3))._tag).toBe("Replay")
          })
        )
      )

      it.effect("a released key can be claimed again; a record expires after 24 hours", () =>
        run(
          Effect.gen(function* () {
            const { a } = yield* setup
            const store = yield* IdempotencyStore
            expect(yield* store.begin(a.tenant, "k", "h1", T0)).toEqual({ _tag: "Claimed" })
            yield* store.release(a.tenant, "k")
            expect(yield* store.begin(a.tenant, "k", "h2", T0 + 1)).toEqual({ _tag: "Claimed" })
            yield* store.complete(a.tenant, "k", { status: 400, body: "{}" })
            expect((yield* store.begin(a.tenant, "k", "h2", T0 + 1 + DAY - 1))._tag).toBe("Replay")
            expect(yield* store.begin(a.tenant, "k", "h3", T0 + 1 + DAY)).toEqual({ _tag: "Claimed" })
            expect(yield* store.begin(a.tenant, "k", "h3", T0 + 2 + DAY)).toEqual({ _tag: "InProgress" })
          })
        )
      )

      it.effect("concurrent begins on one key: exactly one claims it", () =>
        run(
          Effect.gen(function* () {
            const { a } = yield* setup
            const store = yield* IdempotencyStore
            const claims = yield* Effect.all(
              Array.from({ length: 20 }, () => store.begin(a.tenant, "race", "h", T0)),
              { concurrency: "unbounded" }
            )
            expect(claims.filter((claim) => claim._tag === "Claimed")).toHaveLength(1)
            expect(claims.filter((claim) => claim._tag === "InProgress")).toHaveLength(19)
          })
        )
      )
    })

    describe("Outbox", () => {
      it.effect("claims pending events in order under a lease; completes them; retries them later", () =>
        run(
          Effect.gen(function* () {
            const { links, a } = yield* setup
            const outbox = yield* Outbox
            const link = yield* links.create(a, { type: "link", amount: 1000 })
            yield* links.cancel(a.tenant, link.id)
            const now = T0 + 10
            const claimed = yield* outbox.claim("worker-1", now, 10, 30)
            expect(claimed.map((entry) => entry.event._tag)).toEqual(["LinkIssued", "LinkCancelled"])
            expect(claimed.map((entry) => entry.attempts)).toEqual([1, 1])
            expect(claimed[0]!.sequence).toBeLessThan(claimed[1]!.sequence)
            expect(claimed[1]!.tenant).toEqual(a.tenant)
            expect(claimed[1]!.linkId).toBe(link.id)
            expect(claimed[1]!.eventId).toMatch(/^evt_/)
            expect(claimed[1]!.event.link.status).toBe("cancelled")
            expect(claimed[0]!.createdAt).toBe(T0)
            // Leased: nobody else gets them until the lease runs out.
            expect(yield* outbox.claim("worker-2", now + 29, 10, 30)).toEqual([])
            const reclaimed = yield* outbox.claim("worker-2", now + 30, 1, 30)
            expect(reclaimed.map((entry) => [entry.sequence, entry.attempts])).toEqual([[claimed[0]!.sequence, 2]])
            yield* outbox.complete(reclaimed[0]!.sequence, now + 31)
            yield* outbox.retryLater(claimed[1]!.sequence, now + 100, "HTTP 500")
            expect(yield* outbox.claim("worker-3", now + 99, 10, 30)).toEqual([])
            const retried = yield* outbox.claim("worker-3", now + 100, 10, 30)
            expect(retried.map((entry) => [entry.sequence, entry.attempts])).toEqual([[claimed[1]!.sequence, 2]])
            yield* outbox.complete(retried[0]!.sequence, now + 101)
            expect(yield* outbox.claim("worker-4", now + 10_000, 10, 30)).toEqual([])
          })
        )
      )

      it.effect("concurrent claims never hand out the same entry twice", () =>
        run(
          Effect.gen(function* () {
            const { links, a } = yield* setup
            const outbox = yield* Outbox
            for (let i = 0; i < 30; i++) yield* links.create(a, { type: "link", amount: 1000 + i })
            const batches = yield* Effect.all(
              Array.from({ length: 8 }, (_, i) => outbox.claim(`worker-${i}`, T0 + 1, 5, 60)),
              { concurrency: "unbounded" }
            )
            const sequences = batches.flat().map((entry) => entry.sequence)
            expect(sequences).toHaveLength(30)
            expect(new Set(sequences).size).toBe(30)
          })
        )
      )
    })
  })
}
