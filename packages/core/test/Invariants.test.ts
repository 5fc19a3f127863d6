/**
 * Properties of the state machine over random valid links and random command sequences, applied the
 * way the use-cases apply them (validate the body, then transition at a clock that only moves forward).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Money from "../src/Money.js"
import type { Channel, PaymentLink } from "../src/PaymentLink.js"
import * as Transitions from "../src/Transitions.js"
import * as Validation from "../src/Validation.js"
import { DAY, issueLink, MINUTE, paymentId, plain, T0 } from "./fixtures.js"

const CURRENCIES = ["INR", "JPY", "KWD", "USD"] as const

/** A valid create body: amount at least one major unit, an expiry between 15 minutes and 60 days away. */
const createBody = FastCheck.constantFrom(...CURRENCIES).chain((currency) => {
  const minimum = Money.minimumAmount(currency as Money.Currency)
  return FastCheck.integer({ min: minimum, max: 5_000_000 }).chain((amount) =>
    FastCheck.record({
      type: FastCheck.constant("link"),
      currency: FastCheck.constant(currency),
      amount: FastCheck.constant(amount),
      partial_payment: FastCheck.boolean(),
      first_payment_min_amount: FastCheck.option(FastCheck.integer({ min: minimum, max: amount }), { nil: null }),
      expire_by: FastCheck.integer({ min: T0 + 15 * MINUTE, max: T0 + 60 * DAY }),
      customer: FastCheck.option(
        FastCheck.record({
          email: FastCheck.constant("buyer@example.com"),
          contact: FastCheck.constant("+919876543210")
        }),
        { nil: undefined }
      )
    }).map((body) => ({
      ...body,
      first_payment_min_amount: body.partial_payment ? body.first_payment_min_amount : null
    }))
  )
})

/** How much a payment asks for: the default (amount due), a share (per mille) of what is due, or any integer. */
const payAmount = FastCheck.oneof(
  { arbitrary: FastCheck.constant({ _tag: "Default" } as const), weight: 1 },
  {
    arbitrary: FastCheck.integer({ min: 0, max: 1300 }).map((perMille) => ({ _tag: "Share", perMille }) as const),
    weight: 4
  },
  {
    arbitrary: FastCheck.integer({ min: -5, max: 6_000_000 }).map((amount) => ({ _tag: "Exact", amount }) as const),
    weight: 1
  }
)

const notes = FastCheck.dictionary(FastCheck.string({ maxLength: 4 }), FastCheck.string({ maxLength: 8 }), {
  maxKeys: 4
})

/** Update bodies: notes-only edits (the one edit every status takes), and any mix of the updatable fields. */
const updateBody = FastCheck.oneof(
  FastCheck.record({ notes }),
  FastCheck.record(
    {
      receipt: FastCheck.option(FastCheck.string({ maxLength: 44 }), { nil: null }),
      notes,
      expireIn: FastCheck.integer({ min: 0, max: 90 * DAY }),
      partial_payment: FastCheck.boolean(),
      first_payment_min_amount: FastCheck.option(FastCheck.integer({ min: 0, max: 20_000 }), { nil: null }),
      reminder_enable: FastCheck.boolean()
    },
    { requiredKeys: [] }
  )
)

const channel = FastCheck.constantFrom<Channel>("sms", "email")

const command = FastCheck.oneof(
  { arbitrary: FastCheck.record({ kind: FastCheck.constant("pay" as const), amount: payAmount }), weight: 3 },
  FastCheck.record({ kind: FastCheck.constant("cancel" as const) }),
  FastCheck.record({ kind: FastCheck.constant("expire" as const) }),
  FastCheck.record({ kind: FastCheck.constant("update" as const), body: updateBody }),
  FastCheck.record({ kind: FastCheck.constant("notify" as const), channel }),
  FastCheck.record({ kind: FastCheck.constant("sent" as const), channel })
)

/** Each step waits a while (the clock never runs backwards) and then issues its command. */
const steps = FastCheck.array(
  FastCheck.record({
    wait: FastCheck.oneof(
      FastCheck.constant(0),
      FastCheck.integer({ min: 1, max: 6 * 3600 }),
      FastCheck.integer({ min: 1, max: 20 * DAY })
    ),
    command
  }),
  { maxLength: 25 }
)

type Step = typeof command extends FastCheck.Arbitrary<infer A> ? A : never

/** Applies one command to `link` at `now` exactly as the use-cases would; `n` numbers the payment. */
const apply = (link: PaymentLink, step: Step, now: number, n: number) => {
  switch (step.kind) {
    case "pay": {
      const amount =
        step.amount._tag === "Default"
          ? undefined
          : step.amount._tag === "Share"
            ? Math.round((link.amountDue * step.amount.perMille) / 1000)
            : step.amount.amount
      return Either.flatMap(Validation.validatePayment(amount === undefined ? {} : { amount }), (payment) =>
        Transitions.pay(link, payment, paymentId(n), now)
      )
    }
    case "cancel":
      return Transitions.cancel(link, now)
    case "expire":
      return Transitions.expire(link, now)
    case "update": {
      const { expireIn, ...rest } = step.body as { readonly expireIn?: number }
      const body: Record<string, unknown> = { ...rest }
      if (expireIn !== undefined) body.expire_by = now + expireIn
      return Either.flatMap(Validation.validateUpdate(body, link, now), (update) =>
        Transitions.update(link, update, now)
      )
    }
    case "notify":
      return Transitions.requestNotification(link, step.channel, now)
    case "sent":
      return Transitions.markNotificationSent(link, step.channel, now)
  }
}

