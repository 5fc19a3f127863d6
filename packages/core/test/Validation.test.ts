/**
 * Every validation rule core owns (docs/domain.md#the-payment-link, docs/errors.md), at its limit and just past it,
 * with the exact texts the wire contract shows and the field each problem is reported on.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { addMonthsUtc } from "../src/Calendar.js"
import * as Validation from "../src/Validation.js"
import { accept, DAY, MINUTE, T0 } from "./fixtures.js"

/** 2025-08-31T10:00:00Z: a month-end, so six months later has to be clamped to February. */
const AUG_31 = Date.UTC(2025, 7, 31, 10, 0, 0) / 1000

type Found = ReadonlyArray<readonly [field: string | null, description: string]>

/** Every problem reported, as (field, description) pairs in order; `[]` when the input is valid. */
const problemsOf = <A>(
  result: Either.Either<A, { readonly problems: ReadonlyArray<{ field: string | null; description: string }> }>
): Found =>
  Either.match(result, {
    onLeft: (error) => error.problems.map((problem) => [problem.field, problem.description] as const),
    onRight: () => []
  })

const create = (body: Record<string, unknown>, now = T0) =>
  Validation.validateCreate({ type: "link", amount: 10000, ...body }, now)

const createProblems = (body: Record<string, unknown>, now = T0): Found => problemsOf(create(body, now))

const text = (length: number, char = "a"): string => char.repeat(length)

describe("Validation.validateCreate: lengths at the limit and one past it", () => {
  const cases: ReadonlyArray<readonly [string, (length: number) => Record<string, unknown>, number, string, string]> = [
    ["receipt", (n) => ({ receipt: text(n) }), 40, "receipt", "The receipt may not be greater than 40 characters."],
    [
      "description",
      (n) => ({ description: text(n) }),
      2048,
      "description",
      "The description may not be greater than 2048 characters."
    ],
    [
      "customer name",
      (n) => ({ customer: { name: text(n) } }),
      50,
      "customer.name",
      "The name may not be greater than 50 characters."
    ],
    [
      "customer email",
      (n) => ({ customer: { email: `${text(n - "@example.com".length)}@example.com` } }),
      64,
      "customer.email",
      "The email may not be greater than 64 characters."
    ],
    [
      "customer contact",
      (n) => ({ customer: { contact: `+${text(n - 1, "9")}` } }),
      15,
      "customer.contact",
      "The contact may not be greater than 15 characters."
    ],
    [
      "note value",
      (n) => ({ notes: { purpose: text(n) } }),
      256,
      "notes.purpose",
      "The notes.purpose may not be greater than 256 characters."
    ],
    [
      "note key",
      (n) => ({ notes: { [text(n, "k")]: "v" } }),
      256,
      "notes",
      "The notes key may not be greater than 256 characters."
    ]
  ]
  for (const [name, body, limit, field, description] of cases) {
    it(`${name}: ${limit} is accepted, ${limit + 1} is refused`, () => {
      expect(createProblems(body(limit))).toEqual([])
      expect(createProblems(body(limit + 1))).toEqual([[field, description]])
    })
  }

  it("counts characters, not UTF-16 units: 40 emoji are a valid receipt", () => {
    expect(createProblems({ receipt: "🧾".repeat(40) })).toEqual([])
    expect(createProblems({ receipt: "🧾".repeat(41) })).toEqual([
      ["receipt", "The receipt may not be greater than 40 characters."]
    ])
  })

  it("notes: 15 items are accepted, 16 are refused", () => {
    const notes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))
    expect(accept(create({ notes: notes(15) })).notes).toEqual(notes(15))
    expect(createProblems({ notes: notes(16) })).toEqual([["notes", "The notes may not have more than 15 items."]])
  })
})

