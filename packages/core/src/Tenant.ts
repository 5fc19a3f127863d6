/**
 * A tenant is one merchant in one mode. Every link belongs to exactly one; nothing crosses tenants.
 */
import * as Schema from "effect/Schema"
import { MerchantId } from "./Ids.js"

export const Mode = Schema.Literal("test", "live")
export type Mode = typeof Mode.Type

export class Tenant extends Schema.Class<Tenant>("Tenant")({
  merchantId: MerchantId,
  mode: Mode
}) {}

/** Builds a tenant from already-validated parts. */
export const make = (merchantId: MerchantId, mode: Mode): Tenant =>
  new Tenant({ merchantId, mode }, { disableValidation: true })

/** The mode a Razorpay key id belongs to, from its prefix (`rzp_test_` / `rzp_live_`). */
export const modeOfKeyId = (keyId: string): Mode | undefined => {
  const match = /^rzp_(test|live)_[0-9A-Za-z]+$/.exec(keyId)
  return match === null ? undefined : (match[1] as Mode)
}
