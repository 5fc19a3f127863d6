/**
 * The state machine, pair by pair: every status (plus "issued but past expire_by", which reads as
 * expired) against every command. An accepted command is checked field by field against the link it
 * started from; a refused one by its exact text, and by the given link being left exactly as it was.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Money from "../src/Money.js"
import type { Channel, PaymentLink, PaymentLinkFields } from "../src/PaymentLink.js"
import * as Transitions from "../src/Transitions.js"
import type { PaymentCommand, UpdateCommand } from "../src/Validation.js"
import { accept, DAY, issueLink, MINUTE, paymentId, plain, refuse, T0 } from "./fixtures.js"

const EXPIRE_BY = T0 + 30 * DAY
const PAY_ID = paymentId(99)

const STATUSES = ["issued", "partially_paid", "paid", "cancelled", "expired", "issued past expire_by"] as const
type Row = (typeof STATUSES)[number]

interface LinkOptions {
  /** partial_payment of the link. */
  readonly partial: boolean
  /** first_payment_min_amount of the link (only with partial). */
  readonly firstMin: number | null
  /** Whether both notification channels were already confirmed sent (otherwise both are pending). */
  readonly notified: boolean
}

/** A link in `row`'s state, built through the real transitions, and the `now` a command is given in that row. */
const linkIn = (row: Row, options: LinkOptions): { readonly link: PaymentLink; readonly now: number } => {
  let link = issueLink(
    {
      amount: 10000,
      expire_by: EXPIRE_BY,
      partial_payment: options.partial,
      ...(options.firstMin !== null ? { first_payment_min_amount: options.firstMin } : {}),
      customer: { name: "Asha Rao", email: "asha@example.com", contact: "+919876543210" },
      notes: { order: "A-1" }
    },
    T0
  ).link
  if (options.notified) {
    link = accept(Transitions.markNotificationSent(link, "sms", T0 + 1)).link
    link = accept(Transitions.markNotificationSent(link, "email", T0 + 1)).link
  }
  const card = (amount: number | null): PaymentCommand => ({ amount: amount as Money.Amount | null, method: "card" })
  switch (row) {
    case "issued":
      return { link, now: T0 + 10 * MINUTE }
    case "partially_paid":
      if (!options.partial) throw new Error("a partially_paid link always allows partial payments")
      return { link: accept(Transitions.pay(link, card(3000), paymentId(1), T0 + MINUTE)).link, now: T0 + 10 * MINUTE }
    case "paid":
      return {
        link: accept(Transitions.pay(link, card(null), paymentId(1), T0 + 2 * MINUTE)).link,
        now: T0 + 10 * MINUTE
      }
    case "cancelled":
      return { link: accept(Transitions.cancel(link, T0 + 2 * MINUTE)).link, now: T0 + 10 * MINUTE }
    case "expired":
      return { link: accept(Transitions.expire(link, EXPIRE_BY + 5)).link, now: EXPIRE_BY + 10 * MINUTE }
    case "issued past expire_by":
      return { link, now: EXPIRE_BY + 10 }
  }
}

type Outcome = Transitions.Transition | { readonly message: string }
/** What a cell expects: a refusal text, or the changes to the link and the events, in order. */
type Expected =
  | { readonly refused: string }
  | {
      readonly changes: Partial<PaymentLinkFields>
      readonly events: ReadonlyArray<{ readonly tag: string; readonly occurredAt: number; readonly channel?: Channel }>
    }

interface Command {
  readonly name: string
  readonly options: LinkOptions
  /** Overrides the row's `now`. */
  readonly at?: (now: number) => number
  readonly run: (link: PaymentLink, now: number) => Outcome
  /** The expectation for each row; `undefined` marks a pair the domain cannot reach (explained where it occurs). */
  readonly expect: Record<Row, ((link: PaymentLink, now: number) => Expected) | undefined>
}

const notAllowed = (status: string) => () => ({ refused: `Operation not allowed for Invoice in ${status} status.` })
const refused = (text: string) => () => ({ refused: text })
const runEither = <E extends { readonly message: string }>(
  result: import("effect/Either").Either<Transitions.Transition, E>
): Outcome => (result._tag === "Right" ? result.right : result.left)

const PARTIAL: LinkOptions = { partial: true, firstMin: 500, notified: false }
const PARTIAL_NO_MIN: LinkOptions = { partial: true, firstMin: null, notified: false }
const FULL_ONLY: LinkOptions = { partial: false, firstMin: null, notified: false }
const NOTIFIED: LinkOptions = { partial: true, firstMin: 500, notified: true }