describe("Validation.validateCreate: formats", () => {
  it.each(["a@b.co", "first.last+tag@mail.example.co.in", "UPPER_case-99@Example-Domain.com"])(
    "accepts the email %s",
    (email) => {
      expect(createProblems({ customer: { email } })).toEqual([])
    }
  )

  it.each([
    "plainaddress",
    "@example.com",
    "user@",
    "user@localhost",
    "user@@example.com",
    "user name@example.com",
    "user@exa mple.com",
    "user@example..com",
    "user@-example.com",
    "user@example.com.",
    'us"er@example.com'
  ])("refuses the email %j", (email) => {
    expect(createProblems({ customer: { email } })).toEqual([
      ["customer.email", "The email must be a valid email address."]
    ])
  })

  it.each(["12345678", "+12345678", "+919876543210", "123456789012345"])("accepts the contact %s", (contact) => {
    expect(createProblems({ customer: { contact } })).toEqual([])
  })

  it.each(["1234567", "+1234567", "98765-43210", "9876 543210", "++919876543210", "91987654321+", "+91abc4567890", ""])(
    "refuses the contact %j",
    (contact) => {
      expect(createProblems({ customer: { contact } })).toEqual([
        ["customer.contact", "The contact format is invalid."]
      ])
    }
  )

  it("refuses a malformed customer_id by its part after the prefix, and a non-http callback_url", () => {
    expect(createProblems({ customer_id: "cust_123" })).toEqual([["customer_id", "123 is not a valid id"]])
    expect(createProblems({ customer_id: "inv_00000000000001" })).toEqual([
      ["customer_id", "inv_00000000000001 is not a valid id"]
    ])
    expect(createProblems({ customer_id: "cust_00000000000001" })).toEqual([])
    expect(createProblems({ callback_url: "ftp://shop.example/done" })).toEqual([
      ["callback_url", "The callback url format is invalid."]
    ])
    expect(createProblems({ callback_url: "https://shop.example/done?x=1" })).toEqual([])
  })
})

describe("Validation.validateCreate: amounts and currencies", () => {
  it.each([
    ["INR", 100, 99, "The amount must be at least INR 1.00"],
    ["USD", 100, 99, "The amount must be at least USD 1.00"],
    ["JPY", 1, 0, "The amount must be at least JPY 1"],
    ["KWD", 1000, 999, "The amount must be at least KWD 1.000"],
    ["BHD", 1000, 999, "The amount must be at least BHD 1.000"]
  ])("%s: %i is the minimum, %i is refused", (currency, minimum, below, description) => {
    expect(accept(create({ currency, amount: minimum })).amount).toBe(minimum)
    expect(createProblems({ currency, amount: below })).toEqual([["amount", description]])
  })

  it("defaults the currency to INR, so INR's minimum applies", () => {
    expect(accept(create({ amount: 100 })).currency).toBe("INR")
    expect(createProblems({ amount: 99 })).toEqual([["amount", "The amount must be at least INR 1.00"]])
    expect(createProblems({ amount: -100 })).toEqual([["amount", "The amount must be at least INR 1.00"]])
  })

  it("accepts amounts up to 2^53−1 and refuses larger ones", () => {
    expect(accept(create({ amount: Number.MAX_SAFE_INTEGER })).amount).toBe(Number.MAX_SAFE_INTEGER)
    expect(createProblems({ amount: 2 ** 53 })).toEqual([
      ["amount", "The amount may not be greater than 9007199254740991."]
    ])
  })

  it.each(["XYZ", "inr", "EURO", "", "BTC"])(
    "refuses the currency %j (and checks no minimum against it)",
    (currency) => {
      expect(createProblems({ currency, amount: 1 })).toEqual([["currency", "The selected currency is invalid."]])
    }
  )
})