/** The invariants every link, stored or as read at any time, keeps. */
const checkLink = (link: PaymentLink): void => {
  expect(link.amountDue).toBe(link.amount - link.amountPaid)
  expect(link.amountPaid).toBeGreaterThanOrEqual(0)
  expect(link.amountPaid).toBeLessThanOrEqual(link.amount)
  expect(link.payments.reduce((sum, payment) => sum + payment.amount, 0)).toBe(link.amountPaid)
  expect(link.payments.every((payment) => payment.amount > 0)).toBe(true)
  expect(link.paidAt !== null).toBe(link.status === "paid")
  expect(link.cancelledAt !== null).toBe(link.status === "cancelled")
  expect(link.expiredAt !== null).toBe(link.status === "expired")
  expect(link.issuedAt).toBe(link.createdAt)
  expect(link.amountPaid === link.amount).toBe(link.status === "paid")
  if (link.status === "partially_paid") expect(link.amountPaid).toBeGreaterThan(0)
  if (link.status === "issued" || link.status === "cancelled") expect(link.amountPaid).toBe(0)
  if (!link.partialPayment) expect(link.payments.length).toBeLessThanOrEqual(1)
}

/** The parts of a terminal link that no later command may touch. */
const settledFacts = (link: PaymentLink) => {
  const {
    notes: _notes,
    smsStatus: _sms,
    emailStatus: _email,
    version: _version,
    updatedAt: _updatedAt,
    ...rest
  } = plain(link)
  return rest
}

describe("Invariants of the state machine", () => {
  it.prop(
    "every command sequence keeps the invariants, versions count accepted commands, refusals change nothing",
    [createBody, steps],
    ([body, sequence]) => {
      let link = issueLink(body, T0).link
      let now = T0
      checkLink(link)
      expect(link.version).toBe(1)
      sequence.forEach((step, i) => {
        now += step.wait
        const before = plain(link)
        const statusAtNow = Transitions.observe(link, now).status
        const wasTerminal = !Transitions.isOpen(link.status)
        const outcome = apply(link, step.command, now, i + 1)
        // Whatever happens, the given link is a value and stays exactly as it was.
        expect(plain(link)).toEqual(before)
        if (Either.isLeft(outcome)) {
          expect(outcome.left.message.length).toBeGreaterThan(0)
          return
        }
        const next = outcome.right.link
        expect(next.version).toBe(link.version + 1)
        expect(outcome.right.events.length).toBeGreaterThan(0)
        expect(outcome.right.events.at(-1)!.link).toBe(next)
        for (const event of outcome.right.events) expect(event.link.version).toBe(next.version)
        checkLink(next)
        checkLink(Transitions.observe(next, now))
        if (wasTerminal) {
          // A stored terminal link absorbs everything but a notes-only edit and a delivery confirmation,
          // and even those never touch its status, money, payments or dates.
          const onlyNotes =
            step.command.kind === "update" && Object.keys(step.command.body).every((key) => key === "notes")
          expect(onlyNotes || step.command.kind === "sent").toBe(true)
          expect(settledFacts(next)).toEqual(settledFacts(link))
        }
        if (statusAtNow === "expired" && !wasTerminal) {
          // Past expire_by an open link can only be expired, have its notes edited or a delivery confirmed,
          // and each stores the expiry with it.
          expect(["expire", "update", "sent"]).toContain(step.command.kind)
          expect([next.status, next.expiredAt]).toEqual(["expired", link.expireBy])
        }
        link = next
      })
    },
    { fastCheck: { numRuns: 400 } }
  )

  it.prop(
    "payments in any order never sum above the amount, and a link is paid exactly when nothing is due",
    [createBody, FastCheck.array(payAmount, { maxLength: 30 })],
    ([body, amounts]) => {
      let link = issueLink({ ...body, expire_by: T0 + 60 * DAY }, T0).link
      amounts.forEach((amount, i) => {
        const outcome = apply(link, { kind: "pay", amount }, T0 + i + 1, i + 1)
        if (Either.isRight(outcome)) {
          const next = outcome.right.link
          const paidNow = next.amountPaid - link.amountPaid
          expect(next.payments.at(-1)!.amount).toBe(paidNow)
          expect(paidNow).toBeLessThanOrEqual(link.amountDue)
          expect(outcome.right.events.map((event) => event._tag)).toEqual([
            next.status === "paid" ? "LinkPaid" : "LinkPartiallyPaid"
          ])
          link = next
        }
        checkLink(link)
      })
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "a link reads as expired from expire_by on, with expired_at = expire_by, and never before",
    [createBody, FastCheck.integer({ min: -DAY, max: DAY })],
    ([body, offset]) => {
      const link = issueLink(body, T0).link
      const at = link.expireBy + offset
      const read = Transitions.observe(link, at)
      if (offset < 0) expect(read).toBe(link)
      else expect([read.status, read.expiredAt, read.version]).toEqual(["expired", link.expireBy, link.version])
      const swept = Transitions.expire(link, at)
      expect(Either.isRight(swept)).toBe(offset >= 0)
      if (Either.isRight(swept))
        expect(plain(swept.right.link)).toEqual({ ...plain(read), version: link.version + 1, updatedAt: link.expireBy })
    }
  )
})
