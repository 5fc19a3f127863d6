/**
 * Identifiers: Razorpay-shaped prefixed ids (`inv_` + 14 base62 characters) and short-link codes.
 */
import * as Schema from "effect/Schema"

const base62 = "[0-9A-Za-z]"

const prefixedId = <const Brand extends string>(prefix: string, brand: Brand) =>
  Schema.String.pipe(Schema.pattern(new RegExp(`^${prefix}_${base62}{14}$`)), Schema.brand(brand))

/**
 * A link's id: `inv_…` for a link created through the legacy invoices contract, `plink_…` for one created
 * through the Payment Links contract (docs/domain.md#two-contracts-one-domain).
 */
export const PaymentLinkId = Schema.String.pipe(
  Schema.pattern(new RegExp(`^(?:inv|plink)_${base62}{14}$`)),
  Schema.brand("PaymentLinkId")
)
export type PaymentLinkId = typeof PaymentLinkId.Type

export const PaymentId = prefixedId("pay", "PaymentId")
export type PaymentId = typeof PaymentId.Type

export const OrderId = prefixedId("order", "OrderId")
export type OrderId = typeof OrderId.Type

export const CustomerId = prefixedId("cust", "CustomerId")
export type CustomerId = typeof CustomerId.Type

export const MerchantId = prefixedId("acc", "MerchantId")
export type MerchantId = typeof MerchantId.Type

/** The code at the end of a `short_url`: 8 base62 characters. */
export const ShortCode = Schema.String.pipe(Schema.pattern(new RegExp(`^${base62}{8}$`)), Schema.brand("ShortCode"))
export type ShortCode = typeof ShortCode.Type

/** The prefixes of the ids paylinks generates. */
export type IdPrefix = "inv" | "plink" | "pay" | "order" | "cust" | "acc" | "evt" | "wh" | "msg"

const idPattern = /^([a-z]+)_([0-9A-Za-z]{14})$/

/**
 * Checks an id sent by a client against its expected prefix. Razorpay answers a malformed id with
 * `<id without its prefix> is not a valid id`, so the part after the prefix is returned for that text.
 */
export const parseId = (
  prefix: IdPrefix,
  raw: string
): { readonly _tag: "Valid"; readonly id: string } | { readonly _tag: "Malformed"; readonly withoutPrefix: string } => {
  const match = idPattern.exec(raw)
  if (match !== null && match[1] === prefix) return { _tag: "Valid", id: raw }
  const withoutPrefix = raw.startsWith(`${prefix}_`) ? raw.slice(prefix.length + 1) : raw
  return { _tag: "Malformed", withoutPrefix }
}

export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
