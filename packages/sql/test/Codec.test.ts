/**
 * The stored link and event codecs are compiled (internal/compiledCodec.ts); they must give exactly what Schema
 * gives: the same JSON text when encoding, the same values (same classes, same keys in the same order) when
 * decoding, and the same failures for rows Schema would refuse.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DomainEvent from "@paylinks/core/DomainEvent"
import { Customer, Payment, PaymentLink } from "@paylinks/core/PaymentLink"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { jsonCodec } from "../src/internal/compiledCodec.js"
import { decodeEvent, decodeLink, encodeEvent, encodeLink, upgradeLink } from "../src/internal/codec.js"

const LinkJson = Schema.parseJson(PaymentLink)
const EventJson = Schema.parseJson(DomainEvent.DomainEvent)

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const base62 = (length: number) =>
  FastCheck.array(FastCheck.constantFrom(...BASE62), { minLength: length, maxLength: length }).map((chars) =>
    chars.join("")
  )
const id = (prefix: string) => base62(14).map((rest) => `${prefix}_${rest}`)
const seconds = FastCheck.integer({ min: 0, max: 4_000_000_000 })
const amount = FastCheck.integer({ min: 0, max: 1_000_000_000 })
const text = FastCheck.oneof(
  FastCheck.string({ maxLength: 12 }),
  FastCheck.string({ unit: "grapheme", maxLength: 6 }),
  FastCheck.constantFrom("", "__proto__", "constructor", "\u0000", "\"'\\")
)
const orNull = <A>(arbitrary: FastCheck.Arbitrary<A>) => FastCheck.option(arbitrary, { nil: null })
const currency = FastCheck.constantFrom("INR", "USD", "JPY", "KWD", "EUR")

const customer = FastCheck.record({
  id: id("cust"),
  name: orNull(text),
  email: orNull(text),
  contact: orNull(text)
}).map((fields) => new Customer(fields as unknown as ConstructorParameters<typeof Customer>[0]))

const payment = FastCheck.record({
  id: id("pay"),
  amount,
  currency,
  method: text,
  status: FastCheck.constant("captured" as const),
  createdAt: seconds
}).map((fields) => new Payment(fields as unknown as ConstructorParameters<typeof Payment>[0]))

/** Any valid link: every field drawn on its own (the codecs do not care whether the state machine could reach it). */
const link = FastCheck.record({
  id: FastCheck.oneof(id("inv"), id("plink")),
  contract: FastCheck.constantFrom("invoices" as const, "payment_links" as const),
  merchantId: id("acc"),
  mode: FastCheck.constantFrom("test" as const, "live" as const),
  status: FastCheck.constantFrom(
    "issued" as const,
    "partially_paid" as const,
    "paid" as const,
    "cancelled" as const,
    "expired" as const
  ),
  receipt: orNull(text),
  customer: orNull(customer),
  orderId: id("order"),
  amount,
  amountPaid: amount,
  currency,
  partialPayment: FastCheck.boolean(),
  firstPaymentMinAmount: orNull(amount),
  description: orNull(text),
  notes: FastCheck.dictionary(text, text, { maxKeys: 5 }),
  expireBy: seconds,
  viewLess: FastCheck.boolean(),
  smsNotify: FastCheck.boolean(),
  emailNotify: FastCheck.boolean(),
  smsStatus: orNull(FastCheck.constantFrom("pending" as const, "sent" as const)),
  emailStatus: orNull(FastCheck.constantFrom("pending" as const, "sent" as const)),
  reminderEnable: FastCheck.boolean(),
  reminderStatus: orNull(FastCheck.constantFrom("in_progress" as const, "completed" as const, "failed" as const)),
  upiLink: FastCheck.boolean(),
  shortCode: base62(8),
  shortUrl: text,
  callbackUrl: orNull(text),
  callbackMethod: orNull(FastCheck.constant("get" as const)),
  payments: FastCheck.array(payment, { maxLength: 3 }),
  createdAt: seconds,
  updatedAt: orNull(seconds),
  issuedAt: orNull(seconds),
  paidAt: orNull(seconds),
  cancelledAt: orNull(seconds),
  expiredAt: orNull(seconds),
  idempotencyKey: orNull(text),
  keyId: orNull(text),
  version: FastCheck.integer({ min: 1, max: 1000 })
}).map((fields) => new PaymentLink(fields as unknown as ConstructorParameters<typeof PaymentLink>[0]))

