import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as IdGenerator from "../src/IdGenerator.js"
import { PaymentLinkId, type ShortCode } from "../src/Ids.js"
import * as InMemory from "../src/InMemory.js"
import { Merchants } from "../src/Merchants.js"
import { PaymentLinkRepository } from "../src/PaymentLinkRepository.js"
import * as PaymentLinks from "../src/PaymentLinks.js"
import * as Tenant from "../src/Tenant.js"

const TestLayer = PaymentLinks.layer.pipe(
  Layer.provideMerge(InMemory.layer),
  Layer.provideMerge(PaymentLinks.linkSettings("http://localhost:4010")),
  Layer.provideMerge(IdGenerator.layerSequential)
)

const DAY = 86_400
const T0 = 1_700_000_000

const setup = Effect.gen(function* () {
  yield* TestClock.adjust(`${T0} seconds`)
  const merchants = yield* Merchants
  const { merchant } = yield* merchants.seedKey("rzp_test_abc123", "secret", "Acme")
  const principal = yield* merchants.authenticate("rzp_test_abc123", "secret")
  return { merchant, principal, tenant: principal.tenant, links: yield* PaymentLinks.PaymentLinks }
})

/** Moves the real clock (the Effect Clock) forward. */
const wait = (seconds: number) => TestClock.adjust(`${seconds} seconds`)

/** The tags of a link's outbox events, in order. */
const eventTags = (tenant: Tenant.Tenant, id: string) =>
  Effect.gen(function* () {
    const repository = yield* PaymentLinkRepository
    const events = yield* repository.eventsOf(tenant, PaymentLinkId.make(id))
    return events.map((row) => row.event._tag)
  })