describe("Validation.validateCreate: types, required and unknown fields", () => {
  it.each([
    ["type", 5, "The type must be a string."],
    ["amount", "10000", "The amount must be an integer."],
    ["amount", 100.5, "The amount must be an integer."],
    ["amount", true, "The amount must be an integer."],
    ["currency", 356, "The currency must be a string."],
    ["description", 5, "The description must be a string."],
    ["receipt", 42, "The receipt must be a string."],
    ["customer", "Asha", "The customer must be an object."],
    ["customer", ["Asha"], "The customer must be an object."],
    ["customer_id", 7, "The customer_id must be a string."],
    ["expire_by", "tomorrow", "The expire_by must be an integer."],
    ["expire_by", T0 + DAY + 0.5, "The expire_by must be an integer."],
    ["partial_payment", "yes", "The partial_payment must be a boolean."],
    ["partial_payment", 2, "The partial_payment must be a boolean."],
    ["first_payment_min_amount", "500", "The first_payment_min_amount must be an integer."],
    ["sms_notify", "sometimes", "The sms_notify must be a boolean."],
    ["email_notify", {}, "The email_notify must be a boolean."],
    ["view_less", [], "The view_less must be a boolean."],
    ["notes", "gift", "The notes must be an object."],
    ["notes", ["gift"], "The notes must be an object."],
    ["reminder_enable", "no", "The reminder_enable must be a boolean."],
    ["callback_url", 5, "The callback_url must be a string."],
    ["callback_method", 5, "The callback_method must be a string."]
  ])("%s = %j → %s", (field, value, description) => {
    const body =
      field === "first_payment_min_amount"
        ? { partial_payment: true, [field]: value }
        : field === "callback_method"
          ? { callback_url: "https://shop.example/done", [field]: value }
          : { [field]: value }
    expect(createProblems(body)).toEqual([[field, description]])
  })

  it.each([
    ["name", 5, "The name must be a string."],
    ["email", 5, "The email must be a string."],
    ["contact", 919876543210, "The contact must be a string."]
  ])("customer.%s = %j → %s", (field, value, description) => {
    expect(createProblems({ customer: { [field]: value } })).toEqual([[`customer.${field}`, description]])
  })

  it("refuses a note value that is not text, and keeps numbers and booleans as their text", () => {
    expect(createProblems({ notes: { nested: { a: 1 } } })).toEqual([
      ["notes.nested", "The notes.nested must be a string."]
    ])
    expect(accept(create({ notes: { n: 5, b: true, s: "x" } })).notes).toEqual({ n: "5", b: "true", s: "x" })
    expect(accept(create({ notes: [] })).notes).toEqual({})
  })

  it("keeps a note whose key is __proto__ as an ordinary note", () => {
    const notes = accept(create({ notes: JSON.parse('{"__proto__":"x","a":"1"}') })).notes
    expect(Object.entries(notes)).toEqual([
      ["__proto__", "x"],
      ["a", "1"]
    ])
    expect(Object.getPrototypeOf(notes)).toBe(Object.prototype)
  })

  it("takes booleans as true/false, 0/1 and their text", () => {
    const command = accept(
      create({ partial_payment: 1, sms_notify: 0, email_notify: "false", view_less: false, reminder_enable: "1" })
    )
    expect([
      command.partialPayment,
      command.smsNotify,
      command.emailNotify,
      command.viewLess,
      command.reminderEnable
    ]).toEqual([true, false, false, false, true])
  })

  it("requires type and amount, and type must be link", () => {
    expect(problemsOf(Validation.validateCreate({}, T0))).toEqual([
      ["type", "The type field is required."],
      ["amount", "The amount field is required."]
    ])
    expect(problemsOf(Validation.validateCreate({ type: null, amount: null }, T0))).toEqual([
      ["type", "The type field is required."],
      ["amount", "The amount field is required."]
    ])
    expect(createProblems({ type: "invoice" })).toEqual([["type", "The selected type is invalid."]])
  })

  it("names unknown fields together, in the order sent, on the field itself when there is one", () => {
    expect(createProblems({ a: 1, b: 2 })).toEqual([[null, "a, b is/are not required and should not be sent"]])
    expect(createProblems({ payment_capture: true })).toEqual([
      ["payment_capture", "payment_capture is/are not required and should not be sent"]
    ])
    expect(createProblems({ customer: { name: "A", gstin: "X", age: 3 } })).toEqual([
      [null, "customer.gstin, customer.age is/are not required and should not be sent"]
    ])
  })

  it("takes null as not sent", () => {
    const command = accept(create({ description: null, receipt: null, customer: null, notes: null, expire_by: null }))
    expect([command.description, command.receipt, command.customer, command.notes, command.expireBy]).toEqual([
      null,
      null,
      null,
      {},
      null
    ])
  })

  it("refuses customer and customer_id together", () => {
    expect(createProblems({ customer: { name: "A" }, customer_id: "cust_00000000000001" })).toEqual([
      ["customer_id", "Only one of customer and customer_id may be sent."]
    ])
  })

  it("accepts callback_method get only, and only with a callback_url", () => {
    expect(accept(create({ callback_url: "https://shop.example/done" })).callbackMethod).toBe("get")
    expect(createProblems({ callback_url: "https://shop.example/done", callback_method: "post" })).toEqual([
      ["callback_method", "The selected callback method is invalid."]
    ])
    expect(createProblems({ callback_method: "get" })).toEqual([
      ["callback_method", "The callback_method can only be sent with a callback_url."]
    ])
  })

  it("returns a valid body as a command with every field read and defaults filled in", () => {
    expect(
      accept(
        create({
          amount: 29995,
          currency: "INR",
          description: "Shoes",
          receipt: "R-1",
          customer: { name: "Asha", email: "asha@example.com", contact: "+919876543210" },
          expire_by: T0 + DAY,
          partial_payment: true,
          first_payment_min_amount: 10000,
          notes: { size: "9" },
          callback_url: "https://shop.example/done",
          callback_method: "get"
        })
      )
    ).toEqual({
      amount: 29995,
      currency: "INR",
      description: "Shoes",
      receipt: "R-1",
      customer: { name: "Asha", email: "asha@example.com", contact: "+919876543210" },
      customerId: null,
      expireBy: T0 + DAY,
      partialPayment: true,
      firstPaymentMinAmount: 10000,
      smsNotify: true,
      emailNotify: true,
      viewLess: true,
      reminderEnable: false,
      notes: { size: "9" },
      callbackUrl: "https://shop.example/done",
      callbackMethod: "get",
      upiLink: false
    })
  })
})