const plainOf = (value: PaymentLink): Record<string, unknown> => JSON.parse(JSON.stringify(value))

const event = FastCheck.tuple(link, seconds, payment, FastCheck.constantFrom("sms" as const, "email" as const)).chain(
  ([link, occurredAt, payment, channel]) =>
    FastCheck.constantFrom<DomainEvent.DomainEvent>(
      new DomainEvent.LinkIssued({ link, occurredAt }),
      new DomainEvent.LinkPartiallyPaid({ link, occurredAt, payment }),
      new DomainEvent.LinkPaid({ link, occurredAt, payment }),
      new DomainEvent.LinkCancelled({ link, occurredAt }),
      new DomainEvent.LinkExpired({ link, occurredAt }),
      new DomainEvent.LinkUpdated({ link, occurredAt }),
      new DomainEvent.NotificationRequested({ link, occurredAt, channel }),
      new DomainEvent.NotificationSent({ link, occurredAt, channel })
    )
)

/** Equal values built alike: the same classes and the same keys in the same order, all the way down. */
const expectSame = (actual: unknown, expected: unknown) => {
  expect(actual).toStrictEqual(expected)
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
  const shape = (value: unknown): unknown =>
    typeof value === "object" && value !== null
      ? [Object.getPrototypeOf(value), Object.keys(value), ...Object.values(value).map(shape)]
      : typeof value
  expect(shape(actual)).toEqual(shape(expected))
}

/** The outcome of a call: its value, or the message it threw. */
const outcome = <A>(f: () => A): { readonly value: A } | { readonly error: string } => {
  try {
    return { value: f() }
  } catch (error) {
    return { error: String(error) }
  }
}

/** A stored row spoiled one way: a field of the wrong type or out of its range, removed, or one too many. */
const spoil = (json: string, pick: number, how: number): string => {
  const value = JSON.parse(json) as Record<string, unknown>
  const target =
    how % 2 === 0 && typeof value.customer === "object" && value.customer !== null
      ? (value.customer as Record<string, unknown>)
      : value
  const keys = Object.keys(target)
  const key = keys[pick % keys.length]!
  const replacements: ReadonlyArray<unknown> = [null, 0, -1, 1.5, "", "x", true, [], {}, "inv_short", "ZZZ"]
  if (how % 7 === 0) delete target[key]
  else if (how % 7 === 1) target.unexpected = "kept out"
  else target[key] = replacements[how % replacements.length]
  return JSON.stringify(value)
}