describe("PaymentLinks use-cases (in-memory)", () => {
  it.effect("create → cancel → cancel again is refused and changes nothing", () =>
    Effect.gen(function* () {
      const { principal, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 29995, description: "Shoes" })
      expect(link.status).toBe("issued")
      expect(link.issuedAt).toBe(1_700_000_000)
      expect(link.amountDue).toBe(29995)
      const cancelled = yield* links.cancel(principal.tenant, link.id)
      expect(cancelled.status).toBe("cancelled")
      expect(cancelled.cancelledAt).toBe(1_700_000_000)
      const again = yield* Effect.flip(links.cancel(principal.tenant, link.id))
      expect(again.message).toBe("Operation not allowed for Invoice in cancelled status.")
      const stored = yield* links.get(principal.tenant, link.id)
      expect(stored).toEqual(cancelled)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a link past expire_by reads as expired and refuses cancel and pay", () =>
    Effect.gen(function* () {
      const { principal, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 100, expire_by: 1_700_000_000 + DAY })
      yield* TestClock.adjust(`${DAY} seconds`)
      const read = yield* links.get(principal.tenant, link.id)
      expect(read.status).toBe("expired")
      expect(read.expiredAt).toBe(1_700_000_000 + DAY)
      const cancel = yield* Effect.flip(links.cancel(principal.tenant, link.id))
      expect(cancel.message).toBe("Operation not allowed for Invoice in expired status.")
      const pay = yield* Effect.flip(links.pay(principal.tenant, link.id, {}))
      expect(pay.message).toBe("Operation not allowed for Invoice in expired status.")
      expect(yield* links.expireDue(100)).toBe(1)
      expect(yield* links.expireDue(100)).toBe(0)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("create issues a link with its ids, short URL and events; a bad body fails with every problem", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(
        principal,
        { type: "link", amount: 5000, customer: { name: "Asha", email: "asha@example.com", contact: "+919876543210" } },
        { idempotencyKey: "key-1" }
      )
      expect(link.id).toMatch(/^inv_[0-9A-Za-z]{14}$/)
      expect(link.orderId).toMatch(/^order_[0-9A-Za-z]{14}$/)
      expect(link.customer?.id).toMatch(/^cust_[0-9A-Za-z]{14}$/)
      expect(link.shortUrl).toBe(`http://localhost:4010/i/${link.shortCode}`)
      expect([link.merchantId, link.mode, link.keyId, link.idempotencyKey]).toEqual([
        tenant.merchantId,
        "test",
        "rzp_test_abc123",
        "key-1"
      ])
      expect(yield* eventTags(tenant, link.id)).toEqual([
        "LinkIssued",
        "NotificationRequested",
        "NotificationRequested"
      ])
      expect(yield* links.getByShortCode(link.shortCode)).toEqual(link)

      const failed = yield* Effect.flip(links.create(principal, { type: "link", amount: 50, currency: "XYZ", foo: 1 }))
      expect(failed._tag).toBe("ValidationFailed")
      expect(failed._tag === "ValidationFailed" && failed.problems.map((p) => p.description)).toEqual([
        "foo is/are not required and should not be sent",
        "The selected currency is invalid."
      ])
      const unknownCode = yield* Effect.flip(links.getByShortCode("zzzzzzzz" as ShortCode))
      expect(unknownCode.message).toBe("The id provided does not exist")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("customer_id reuses a customer of the same tenant and refuses anyone else's", () =>
    Effect.gen(function* () {
      const { principal, links } = yield* setup
      const first = yield* links.create(principal, { type: "link", amount: 100, customer: { email: "a@example.com" } })
      const again = yield* links.create(principal, { type: "link", amount: 100, customer_id: first.customer!.id })
      expect(again.customer).toEqual(first.customer)
      expect(again.emailStatus).toBe("pending")

      const merchants = yield* Merchants
      const live = yield* merchants.issueKey(principal.tenant.merchantId, "live")
      const livePrincipal = yield* merchants.authenticate(live.key.keyId, live.secret)
      const refused = yield* Effect.flip(
        links.create(livePrincipal, { type: "link", amount: 100, customer_id: first.customer!.id })
      )
      expect(refused._tag === "ValidationFailed" && refused.problems.map((p) => [p.field, p.description])).toEqual([
        ["customer_id", "The id provided does not exist"]
      ])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("moving the clock past expire_by lets the sweeper store the expiry once, with its event", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 100, expire_by: T0 + DAY })
      const later = yield* links.create(principal, { type: "link", amount: 100, expire_by: T0 + 3 * DAY })
      yield* wait(DAY - 1)
      expect(yield* links.expireDue(100)).toBe(0)
      expect((yield* links.get(tenant, link.id)).status).toBe("issued")
      yield* wait(1)
      expect(yield* links.expireDue(100)).toBe(1)
      const stored = yield* links.get(tenant, link.id)
      expect([stored.status, stored.expiredAt, stored.version]).toEqual(["expired", T0 + DAY, 2])
      expect(yield* eventTags(tenant, link.id)).toEqual(["LinkIssued", "LinkExpired"])
      yield* wait(DAY)
      expect(yield* links.expireDue(100)).toBe(0)
      expect(yield* eventTags(tenant, link.id)).toEqual(["LinkIssued", "LinkExpired"])
      expect((yield* links.get(tenant, later.id)).status).toBe("issued")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("expireDue takes at most `limit` links per call, oldest expiry first", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const created = []
      for (let i = 3; i >= 1; i--)
        created.push(yield* links.create(principal, { type: "link", amount: 100, expire_by: T0 + i * 3600 }))
      yield* wait(DAY)
      expect(yield* links.expireDue(2)).toBe(2)
      // The link expiring first (created last) went first; the one expiring last is still stored as issued.
      const [last, middle, first] = created
      expect(yield* eventTags(tenant, first!.id)).toEqual(["LinkIssued", "LinkExpired"])
      expect(yield* eventTags(tenant, middle!.id)).toEqual(["LinkIssued", "LinkExpired"])
      expect(yield* eventTags(tenant, last!.id)).toEqual(["LinkIssued"])
      expect(yield* links.expireDue(2)).toBe(1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("partial payments take a link through partially_paid to paid", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, {
        type: "link",
        amount: 10000,
        partial_payment: true,
        first_payment_min_amount: 2000
      })
      const tooSmall = yield* Effect.flip(links.pay(tenant, link.id, { amount: 1999 }))
      expect(tooSmall.message).toBe("The first payment must be at least INR 20.00.")
      yield* wait(60)
      const first = yield* links.pay(tenant, link.id, { amount: 3000, method: "upi" })
      expect([first.status, first.amountPaid, first.amountDue, first.paidAt]).toEqual([
        "partially_paid",
        3000,
        7000,
        null
      ])
      const over = yield* Effect.flip(links.pay(tenant, link.id, { amount: 7001 }))
      expect(over.message).toBe("Payment amount exceeds the amount due.")
      yield* wait(60)
      const second = yield* links.pay(tenant, link.id, {})
      expect([second.status, second.amountPaid, second.amountDue, second.paidAt]).toEqual(["paid", 10000, 0, T0 + 120])
      expect(second.payments.map((p) => [p.amount, p.method, p.status, p.createdAt])).toEqual([
        [3000, "upi", "captured", T0 + 60],
        [7000, "card", "captured", T0 + 120]
      ])
      expect(second.lastPayment?.id).toMatch(/^pay_/)
      expect(second.version).toBe(3)
      expect(yield* eventTags(tenant, link.id)).toEqual(["LinkIssued", "LinkPartiallyPaid", "LinkPaid"])
      const afterPaid = yield* Effect.flip(links.pay(tenant, link.id, { amount: 100 }))
      expect(afterPaid.message).toBe("Operation not allowed for Invoice in paid status.")
      const badBody = yield* Effect.flip(links.pay(tenant, link.id, { amount: 0 }))
      expect(badBody.message).toBe("The amount must be at least 1.")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("notify asks for a resend, the notifier confirms it, and unknown media or closed links are refused", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, {
        type: "link",
        amount: 100,
        customer: { email: "asha@example.com", contact: "+919876543210" }
      })
      const smsSent = yield* links.markNotificationSent(tenant, link.id, "sms")
      expect([smsSent.smsStatus, smsSent.emailStatus]).toEqual(["sent", "pending"])
      const again = yield* links.notify(tenant, link.id, "sms")
      expect(again.smsStatus).toBe("pending")
      const fax = yield* Effect.flip(links.notify(tenant, link.id, "fax"))
      expect(fax.message).toBe("fax is not a valid communication medium.")
      yield* links.markNotificationSent(tenant, link.id, "sms")
      const nothingPending = yield* Effect.flip(links.markNotificationSent(tenant, link.id, "sms"))
      expect(nothingPending.message).toBe("Operation not allowed for Invoice in issued status.")
      yield* links.cancel(tenant, link.id)
      const closed = yield* Effect.flip(links.notify(tenant, link.id, "email"))
      expect(closed.message).toBe("Operation not allowed for Invoice in cancelled status.")
      expect(yield* eventTags(tenant, link.id)).toEqual([
        "LinkIssued",
        "NotificationRequested",
        "NotificationRequested",
        "NotificationSent",
        "NotificationRequested",
        "NotificationSent",
        "LinkCancelled"
      ])
      const noCustomer = yield* links.create(principal, { type: "link", amount: 100 })
      const unreachable = yield* Effect.flip(links.notify(tenant, noCustomer.id, "email"))
      expect(unreachable.message).toBe("The customer's email is required to send an email.")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("update edits an issued link, only notes after that, and validates against the link", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 10000, notes: { a: "1" } })
      yield* wait(60)
      const edited = yield* links.update(tenant, link.id, {
        receipt: "R-9",
        notes: { a: "2" },
        partial_payment: true,
        first_payment_min_amount: 500,
        reminder_enable: true,
        expire_by: T0 + 2 * DAY
      })
      expect([
        edited.receipt,
        edited.notes,
        edited.partialPayment,
        edited.firstPaymentMinAmount,
        edited.reminderEnable,
        edited.expireBy,
        edited.version
      ]).toEqual(["R-9", { a: "2" }, true, 500, true, T0 + 2 * DAY, 2])
      const tooBig = yield* Effect.flip(links.update(tenant, link.id, { first_payment_min_amount: 10001 }))
      expect(tooBig.message).toBe("The first_payment_min_amount may not be greater than the amount.")

      yield* links.pay(tenant, link.id, {})
      const notes = yield* links.update(tenant, link.id, { notes: { a: "3" } })
      expect([notes.status, notes.notes, notes.version]).toEqual(["paid", { a: "3" }, 4])
      const receipt = yield* Effect.flip(links.update(tenant, link.id, { receipt: "R-10" }))
      expect(receipt.message).toBe("Operation not allowed for Invoice in paid status.")
      expect((yield* links.get(tenant, link.id)).receipt).toBe("R-9")
      expect(yield* eventTags(tenant, link.id)).toEqual(["LinkIssued", "LinkUpdated", "LinkPaid", "LinkUpdated"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a notes edit on a link past expire_by stores the expiry first", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 100, expire_by: T0 + DAY })
      yield* wait(2 * DAY)
      const edited = yield* links.update(tenant, link.id, { notes: { late: "yes" } })
      expect([edited.status, edited.expiredAt, edited.notes, edited.version]).toEqual([
        "expired",
        T0 + DAY,
        { late: "yes" },
        2
      ])
      expect(yield* eventTags(tenant, link.id)).toEqual(["LinkIssued", "LinkExpired", "LinkUpdated"])
      expect(yield* links.expireDue(100)).toBe(0)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("list: newest first, filters, statuses as of now, pagination", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const l1 = yield* links.create(principal, { type: "link", amount: 100, receipt: "R-1", customer: { name: "A" } })
      yield* wait(10)
      const l2 = yield* links.create(principal, { type: "link", amount: 1000, receipt: "R-2", partial_payment: true })
      yield* wait(10)
      const l3 = yield* links.create(principal, { type: "link", amount: 100 })
      const l4 = yield* links.create(principal, { type: "link", amount: 100 })
      yield* wait(10)
      const l5 = yield* links.create(principal, { type: "link", amount: 100, expire_by: T0 + 30 + 15 * 60 })
      yield* links.cancel(tenant, l1.id)
      const paid = yield* links.pay(tenant, l2.id, { amount: 500 })
      yield* wait(3600)

      const ids = (query: Record<string, string>) =>
        Effect.map(links.list(tenant, query), (items) => items.map((item) => item.id))
      expect(yield* ids({})).toEqual([l5.id, l4.id, l3.id, l2.id, l1.id])
      expect(yield* ids({ count: "2" })).toEqual([l5.id, l4.id])
      expect(yield* ids({ count: "2", skip: "1" })).toEqual([l4.id, l3.id])
      expect(yield* ids({ skip: "5" })).toEqual([])
      expect(yield* ids({ status: "cancelled" })).toEqual([l1.id])
      expect(yield* ids({ status: "partially_paid" })).toEqual([l2.id])
      expect(yield* ids({ status: "issued" })).toEqual([l4.id, l3.id])
      expect(yield* ids({ status: "expired" })).toEqual([l5.id])
      const [expired] = yield* links.list(tenant, { status: "expired" })
      expect([expired?.status, expired?.expiredAt]).toEqual(["expired", T0 + 30 + 15 * 60])
      expect(yield* ids({ receipt: "R-2" })).toEqual([l2.id])
      expect(yield* ids({ customer_id: l1.customer!.id })).toEqual([l1.id])
      expect(yield* ids({ payment_id: paid.lastPayment!.id })).toEqual([l2.id])
      expect(yield* ids({ from: String(T0 + 10), to: String(T0 + 20) })).toEqual([l4.id, l3.id, l2.id])
      expect(yield* ids({ from: String(T0 + 31) })).toEqual([])
      expect(yield* ids({ type: "link", to: String(T0) })).toEqual([l1.id])
      expect(yield* ids({ type: "ecod" })).toEqual([])
      const tooMany = yield* Effect.flip(links.list(tenant, { count: "101" }))
      expect(tooMany.message).toBe("The count may not be greater than 100.")
      expect((yield* links.list(tenant, { count: "100" })).length).toBe(5)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("another merchant's link, or the other mode's, is indistinguishable from a missing one", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 100, customer: { email: "a@example.com" } })
      const merchants = yield* Merchants
      const other = yield* merchants.create("Other")
      const strangers = [Tenant.make(other.id, "test"), Tenant.make(tenant.merchantId, "live")]
      const missing = "inv_ZZZZZZZZZZZZZZ"
      for (const stranger of strangers) {
        for (const attempt of [
          links.get(stranger, link.id),
          links.cancel(stranger, link.id),
          links.pay(stranger, link.id, {}),
          links.update(stranger, link.id, { notes: { x: "y" } }),
          links.notify(stranger, link.id, "email"),
          links.markNotificationSent(stranger, link.id, "email")
        ]) {
          const error = yield* Effect.flip(attempt)
          expect([error._tag, error.message]).toEqual(["LinkNotFound", "The id provided does not exist"])
        }
        expect(yield* links.list(stranger, {})).toEqual([])
        expect(yield* eventTags(stranger, link.id)).toEqual([])
      }
      const absent = yield* Effect.flip(links.get(tenant, missing))
      expect([absent._tag, absent.message]).toEqual(["LinkNotFound", "The id provided does not exist"])
      const malformed = yield* Effect.flip(links.cancel(tenant, "inv_123"))
      expect([malformed._tag, malformed.message]).toEqual(["MalformedId", "123 is not a valid id"])
      const wrongPrefix = yield* Effect.flip(links.get(tenant, "pay_00000000000001"))
      expect(wrongPrefix.message).toBe("pay_00000000000001 is not a valid id")
      // Nothing the strangers tried reached the link.
      const stored = yield* links.get(tenant, link.id)
      expect([stored.status, stored.version, stored.emailStatus]).toEqual(["issued", 1, "pending"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("each test-mode tenant has its own clock; advancing it expires only that tenant's due links, once", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const merchants = yield* Merchants
      const other = yield* merchants.create("Other")
      const otherKey = yield* merchants.issueKey(other.id, "test")
      const otherPrincipal = yield* merchants.authenticate(otherKey.key.keyId, otherKey.secret)
      const liveKey = yield* merchants.issueKey(tenant.merchantId, "live")
      const livePrincipal = yield* merchants.authenticate(liveKey.key.keyId, liveKey.secret)

      const mine = yield* links.create(principal, { type: "link", amount: 100, expire_by: T0 + DAY })
      const notYet = yield* links.create(principal, { type: "link", amount: 100, expire_by: T0 + 5 * DAY })
      const theirs = yield* links.create(otherPrincipal, { type: "link", amount: 100, expire_by: T0 + DAY })
      const live = yield* links.create(livePrincipal, { type: "link", amount: 100, expire_by: T0 + DAY })

      expect(yield* links.advanceTestClock(tenant, 2 * DAY)).toBe(2 * DAY)
      expect(yield* links.now(tenant)).toBe(T0 + 2 * DAY)
      expect(yield* links.now(otherPrincipal.tenant)).toBe(T0)
      expect(yield* links.now(livePrincipal.tenant)).toBe(T0)

      expect(yield* eventTags(tenant, mine.id)).toEqual(["LinkIssued", "LinkExpired"])
      expect((yield* links.get(tenant, mine.id)).expiredAt).toBe(T0 + DAY)
      expect((yield* links.get(tenant, notYet.id)).status).toBe("issued")
      expect((yield* links.get(otherPrincipal.tenant, theirs.id)).status).toBe("issued")
      expect(yield* eventTags(otherPrincipal.tenant, theirs.id)).toEqual(["LinkIssued"])
      expect((yield* links.get(livePrincipal.tenant, live.id)).status).toBe("issued")

      // Advancing again expires nothing twice; a live clock never moves.
      expect(yield* links.advanceTestClock(tenant, 60)).toBe(2 * DAY + 60)
      expect(yield* eventTags(tenant, mine.id)).toEqual(["LinkIssued", "LinkExpired"])
      expect(yield* links.advanceTestClock(livePrincipal.tenant, 10 * DAY)).toBe(0)
      expect((yield* links.get(livePrincipal.tenant, live.id)).status).toBe("issued")

      // A link created on an advanced clock is created at that clock's time.
      const created = yield* links.create(principal, { type: "link", amount: 100 })
      expect(created.createdAt).toBe(T0 + 2 * DAY + 60)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("the outbox keeps one event per transition, in order, with unique ids", () =>
    Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 1000, partial_payment: true })
      yield* links.update(tenant, link.id, { notes: { n: "1" } })
      yield* links.pay(tenant, link.id, { amount: 400 })
      yield* links.pay(tenant, link.id, { amount: 600 })
      const repository = yield* PaymentLinkRepository
      const rows = yield* repository.eventsOf(tenant, link.id)
      expect(rows.map((row) => [row.event._tag, row.event.link.version, row.event.link.status])).toEqual([
        ["LinkIssued", 1, "issued"],
        ["LinkUpdated", 2, "issued"],
        ["LinkPartiallyPaid", 3, "partially_paid"],
        ["LinkPaid", 4, "paid"]
      ])
      const sequences = rows.map((row) => row.sequence)
      expect([...sequences].sort((a, b) => a - b)).toEqual(sequences)
      expect(new Set(rows.map((row) => row.eventId)).size).toBe(rows.length)
      for (const row of rows) expect(row.eventId).toMatch(/^evt_[0-9A-Za-z]{14}$/)
    }).pipe(Effect.provide(TestLayer))
  )
})

/**
 * A repository that hands control to other fibers between reading a link and saving it, so two commands on
 * one link really interleave: both read the same version and one compare-and-set must lose.
 */
const racingRepository = (lost: { count: number }) =>
  Layer.effect(
    PaymentLinkRepository,
    Effect.gen(function* () {
      const inner = yield* PaymentLinkRepository
      return {
        ...inner,
        findById: (tenant, id) => Effect.zipLeft(inner.findById(tenant, id), Effect.yieldNow()),
        save: (transition) =>
          inner.save(transition).pipe(
            Effect.tapError(() =>
              Effect.sync(() => {
                lost.count++
              })
            )
          )
      }
    })
  ).pipe(Layer.provide(InMemory.repository))

const racingLayer = (lost: { count: number }) =>
  PaymentLinks.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(racingRepository(lost), InMemory.merchants, InMemory.testClocks)),
    Layer.provideMerge(PaymentLinks.linkSettings("http://localhost:4010")),
    Layer.provideMerge(IdGenerator.layerSequential)
  )

describe("PaymentLinks: concurrent commands on one link", () => {
  const race = (
    body: Record<string, unknown>,
    commands: (
      links: PaymentLinks.PaymentLinksShape,
      tenant: Tenant.Tenant,
      id: string
    ) => ReadonlyArray<Effect.Effect<unknown, { message: string }>>
  ) => {
    const lost = { count: 0 }
    return Effect.gen(function* () {
      const { principal, tenant, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 10000, ...body })
      const outcomes = yield* Effect.all(
        commands(links, tenant, link.id).map((command) => Effect.either(command)),
        { concurrency: "unbounded" }
      )
      const stored = yield* links.get(tenant, link.id)
      return {
        winners: outcomes.filter(Either.isRight).length,
        errors: outcomes.filter(Either.isLeft).map((outcome) => outcome.left.message),
        stored,
        tags: yield* eventTags(tenant, link.id),
        lost: lost.count
      }
    }).pipe(Effect.provide(racingLayer(lost)))
  }

  it.effect("cancel vs pay: exactly one wins, the other gets the ordinary domain error", () =>
    Effect.gen(function* () {
      const result = yield* race({}, (links, tenant, id) => [links.cancel(tenant, id), links.pay(tenant, id, {})])
      expect(result.lost).toBeGreaterThan(0)
      expect(result.winners).toBe(1)
      expect(result.stored.version).toBe(2)
      const winner = result.stored.status
      expect(["cancelled", "paid"]).toContain(winner)
      expect(result.errors).toEqual([`Operation not allowed for Invoice in ${winner} status.`])
      expect(result.tags).toEqual(["LinkIssued", winner === "cancelled" ? "LinkCancelled" : "LinkPaid"])
    })
  )

  it.effect("pay vs pay in full: one payment is captured, never two", () =>
    Effect.gen(function* () {
      const result = yield* race({}, (links, tenant, id) => [links.pay(tenant, id, {}), links.pay(tenant, id, {})])
      expect(result.lost).toBeGreaterThan(0)
      expect(result.winners).toBe(1)
      expect(result.errors).toEqual(["Operation not allowed for Invoice in paid status."])
      expect([result.stored.amountPaid, result.stored.payments.length, result.stored.version]).toEqual([10000, 1, 2])
      expect(result.tags).toEqual(["LinkIssued", "LinkPaid"])
    })
  )

  it.effect("two partial payments that together exceed the amount: one is captured, the other refused", () =>
    Effect.gen(function* () {
      const result = yield* race({ partial_payment: true }, (links, tenant, id) => [
        links.pay(tenant, id, { amount: 6000 }),
        links.pay(tenant, id, { amount: 6000 })
      ])
      expect(result.lost).toBeGreaterThan(0)
      expect(result.winners).toBe(1)
      expect(result.errors).toEqual(["Payment amount exceeds the amount due."])
      expect([result.stored.status, result.stored.amountPaid, result.stored.version]).toEqual([
        "partially_paid",
        6000,
        2
      ])
    })
  )

  it.effect("cancel vs cancel: one cancels, the other is told the link is cancelled", () =>
    Effect.gen(function* () {
      const result = yield* race({}, (links, tenant, id) => [links.cancel(tenant, id), links.cancel(tenant, id)])
      expect(result.lost).toBeGreaterThan(0)
      expect(result.winners).toBe(1)
      expect(result.errors).toEqual(["Operation not allowed for Invoice in cancelled status."])
      expect(result.tags).toEqual(["LinkIssued", "LinkCancelled"])
    })
  )

  it.effect("five notes edits at once all land, each on the version before it", () =>
    Effect.gen(function* () {
      const result = yield* race({}, (links, tenant, id) =>
        [1, 2, 3, 4, 5].map((n) => links.update(tenant, id, { notes: { n: String(n) } }))
      )
      expect(result.lost).toBeGreaterThan(0)
      expect(result.winners).toBe(5)
      expect(result.stored.version).toBe(6)
      expect(result.tags).toEqual([
        "LinkIssued",
        "LinkUpdated",
        "LinkUpdated",
        "LinkUpdated",
        "LinkUpdated",
        "LinkUpdated"
      ])
    })
  )
})