const payment = (amount: number, now: number) => ({
  id: PAY_ID,
  amount,
  currency: "INR",
  method: "card",
  status: "captured",
  createdAt: now
})

/** The changes a payment makes to an open link. */
const paid = (link: PaymentLink, amount: number, now: number): Expected => {
  const amountPaid = link.amountPaid + amount
  const full = amountPaid === link.amount
  return {
    changes: {
      status: full ? "paid" : "partially_paid",
      amountPaid: amountPaid as Money.Amount,
      paidAt: full ? now : null,
      payments: [...link.payments, payment(amount, now) as never]
    },
    events: [{ tag: full ? "LinkPaid" : "LinkPartiallyPaid", occurredAt: now }]
  }
}

/** A command accepted on a link past expire_by: the expiry is stored first, with its own event. */
const afterExpiry = (expected: Expected): Expected =>
  "refused" in expected
    ? expected
    : {
        changes: { status: "expired", expiredAt: EXPIRE_BY, ...expected.changes },
        events: [{ tag: "LinkExpired", occurredAt: EXPIRE_BY }, ...expected.events]
      }

const terminal = {
  paid: notAllowed("paid"),
  cancelled: notAllowed("cancelled"),
  expired: notAllowed("expired"),
  "issued past expire_by": notAllowed("expired")
}

const pay = (amount: number | null) => (link: PaymentLink, now: number) =>
  runEither(Transitions.pay(link, { amount: amount as Money.Amount | null, method: "card" }, PAY_ID, now))

const update = (command: UpdateCommand) => (link: PaymentLink, now: number) =>
  runEither(Transitions.update(link, command, now))

const updatedTo =
  (changes: Partial<PaymentLinkFields>) =>
  (_link: PaymentLink, now: number): Expected => ({ changes, events: [{ tag: "LinkUpdated", occurredAt: now }] })

/** An update of a field only an issued link takes. */
const issuedOnlyUpdate = (name: string, command: UpdateCommand, changes: Partial<PaymentLinkFields>): Command => ({
  name: `update ${name}`,
  options: PARTIAL,
  run: update(command),
  expect: {
    issued: updatedTo(changes),
    partially_paid: notAllowed("partially_paid"),
    ...terminal
  }
})

const expired = (link: PaymentLink): Expected => ({
  changes: { status: "expired", expiredAt: link.expireBy },
  events: [{ tag: "LinkExpired", occurredAt: link.expireBy }]
})

const requested =
  (channel: Channel) =>
  (_link: PaymentLink, now: number): Expected => ({
    changes: channel === "sms" ? { smsStatus: "pending" } : { emailStatus: "pending" },
    events: [{ tag: "NotificationRequested", occurredAt: now, channel }]
  })

const sent = (_link: PaymentLink, now: number): Expected => ({
  changes: { smsStatus: "sent" },
  events: [{ tag: "NotificationSent", occurredAt: now, channel: "sms" }]
})

