/**
 * Money: Razorpay's currency table (docs/domain.md#currencies), exponents, minimums, the way amounts are written in
 * error texts, and currency symbols from the platform's Intl data.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Money from "../src/Money.js"

// docs/domain.md#currencies, copied as written.
const EXPONENT_3 = "BHD, IQD, JOD, KWD, OMR, TND"
const EXPONENT_0 = "BIF, CLP, DJF, GNF, ISK, JPY, KMF, KRW, PYG, RWF, UGX, VND, VUV, XAF, XOF, XPF"
const EXPONENT_2 = `AED, ALL, AMD, AUD, AWG, AZN, BAM, BBD, BDT, BGN, BMD, BND, BOB, BRL, BSD, BTN, BWP, BZD,
CAD, CHF, CNY, COP, CRC, CUP, CVE, CZK, DKK, DOP, DZD, EGP, ETB, EUR, FJD, GBP, GHS, GIP, GMD, GTQ,
GYD, HKD, HNL, HRK, HTG, HUF, IDR, ILS, INR, JMD, KES, KGS, KHR, KYD, KZT, LAK, LKR, LRD, LSL, MAD,
MDL, MGA, MKD, MMK, MNT, MOP, MUR, MVR, MWK, MXN, MYR, MZN, NAD, NGN, NIO, NOK, NPR, NZD, PEN, PGK,
PHP, PKR, PLN, QAR, RON, RSD, RUB, SAR, SCR, SEK, SGD, SLL, SOS, SVC, SZL, THB, TRY, TTD, TWD, TZS,
UAH, USD, UYU, UZS, XCD, YER, ZAR, ZMW`

const codes = (list: string): ReadonlyArray<Money.Currency> => list.split(/[,\s]+/).filter(Boolean) as never
const currency = (code: string): Money.Currency => code as Money.Currency

describe("Money: the currency table", () => {
  it("has exactly Razorpay's 128 currencies in three exponent groups", () => {
    expect(codes(EXPONENT_3)).toHaveLength(6)
    expect(codes(EXPONENT_0)).toHaveLength(16)
    expect(codes(EXPONENT_2)).toHaveLength(106)
    const all = [...codes(EXPONENT_3), ...codes(EXPONENT_0), ...codes(EXPONENT_2)].sort()
    expect(Money.supportedCurrencies).toEqual(all)
    expect(new Set(all).size).toBe(128)
  })

  it.each([
    [3, EXPONENT_3],
    [0, EXPONENT_0],
    [2, EXPONENT_2]
  ])("gives exponent %i, and its minimum of one major unit, to every currency of its group", (exponent, list) => {
    for (const code of codes(list)) {
      expect([code, Money.exponentOf(code)]).toEqual([code, exponent])
      expect([code, Money.minimumAmount(code)]).toEqual([code, 10 ** exponent])
      expect(Money.isSupportedCurrency(code)).toBe(true)
    }
  })

  it("knows nothing outside the table", () => {
    for (const code of ["XYZ", "inr", "BTC", "USDT", "", "ZWL", "VES"])
      expect(Money.isSupportedCurrency(code)).toBe(false)
    const decode = Schema.decodeUnknownEither(Money.Currency)
    expect(Either.isRight(decode("INR"))).toBe(true)
    const refused = decode("XYZ")
    expect(Either.isLeft(refused) && refused.left.message).toContain("The selected currency is invalid.")
  })
})

describe("Money: amounts", () => {
  it("accepts non-negative safe integers only", () => {
    const decode = Schema.decodeUnknownEither(Money.Amount)
    expect(Either.getOrThrow(decode(0))).toBe(0)
    expect(Either.getOrThrow(decode(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER)
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, "100"])
      expect(Either.isLeft(decode(bad))).toBe(true)
  })
})

describe("Money: formatting", () => {
  it.each([
    [100, "INR", "INR 1.00"],
    [29995, "INR", "INR 299.95"],
    [5, "INR", "INR 0.05"],
    [0, "INR", "INR 0.00"],
    [123456789, "USD", "USD 1234567.89"],
    [1, "JPY", "JPY 1"],
    [1500, "JPY", "JPY 1500"],
    [1000, "KWD", "KWD 1.000"],
    [1, "KWD", "KWD 0.001"],
    [123456, "BHD", "BHD 123.456"],
    [Number.MAX_SAFE_INTEGER, "INR", "INR 90071992547409.91"]
  ])("%i %s is written %s", (value, code, written) => {
    expect(Money.format(value, currency(code))).toBe(written)
  })

  it("writes the minimum of each exponent group the way the error texts do", () => {
    expect(Money.format(Money.minimumAmount(currency("INR")), currency("INR"))).toBe("INR 1.00")
    expect(Money.format(Money.minimumAmount(currency("JPY")), currency("JPY"))).toBe("JPY 1")
    expect(Money.format(Money.minimumAmount(currency("KWD")), currency("KWD"))).toBe("KWD 1.000")
  })

  it("writes negative differences with a sign", () => {
    expect(Money.formatMajor(-5, currency("INR"))).toBe("-0.05")
    expect(Money.formatMajor(-12345, currency("KWD"))).toBe("-12.345")
  })
})

describe("Money: currency symbols come from Intl", () => {
  it.each([
    ["INR", "₹"],
    ["USD", "$"],
    ["EUR", "€"],
    ["GBP", "£"],
    ["JPY", "¥"]
  ])("%s → %s", (code, symbol) => {
    expect(Money.currencySymbol(currency(code))).toBe(symbol)
  })

  it("agrees with the platform's own narrow symbol for every currency, and never comes back empty", () => {
    for (const code of Money.supportedCurrencies) {
      const fromIntl = new Intl.NumberFormat("en-IN", {
        style: "currency",
        currency: code,
        currencyDisplay: "narrowSymbol"
      })
        .formatToParts(0)
        .find((part) => part.type === "currency")?.value
      expect([code, Money.currencySymbol(currency(code))]).toEqual([code, fromIntl])
      expect(Money.currencySymbol(currency(code)).length).toBeGreaterThan(0)
    }
  })
})
