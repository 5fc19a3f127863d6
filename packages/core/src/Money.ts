/**
 * Money in minor units, and the currencies paylinks accepts (Razorpay's table, docs/domain.md#currencies).
 */
import * as Schema from "effect/Schema"

/** A non-negative integer amount in the smallest unit of its currency, at most 2^53−1. */
export const Amount = Schema.Int.pipe(
  Schema.greaterThanOrEqualTo(0),
  Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER),
  Schema.brand("Amount")
)
export type Amount = typeof Amount.Type

/** Brands a number already known to be a safe non-negative integer. */
export const amount = (value: number): Amount => value as Amount

const exponent3 = ["BHD", "IQD", "JOD", "KWD", "OMR", "TND"] as const
const exponent0 = [
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "ISK",
  "JPY",
  "KMF",
  "KRW",
  "PYG",
  "RWF",
  "UGX",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF"
] as const
const exponent2 =
  "AED ALL AMD AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BZD CAD CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ETB EUR FJD GBP GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR JMD KES KGS KHR KYD KZT LAK LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SCR SEK SGD SLL SOS SVC SZL THB TRY TTD TWD TZS UAH USD UYU UZS XCD YER ZAR ZMW".split(
    " "
  )

const exponents: ReadonlyMap<string, number> = new Map<string, number>([
  ...exponent3.map((code) => [code, 3] as const),
  ...exponent0.map((code) => [code, 0] as const),
  ...exponent2.map((code) => [code, 2] as const)
])

/** Every currency code paylinks accepts, in alphabetical order. */
export const supportedCurrencies: ReadonlyArray<string> = [...exponents.keys()].sort()

/** A currency code from Razorpay's table. */
export const Currency = Schema.String.pipe(
  Schema.filter((code) => exponents.has(code), { message: () => "The selected currency is invalid." }),
  Schema.brand("Currency")
)
export type Currency = typeof Currency.Type

export const INR = "INR" as Currency

/** Whether `code` is a currency paylinks accepts. */
export const isSupportedCurrency = (code: string): code is Currency => exponents.has(code)

/** The number of decimal places of a currency's major unit (INR 2, JPY 0, KWD 3). */
export const exponentOf = (currency: Currency): number => exponents.get(currency) ?? 2

/** The smallest amount a link may be created for: one major unit, in minor units. */
export const minimumAmount = (currency: Currency): Amount => amount(10 ** exponentOf(currency))

/** Renders minor units as a decimal string with the currency's exponent: 29995 INR → "299.95". */
export const formatMajor = (value: number, currency: Currency): string => {
  const digits = exponentOf(currency)
  if (digits === 0) return String(value)
  const negative = value < 0
  const text = String(Math.abs(value)).padStart(digits + 1, "0")
  const major = text.slice(0, text.length - digits)
  const minor = text.slice(text.length - digits)
  return `${negative ? "-" : ""}${major}.${minor}`
}

/** Renders an amount the way error texts do: `INR 1.00`, `JPY 1`, `KWD 1.000`. */
export const format = (value: number, currency: Currency): string => `${currency} ${formatMajor(value, currency)}`

const symbols = new Map<string, string>()

/** The currency's symbol from the platform's `Intl` data (₹ for INR, $ for USD); the code when it has none. */
export const currencySymbol = (currency: Currency): string => {
  const cached = symbols.get(currency)
  if (cached !== undefined) return cached
  const part = new Intl.NumberFormat("en-IN", { style: "currency", currency, currencyDisplay: "narrowSymbol" })
    .formatToParts(0)
    .find((p) => p.type === "currency")
  const symbol = part?.value ?? currency
  symbols.set(currency, symbol)
  return symbol
}