describe("Validation.validateCreate: the expire_by window", () => {
  const TOO_SOON = "expire_by should be at least 15 minutes after current time."
  const TOO_LATE = "expire_by cannot be more than six months from the date of creation."

  it("needs at least 15 minutes from now", () => {
    expect(createProblems({ expire_by: T0 + 15 * MINUTE - 1 })).toEqual([["expire_by", TOO_SOON]])
    expect(createProblems({ expire_by: T0 + 15 * MINUTE })).toEqual([])
    expect(createProblems({ expire_by: T0 - DAY })).toEqual([["expire_by", TOO_SOON]])
  })

  it("allows exactly six calendar months and not one second more", () => {
    // 2023-11-14T22:13:20Z + 6 months = 2024-05-14T22:13:20Z.
    const limit = Date.UTC(2024, 4, 14, 22, 13, 20) / 1000
    expect(createProblems({ expire_by: limit })).toEqual([])
    expect(createProblems({ expire_by: limit + 1 })).toEqual([["expire_by", TOO_LATE]])
  })

  it("clamps a month-end: 31 Aug + 6 months is the last day of February", () => {
    const feb28 = Date.UTC(2026, 1, 28, 10, 0, 0) / 1000
    expect(addMonthsUtc(AUG_31, 6)).toBe(feb28)
    expect(createProblems({ expire_by: feb28 }, AUG_31)).toEqual([])
    expect(createProblems({ expire_by: feb28 + 1 }, AUG_31)).toEqual([["expire_by", TOO_LATE]])
    // In a leap year the last day is the 29th.
    const aug31of2023 = Date.UTC(2023, 7, 31, 10, 0, 0) / 1000
    expect(addMonthsUtc(aug31of2023, 6)).toBe(Date.UTC(2024, 1, 29, 10, 0, 0) / 1000)
  })

  it("adds calendar months across a year end and keeps the time of day", () => {
    expect(addMonthsUtc(Date.UTC(2025, 9, 15, 23, 59, 59) / 1000, 6)).toBe(Date.UTC(2026, 3, 15, 23, 59, 59) / 1000)
    expect(addMonthsUtc(Date.UTC(2025, 11, 31, 0, 0, 0) / 1000, 6)).toBe(Date.UTC(2026, 5, 30, 0, 0, 0) / 1000)
  })
})