describe("compiled codecs", () => {
  it.prop("a link encodes to Schema's JSON and decodes to Schema's value", [link], ([link]) => {
    const json = Schema.encodeSync(LinkJson)(link)
    expect(encodeLink(link)).toBe(json)
    expectSame(decodeLink(json), Schema.decodeSync(LinkJson)(json))
    expect(decodeLink(json)).toBeInstanceOf(PaymentLink)
  })

  it.prop("every kind of event encodes to Schema's JSON and decodes to Schema's value", [event], ([event]) => {
    const json = Schema.encodeSync(EventJson)(event)
    expect(encodeEvent(event)).toBe(json)
    expectSame(decodeEvent(json), Schema.decodeSync(EventJson)(json))
  })

  it.prop(
    "a spoiled row decodes as Schema decodes it: the same value, or the same error",
    [link, FastCheck.nat(), FastCheck.nat()],
    ([link, pick, how]) => {
      const json = spoil(Schema.encodeSync(LinkJson)(link), pick, how)
      const fast = outcome(() => decodeLink(json))
      // What is stored is read as upgraded (a link from before the newer fields gets their old values).
      const upgraded = outcome(() => JSON.stringify(upgradeLink(JSON.parse(json))))
      const slow = outcome(() => Schema.decodeSync(LinkJson)("value" in upgraded ? (upgraded.value as string) : json))
      if ("error" in slow) expect(fast).toEqual(slow)
      else if ("value" in fast) expectSame(fast.value, slow.value)
      else expect.fail(`refused a row Schema accepts: ${fast.error}`)
    }
  )

  it("a link or event stored before the contract, UPI, reminder and updated fields decodes with their old values", () => {
    const stored = FastCheck.sample(link, { numRuns: 1, seed: 11 })[0]!
    const current = JSON.parse(encodeLink(stored)) as Record<string, unknown>
    const { contract: _c, reminderStatus: _r, upiLink: _u, updatedAt: _t, ...old } = current
    const legacy = { ...plainOf(stored), contract: "invoices", reminderStatus: null, upiLink: false, updatedAt: null }
    expect(plainOf(decodeLink(JSON.stringify(old)))).toEqual(legacy)
    const event = decodeEvent(JSON.stringify({ _tag: "LinkCancelled", link: old, occurredAt: 5 }))
    expect(event._tag).toBe("LinkCancelled")
    expect(plainOf(event.link)).toEqual(legacy)
  })

  it("text that is not JSON, or JSON of something else, fails as Schema fails", () => {
    for (const json of ["", "{", "null", "[]", "42", '"inv"', "{}"])
      expect(outcome(() => decodeLink(json))).toEqual(outcome(() => Schema.decodeSync(LinkJson)(json)))
  })

  it("a link that breaks its schema is refused when encoded, with Schema's error", () => {
    const valid = FastCheck.sample(link, { numRuns: 1, seed: 7 })[0]!
    const broken = [
      new PaymentLink({ ...valid, amount: -1 as PaymentLink["amount"] }, { disableValidation: true }),
      new PaymentLink({ ...valid, id: "inv_short" as PaymentLink["id"] }, { disableValidation: true }),
      new PaymentLink({ ...valid, notes: { a: 1 as unknown as string } }, { disableValidation: true }),
      new PaymentLink({ ...valid, customer: { id: "cust_x" } as unknown as Customer }, { disableValidation: true })
    ]
    for (const value of broken) {
      const slow = outcome(() => Schema.encodeSync(LinkJson)(value))
      expect("error" in slow).toBe(true)
      expect(outcome(() => encodeLink(value))).toEqual(slow)
    }
  })

  it.prop(
    "a struct whose property names need quoting, with optional ones, decodes and encodes as Schema does",
    [
      FastCheck.record(
        {
          'with "quotes" and \\': FastCheck.string(),
          "line\nbreak": FastCheck.integer(),
          constructor: FastCheck.boolean(),
          "": orNull(FastCheck.string()),
          maybe: FastCheck.string()
        },
        { requiredKeys: ['with "quotes" and \\', "line\nbreak", "constructor", ""] }
      )
    ],
    ([value]) => {
      const Odd = Schema.Struct({
        'with "quotes" and \\': Schema.String,
        "line\nbreak": Schema.Int,
        constructor: Schema.Boolean,
        "": Schema.NullOr(Schema.String),
        maybe: Schema.optionalWith(Schema.String, { exact: true })
      })
      const OddJson = Schema.parseJson(Odd)
      const codec = jsonCodec(Odd)
      const json = Schema.encodeSync(OddJson)(value)
      expect(codec.encode(value)).toBe(json)
      expectSame(codec.decode(json), Schema.decodeSync(OddJson)(json))
      expect(outcome(() => codec.decode('{"constructor":1}'))).toEqual(
        outcome(() => Schema.decodeSync(OddJson)('{"constructor":1}'))
      )
    }
  )

  it("refuses at once to compile a schema with a node it does not support", () => {
    expect(() => jsonCodec(Schema.Struct({ at: Schema.DateFromString }))).toThrow(/cannot check/)
  })
})