const COMMANDS: ReadonlyArray<Command> = [
  {
    name: "pay in full (amount defaults to amount_due)",
    options: PARTIAL,
    run: pay(null),
    expect: {
      issued: (link, now) => paid(link, 10000, now),
      partially_paid: (link, now) => paid(link, 7000, now),
      ...terminal
    }
  },
  {
    name: "pay part of amount_due",
    options: PARTIAL,
    run: pay(1000),
    expect: {
      issued: (link, now) => paid(link, 1000, now),
      partially_paid: (link, now) => paid(link, 1000, now),
      ...terminal
    }
  },
  {
    name: "pay exactly the rest of amount_due as a stated amount",
    options: PARTIAL,
    run: (link, now) => pay(link.amountDue)(link, now),
    expect: {
      issued: (link, now) => paid(link, 10000, now),
      partially_paid: (link, now) => paid(link, 7000, now),
      ...terminal
    }
  },
  {
    name: "pay over amount_due",
    options: PARTIAL,
    run: (link, now) => pay(link.amountDue + 1)(link, now),
    expect: {
      issued: refused("Payment amount exceeds the amount due."),
      partially_paid: refused("Payment amount exceeds the amount due."),
      ...terminal
    }
  },
  {
    name: "pay below first_payment_min_amount (INR 5.00)",
    options: PARTIAL,
    run: pay(400),
    expect: {
      issued: refused("The first payment must be at least INR 5.00."),
      // The minimum binds the first instalment only; later ones need one major unit.
      partially_paid: (link, now) => paid(link, 400, now),
      ...terminal
    }
  },
  {
    name: "pay an instalment below one major unit",
    options: PARTIAL_NO_MIN,
    run: pay(99),
    expect: {
      issued: refused("The amount must be at least INR 1.00"),
      partially_paid: refused("The amount must be at least INR 1.00"),
      ...terminal
    }
  },
  {
    name: "pay a non-exact amount without partial_payment",
    options: FULL_ONLY,
    run: pay(1000),
    expect: {
      issued: refused("Payment amount must be equal to the amount due of INR 100.00."),
      // A link without partial payments can never be partially_paid (see the test below the table).
      partially_paid: undefined,
      ...terminal
    }
  },
  {
    name: "cancel",
    options: PARTIAL,
    run: (link, now) => runEither(Transitions.cancel(link, now)),
    expect: {
      issued: (_link, now) => ({
        changes: { status: "cancelled", cancelledAt: now },
        events: [{ tag: "LinkCancelled", occurredAt: now }]
      }),
      partially_paid: notAllowed("partially_paid"),
      ...terminal
    }
  },
  {
    name: "expire when due",
    options: PARTIAL,
    at: (now) => Math.max(now, EXPIRE_BY + 10),
    run: (link, now) => runEither(Transitions.expire(link, now)),
    expect: {
      issued: expired,
      partially_paid: expired,
      paid: notAllowed("paid"),
      cancelled: notAllowed("cancelled"),
      expired: notAllowed("expired"),
      "issued past expire_by": expired
    }
  },
  {
    name: "expire one second before expire_by",
    options: PARTIAL,
    at: () => EXPIRE_BY - 1,
    run: (link, now) => runEither(Transitions.expire(link, now)),
    expect: {
      issued: notAllowed("issued"),
      partially_paid: notAllowed("partially_paid"),
      paid: notAllowed("paid"),
      cancelled: notAllowed("cancelled"),
      expired: notAllowed("expired"),
      // The same link one second earlier is simply issued.
      "issued past expire_by": notAllowed("issued")
    }
  },
  {
    name: "expire exactly at expire_by",
    options: PARTIAL,
    at: () => EXPIRE_BY,
    run: (link, now) => runEither(Transitions.expire(link, now)),
    expect: {
      issued: expired,
      partially_paid: expired,
      paid: notAllowed("paid"),
      cancelled: notAllowed("cancelled"),
      expired: notAllowed("expired"),
      "issued past expire_by": expired
    }
  },
  issuedOnlyUpdate("receipt", { receipt: "R-42" }, { receipt: "R-42" }),
  issuedOnlyUpdate("receipt to null", { receipt: null }, { receipt: null }),
  issuedOnlyUpdate("expire_by", { expireBy: EXPIRE_BY + DAY }, { expireBy: EXPIRE_BY + DAY }),
  issuedOnlyUpdate(
    "partial_payment off",
    { partialPayment: false, firstPaymentMinAmount: null },
    { partialPayment: false, firstPaymentMinAmount: null }
  ),
  issuedOnlyUpdate(
    "first_payment_min_amount",
    { firstPaymentMinAmount: Money.amount(2000) },
    { firstPaymentMinAmount: Money.amount(2000) }
  ),
  issuedOnlyUpdate("reminder_enable", { reminderEnable: true }, { reminderEnable: true }),
  {
    name: "update notes only",
    options: PARTIAL,
    run: update({ notes: { order: "A-2", gift: "yes" } }),
    expect: {
      issued: updatedTo({ notes: { order: "A-2", gift: "yes" } }),
      partially_paid: updatedTo({ notes: { order: "A-2", gift: "yes" } }),
      paid: updatedTo({ notes: { order: "A-2", gift: "yes" } }),
      cancelled: updatedTo({ notes: { order: "A-2", gift: "yes" } }),
      expired: updatedTo({ notes: { order: "A-2", gift: "yes" } }),
      "issued past expire_by": (link, now) =>
        afterExpiry(updatedTo({ notes: { order: "A-2", gift: "yes" } })(link, now))
    }
  },
  {
    name: "update notes together with receipt",
    options: PARTIAL,
    run: update({ notes: { order: "A-2" }, receipt: "R-1" }),
    expect: {
      issued: updatedTo({ notes: { order: "A-2" }, receipt: "R-1" }),
      partially_paid: notAllowed("partially_paid"),
      ...terminal
    }
  },
  {
    name: "requestNotification sms",
    options: NOTIFIED,
    run: (link, now) => runEither(Transitions.requestNotification(link, "sms", now)),
    expect: {
      issued: requested("sms"),
      partially_paid: requested("sms"),
      ...terminal
    }
  },
  {
    name: "requestNotification email",
    options: NOTIFIED,
    run: (link, now) => runEither(Transitions.requestNotification(link, "email", now)),
    expect: {
      issued: requested("email"),
      partially_paid: requested("email"),
      ...terminal
    }
  },
  {
    name: "markNotificationSent sms while pending",
    options: PARTIAL,
    run: (link, now) => runEither(Transitions.markNotificationSent(link, "sms", now)),
    expect: {
      // The notifier's confirmation is a fact about a message already requested: every status records it.
      issued: sent,
      partially_paid: sent,
      paid: sent,
      cancelled: sent,
      expired: sent,
      "issued past expire_by": (link, now) => afterExpiry(sent(link, now))
    }
  },
  {
    name: "markNotificationSent sms with nothing pending",
    options: NOTIFIED,
    run: (link, now) => runEither(Transitions.markNotificationSent(link, "sms", now)),
    expect: {
      issued: notAllowed("issued"),
      partially_paid: notAllowed("partially_paid"),
      ...terminal
    }
  }
]