describe("Validation.validateCreate: first_payment_min_amount", () => {
  it("needs partial_payment", () => {
    expect(createProblems({ first_payment_min_amount: 500 })).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount can only be sent when partial_payment is true."]
    ])
    expect(createProblems({ partial_payment: false, first_payment_min_amount: 500 })).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount can only be sent when partial_payment is true."]
    ])
    expect(accept(create({ partial_payment: false, first_payment_min_amount: null })).firstPaymentMinAmount).toBe(null)
  })

  it("is at least one major unit and at most the amount", () => {
    expect(createProblems({ partial_payment: true, first_payment_min_amount: 99 })).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount must be at least INR 1.00"]
    ])
    expect(accept(create({ partial_payment: true, first_payment_min_amount: 100 })).firstPaymentMinAmount).toBe(100)
    expect(accept(create({ partial_payment: true, first_payment_min_amount: 10000 })).firstPaymentMinAmount).toBe(10000)
    expect(createProblems({ partial_payment: true, first_payment_min_amount: 10001 })).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount may not be greater than the amount."]
    ])
    expect(
      createProblems({ currency: "KWD", amount: 5000, partial_payment: true, first_payment_min_amount: 999 })
    ).toEqual([["first_payment_min_amount", "The first_payment_min_amount must be at least KWD 1.000"]])
  })
})

describe("Validation.validateCreate: every problem, in order", () => {
  it("reports all problems of a body, unknown fields first and then in the documented field order", () => {
    expect(
      problemsOf(
        Validation.validateCreate(
          {
            callback_method: "post",
            callback_url: "mailto:x",
            reminder_enable: "maybe",
            notes: { a: {} },
            view_less: "x",
            email_notify: "x",
            sms_notify: "x",
            first_payment_min_amount: 50,
            partial_payment: "x",
            expire_by: T0,
            customer: { name: text(51), email: "bad", contact: "12" },
            receipt: text(41),
            description: 1,
            currency: "ABC",
            amount: 1.5,
            type: "invoice",
            extra: 1,
            other: 2
          },
          T0
        )
      )
    ).toEqual([
      [null, "extra, other is/are not required and should not be sent"],
      ["type", "The selected type is invalid."],
      ["amount", "The amount must be an integer."],
      ["currency", "The selected currency is invalid."],
      ["description", "The description must be a string."],
      ["receipt", "The receipt may not be greater than 40 characters."],
      ["customer.name", "The name may not be greater than 50 characters."],
      ["customer.email", "The email must be a valid email address."],
      ["customer.contact", "The contact format is invalid."],
      ["expire_by", "expire_by should be at least 15 minutes after current time."],
      ["partial_payment", "The partial_payment must be a boolean."],
      ["first_payment_min_amount", "The first_payment_min_amount can only be sent when partial_payment is true."],
      ["sms_notify", "The sms_notify must be a boolean."],
      ["email_notify", "The email_notify must be a boolean."],
      ["view_less", "The view_less must be a boolean."],
      ["notes.a", "The notes.a must be a string."],
      ["reminder_enable", "The reminder_enable must be a boolean."],
      ["callback_url", "The callback url format is invalid."],
      ["callback_method", "The selected callback method is invalid."]
    ])
  })

  it("reports a bad amount before a bad currency whatever order the body lists them in", () => {
    expect(problemsOf(Validation.validateCreate({ currency: "ABC", amount: "x", type: "link" }, T0))).toEqual([
      ["amount", "The amount must be an integer."],
      ["currency", "The selected currency is invalid."]
    ])
  })
})

