/**
 * Amounts and dates as a customer reads them on the hosted page, and amounts as a customer types
 * them. Amounts are minor units up to 2^53−1, which a float cannot divide exactly, so the major part
 * is formatted as a BigInt and the minor digits are put in by hand.
 */
import * as Money from "@paylinks/core/Money"

const formatters = new Map<string, Intl.NumberFormat>()

const formatterOf = (currency: Money.Currency): Intl.NumberFormat => {
  let formatter = formatters.get(currency)
  if (formatter === undefined) {
    const digits = Money.exponentOf(currency)
    // Razorpay's exponents differ from ISO 4217 for a few codes: the table in core decides the digits.
    formatter = new Intl.NumberFormat(currency === "INR" ? "en-IN" : "en", {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: digits,
      maximumFractionDigits: digits
    })
    formatters.set(currency, formatter)
  }
  return formatter
}

/** `₹1,00,000.50`, `$12.00`, `¥500`, `KWD 1.000` — grouping and symbol from the platform's Intl data. */
export const money = (value: number, currency: Money.Currency): string => {
  const digits = Money.exponentOf(currency)
  const text = Money.formatMajor(value, currency)
  const [major = "0", minor = ""] = text.split(".")
  const parts = formatterOf(currency).formatToParts(BigInt(major))
  return parts.map((part) => (part.type === "fraction" && digits > 0 ? minor : part.value)).join("")
}

/** A decimal the customer typed, in major units, as minor units; `undefined` when it is not an amount. */
export const parseMajor = (text: string, currency: Money.Currency): number | undefined => {
  const digits = Money.exponentOf(currency)
  const cleaned = text.trim().replaceAll(",", "")
  const pattern = digits === 0 ? /^([0-9]{1,16})$/ : new RegExp(`^([0-9]{0,16})(?:\\.([0-9]{0,${digits}}))?$`)
  const match = pattern.exec(cleaned)
  if (match === null || cleaned === "" || cleaned === ".") return undefined
  const major = match[1] ?? ""
  const minor = (match[2] ?? "").padEnd(digits, "0")
  const value = Number(`${major}${minor}`)
  return Number.isSafeInteger(value) ? value : undefined
}

/** A step of the amount field: one minor unit in major units (`0.01`, `1`, `0.001`). */
export const step = (currency: Money.Currency): string => {
  const digits = Money.exponentOf(currency)
  return digits === 0 ? "1" : `0.${"0".repeat(digits - 1)}1`
}

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
  timeZone: "UTC"
})

/** `12 Mar 2025, 14:05 UTC`: one unambiguous zone for every reader. */
export const date = (unixSeconds: number): string => `${dateFormat.format(new Date(unixSeconds * 1000))} UTC`

/** The machine-readable form for `<time datetime>`. */
export const isoDate = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString()