describe("Transitions: every status × every command", () => {
  for (const command of COMMANDS) {
    describe(command.name, () => {
      for (const row of STATUSES) {
        const cell = command.expect[row]
        if (cell === undefined) continue
        it(`on ${row}`, () => {
          const fixture = linkIn(row, command.options)
          const now = command.at ? command.at(fixture.now) : fixture.now
          const before = plain(fixture.link)
          const expected = cell(fixture.link, now)
          const outcome = command.run(fixture.link, now)

          // Links are values: whatever the outcome, the given one is untouched.
          expect(plain(fixture.link)).toEqual(before)

          if ("refused" in expected) {
            if ("events" in outcome) throw new Error(`expected "${expected.refused}", the command was accepted`)
            expect(outcome.message).toBe(expected.refused)
            return
          }
          if (!("events" in outcome)) throw new Error(`expected acceptance, got: ${outcome.message}`)
          const next = outcome.link
          // Every stored change is stamped with its time: that of its last event (an expiry's is its expire_by).
          const wanted = plain({
            ...before,
            ...expected.changes,
            version: fixture.link.version + 1,
            updatedAt: expected.events.at(-1)?.occurredAt
          } as never)
          expect(plain(next)).toEqual(wanted)
          expect(next.amountDue).toBe(next.amount - next.amountPaid)

          expect(outcome.events.map((event) => event._tag)).toEqual(expected.events.map((event) => event.tag))
          outcome.events.forEach((event, i) => {
            const want = expected.events[i]!
            expect(event.occurredAt).toBe(want.occurredAt)
            if (want.channel !== undefined) expect("channel" in event && event.channel).toBe(want.channel)
            if (event._tag === "LinkPaid" || event._tag === "LinkPartiallyPaid")
              expect(plain(event.payment as never)).toEqual(
                next.payments.at(-1) && plain(next.payments.at(-1) as never)
              )
            // The last event carries the stored link; an expiry stored on the way carries the link as it expired.
            if (i === outcome.events.length - 1) expect(plain(event.link)).toEqual(plain(next))
            else
              expect(plain(event.link)).toEqual({
                ...before,
                status: "expired",
                expiredAt: EXPIRE_BY,
                version: next.version,
                updatedAt: EXPIRE_BY
              })
          })
        })
      }
    })
  }

  it("a partially_paid link cannot lose partial payments, so it is never partially_paid without them", () => {
    const { link, now } = linkIn("partially_paid", PARTIAL)
    const error = refuse(Transitions.update(link, { partialPayment: false, firstPaymentMinAmount: null }, now))
    expect(error.message).toBe("Operation not allowed for Invoice in partially_paid status.")
  })
})