describe("Validation.validateUpdate", () => {
  const LINK: Validation.UpdateContext = {
    amount: 10000,
    currency: "INR" as never,
    createdAt: T0,
    partialPayment: true,
    firstPaymentMinAmount: 500
  }
  const update = (body: Record<string, unknown>, now = T0 + DAY, link = LINK) =>
    Validation.validateUpdate(body, link, now)

  it("reads only the fields sent", () => {
    expect(accept(update({}))).toEqual({})
    expect(accept(update({ notes: { a: "1" } }))).toEqual({ notes: { a: "1" } })
    expect(accept(update({ receipt: null }))).toEqual({ receipt: null })
    expect(
      accept(
        update({
          receipt: "R",
          expire_by: T0 + 2 * DAY,
          partial_payment: 1,
          first_payment_min_amount: 700,
          reminder_enable: true
        })
      )
    ).toEqual({
      receipt: "R",
      expireBy: T0 + 2 * DAY,
      partialPayment: true,
      firstPaymentMinAmount: 700,
      reminderEnable: true
    })
  })

  it("refuses fields an update cannot change", () => {
    expect(problemsOf(update({ amount: 5, currency: "USD" }))).toEqual([
      [null, "amount, currency is/are not required and should not be sent"]
    ])
  })

  it("applies the create limits to receipt and notes", () => {
    expect(problemsOf(update({ receipt: text(40) }))).toEqual([])
    expect(problemsOf(update({ receipt: text(41) }))).toEqual([
      ["receipt", "The receipt may not be greater than 40 characters."]
    ])
    const notes = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"]))
    expect(problemsOf(update({ notes }))).toEqual([["notes", "The notes may not have more than 15 items."]])
    expect(problemsOf(update({ notes: { k: text(257) } }))).toEqual([
      ["notes.k", "The notes.k may not be greater than 256 characters."]
    ])
  })

  it("measures expire_by from now (15 minutes) and from the link's creation (six months)", () => {
    const now = T0 + 100 * DAY
    expect(problemsOf(update({ expire_by: now + 15 * MINUTE - 1 }, now))).toEqual([
      ["expire_by", "expire_by should be at least 15 minutes after current time."]
    ])
    expect(problemsOf(update({ expire_by: now + 15 * MINUTE }, now))).toEqual([])
    const limit = addMonthsUtc(T0, 6)
    expect(problemsOf(update({ expire_by: limit }, now))).toEqual([])
    expect(problemsOf(update({ expire_by: limit + 1 }, now))).toEqual([
      ["expire_by", "expire_by cannot be more than six months from the date of creation."]
    ])
  })

  it("checks first_payment_min_amount against partial payments, the currency minimum and the amount", () => {
    const fullOnly = { ...LINK, partialPayment: false, firstPaymentMinAmount: null }
    expect(problemsOf(update({ first_payment_min_amount: 500 }, T0 + DAY, fullOnly))).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount can only be sent when partial_payment is true."]
    ])
    expect(accept(update({ partial_payment: true, first_payment_min_amount: 500 }, T0 + DAY, fullOnly))).toEqual({
      partialPayment: true,
      firstPaymentMinAmount: 500
    })
    expect(problemsOf(update({ partial_payment: false, first_payment_min_amount: 500 }))).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount can only be sent when partial_payment is true."]
    ])
    expect(problemsOf(update({ first_payment_min_amount: 99 }))).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount must be at least INR 1.00"]
    ])
    expect(problemsOf(update({ first_payment_min_amount: 10001 }))).toEqual([
      ["first_payment_min_amount", "The first_payment_min_amount may not be greater than the amount."]
    ])
    expect(accept(update({ first_payment_min_amount: null }))).toEqual({ firstPaymentMinAmount: null })
  })

  it("drops first_payment_min_amount when partial payments are turned off", () => {
    expect(accept(update({ partial_payment: false }))).toEqual({ partialPayment: false, firstPaymentMinAmount: null })
  })

  it("reports every problem of an update, in order", () => {
    expect(
      problemsOf(
        update({ reminder_enable: "x", partial_payment: "x", expire_by: "x", notes: 1, receipt: 1, amount: 1 })
      )
    ).toEqual([
      ["amount", "amount is/are not required and should not be sent"],
      ["receipt", "The receipt must be a string."],
      ["notes", "The notes must be an object."],
      ["expire_by", "The expire_by must be an integer."],
      ["partial_payment", "The partial_payment must be a boolean."],
      ["reminder_enable", "The reminder_enable must be a boolean."]
    ])
  })
})

describe("Validation.validatePayment", () => {
  it("defaults to the amount due and the card method", () => {
    expect(accept(Validation.validatePayment({}))).toEqual({ amount: null, method: "card" })
  })

  it.each(Validation.PAYMENT_METHODS)("accepts the method %s", (method) => {
    expect(accept(Validation.validatePayment({ amount: 100, method }))).toEqual({ amount: 100, method })
  })

  it("refuses non-positive and non-integer amounts, unknown methods and unknown fields, all at once", () => {
    expect(problemsOf(Validation.validatePayment({ amount: 0 }))).toEqual([
      ["amount", "The amount must be at least 1."]
    ])
    expect(problemsOf(Validation.validatePayment({ amount: 1 }))).toEqual([])
    expect(problemsOf(Validation.validatePayment({ amount: -1 }))).toEqual([
      ["amount", "The amount must be at least 1."]
    ])
    expect(problemsOf(Validation.validatePayment({ amount: "100" }))).toEqual([
      ["amount", "The amount must be an integer."]
    ])
    expect(problemsOf(Validation.validatePayment({ method: 5 }))).toEqual([["method", "The method must be a string."]])
    expect(problemsOf(Validation.validatePayment({ vpa: "a@upi", amount: 0, method: "cash" }))).toEqual([
      ["vpa", "vpa is/are not required and should not be sent"],
      ["amount", "The amount must be at least 1."],
      ["method", "The selected method is invalid."]
    ])
  })
})

