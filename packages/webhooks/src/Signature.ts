/**
 * `X-Razorpay-Signature`: lowercase hex HMAC-SHA256 of the exact raw body, keyed with the endpoint's
 * secret — what `Razorpay.validateWebhookSignature(body, signature, secret)` checks.
 */
import * as Crypto from "node:crypto"

export const sign = (secret: string, body: string): string =>
  Crypto.createHmac("sha256", secret).update(body, "utf8").digest("hex")