describe("Transitions.issue", () => {
  it("issues with every timestamp, amount and channel status set as the product says", () => {
    const { link, events } = issueLink(
      {
        amount: 29995,
        description: "Shoes",
        receipt: "R-1",
        customer: { name: "Asha", email: "asha@example.com", contact: "+919876543210" },
        notes: { size: "9" }
      },
      T0
    )
    expect(plain(link)).toEqual({
      id: "inv_00000000000001",
      contract: "invoices",
      merchantId: "acc_0000000000000A",
      mode: "test",
      status: "issued",
      receipt: "R-1",
      customer: { id: "cust_00000000000001", name: "Asha", email: "asha@example.com", contact: "+919876543210" },
      orderId: "order_00000000000001",
      amount: 29995,
      amountPaid: 0,
      currency: "INR",
      partialPayment: false,
      firstPaymentMinAmount: null,
      description: "Shoes",
      notes: { size: "9" },
      // Six calendar months later, same time of day: 2024-05-14T22:13:20Z.
      expireBy: Date.UTC(2024, 4, 14, 22, 13, 20) / 1000,
      viewLess: true,
      smsNotify: true,
      emailNotify: true,
      smsStatus: "pending",
      emailStatus: "pending",
      reminderEnable: false,
      reminderStatus: null,
      upiLink: false,
      shortCode: "00000001",
      shortUrl: "https://pay.example/i/00000001",
      callbackUrl: null,
      callbackMethod: null,
      payments: [],
      createdAt: T0,
      updatedAt: T0,
      issuedAt: T0,
      paidAt: null,
      cancelledAt: null,
      expiredAt: null,
      idempotencyKey: null,
      keyId: "rzp_test_0000000000000A",
      version: 1
    })
    expect(link.amountDue).toBe(29995)
    expect(events.map((event) => [event._tag, "channel" in event ? event.channel : null, event.occurredAt])).toEqual([
      ["LinkIssued", null, T0],
      ["NotificationRequested", "sms", T0],
      ["NotificationRequested", "email", T0]
    ])
    for (const event of events) expect(event.link).toBe(link)
  })

  it("uses no channel the customer cannot be reached on, and none that is switched off", () => {
    const none = issueLink({}, T0).link
    expect([none.customer, none.smsStatus, none.emailStatus]).toEqual([null, null, null])

    const emailOnly = issueLink({ customer: { email: "a@example.com" } }, T0)
    expect([emailOnly.link.smsStatus, emailOnly.link.emailStatus]).toEqual([null, "pending"])
    expect(emailOnly.events.map((event) => event._tag)).toEqual(["LinkIssued", "NotificationRequested"])

    const off = issueLink(
      { sms_notify: false, email_notify: 0, customer: { email: "a@example.com", contact: "+919876543210" } },
      T0
    )
    expect([off.link.smsStatus, off.link.emailStatus]).toEqual([null, null])
    expect(off.events.map((event) => event._tag)).toEqual(["LinkIssued"])
  })

  it("keeps a given expire_by and the callback settings", () => {
    const { link } = issueLink({
      expire_by: T0 + DAY,
      callback_url: "https://shop.example/done",
      callback_method: "get"
    })
    expect([link.expireBy, link.callbackUrl, link.callbackMethod]).toEqual([
      T0 + DAY,
      "https://shop.example/done",
      "get"
    ])
  })
})

describe("Transitions: refusals specific to a command", () => {
  it("refuses to notify a customer without a contact or an email, and changes nothing", () => {
    const { link } = issueLink({ customer: { name: "No Channels" } })
    const before = plain(link)
    const sms = refuse(Transitions.requestNotification(link, "sms", T0 + 1))
    expect(sms._tag).toBe("ValidationFailed")
    expect(sms.message).toBe("The customer's contact is required to send an sms.")
    const email = refuse(Transitions.requestNotification(link, "email", T0 + 1))
    expect(email.message).toBe("The customer's email is required to send an email.")
    expect(plain(link)).toEqual(before)
  })

  it("refuses a first_payment_min_amount without partial payments", () => {
    const { link } = issueLink({})
    const error = refuse(Transitions.update(link, { firstPaymentMinAmount: Money.amount(500) }, T0 + 1))
    expect(error.message).toBe("The first_payment_min_amount can only be sent when partial_payment is true.")
  })

  it("observe leaves an open link alone before expire_by and reads it as expired from then on", () => {
    const { link } = issueLink({ expire_by: EXPIRE_BY })
    expect(Transitions.observe(link, EXPIRE_BY - 1)).toBe(link)
    const read = Transitions.observe(link, EXPIRE_BY)
    expect([read.status, read.expiredAt, read.version]).toEqual(["expired", EXPIRE_BY, link.version])
    const cancelled = accept(Transitions.cancel(link, T0 + 1)).link
    expect(Transitions.observe(cancelled, EXPIRE_BY + DAY)).toBe(cancelled)
  })
})