describe("Validation.validateInboxQuery", () => {
  const inbox = (query: Record<string, string | undefined>) => Validation.validateInboxQuery(query)

  it("defaults to the 10 newest messages of every channel and link", () => {
    expect(accept(inbox({}))).toEqual({ channel: undefined, linkId: undefined, limit: 10 })
    expect(accept(inbox({ channel: "", invoice_id: "", count: "" }))).toEqual({
      channel: undefined,
      linkId: undefined,
      limit: 10
    })
  })

  it("reads the channel, the link (invoice_id) and the count", () => {
    expect(accept(inbox({ channel: "sms", invoice_id: "inv_00000000000001", count: "100" }))).toEqual({
      channel: "sms",
      linkId: "inv_00000000000001",
      limit: 100
    })
    expect(accept(inbox({ channel: "email" })).channel).toBe("email")
  })

  it("refuses unknown parameters, channels and counts out of range, all at once, in order", () => {
    expect(problemsOf(inbox({ count: "101", channel: "fax", skip: "1" }))).toEqual([
      ["skip", "skip is/are not required and should not be sent"],
      ["channel", "The selected channel is invalid."],
      ["count", "The count may not be greater than 100."]
    ])
    expect(problemsOf(inbox({ count: "0" }))).toEqual([["count", "The count must be at least 1."]])
    expect(problemsOf(inbox({ count: "ten" }))).toEqual([["count", "The count must be an integer."]])
  })
})

describe("Validation.validateListQuery", () => {
  const list = (query: Record<string, string | undefined>) => Validation.validateListQuery(query)

  it("defaults to 10 items from the start, no filters", () => {
    expect(accept(list({}))).toEqual({
      contract: "invoices",
      type: null,
      status: null,
      receipt: null,
      customerId: null,
      paymentId: null,
      upiLink: null,
      from: null,
      to: null,
      count: 10,
      skip: 0
    })
  })

  it("reads every filter", () => {
    expect(
      accept(
        list({
          type: "link",
          status: "partially_paid",
          receipt: "R-1",
          customer_id: "cust_00000000000001",
          payment_id: "pay_00000000000001",
          from: "1700000000",
          to: "1700086400",
          count: "25",
          skip: "50"
        })
      )
    ).toEqual({
      contract: "invoices",
      type: "link",
      status: "partially_paid",
      receipt: "R-1",
      customerId: "cust_00000000000001",
      paymentId: "pay_00000000000001",
      upiLink: null,
      from: 1_700_000_000,
      to: 1_700_086_400,
      count: 25,
      skip: 50
    })
  })

  it("takes count up to 100", () => {
    expect(accept(list({ count: "100" })).count).toBe(100)
    expect(problemsOf(list({ count: "101" }))).toEqual([["count", "The count may not be greater than 100."]])
    expect(problemsOf(list({ count: "0" }))).toEqual([["count", "The count must be at least 1."]])
  })

  it("refuses non-integers, negative skips, unknown statuses and unknown parameters, all at once, in order", () => {
    expect(
      problemsOf(
        list({ skip: "-1", count: "ten", to: "1.5", from: "yesterday", status: "open", sort: "asc", expand: "x" })
      )
    ).toEqual([
      [null, "sort, expand is/are not required and should not be sent"],
      ["status", "The selected status is invalid."],
      ["from", "The from must be an integer."],
      ["to", "The to must be an integer."],
      ["count", "The count must be an integer."],
      ["skip", "The skip must be at least 0."]
    ])
  })

  it("takes empty and absent values as not sent", () => {
    expect(accept(list({ status: "", count: "", skip: undefined, receipt: "" }))).toMatchObject({
      status: null,
      receipt: null,
      count: 10,
      skip: 0
    })
  })
})
