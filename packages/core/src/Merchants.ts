/**
 * The Merchants port: merchants and their API keys (docs/http-api.md#authentication). Secrets cross this port in
 * plaintext only when issued (shown once), when checked, and when a callback must be signed; how
 * they are kept at rest (encrypted) is the adapter's business.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { MerchantId } from "./Ids.js"
import type { Mode, Tenant } from "./Tenant.js"

export interface Merchant {
  readonly id: MerchantId
  readonly name: string
  readonly createdAt: number
}

export interface ApiKey {
  readonly keyId: string
  readonly merchantId: MerchantId
  readonly mode: Mode
  readonly createdAt: number
  readonly revokedAt: number | null
}

/** Who is calling: the tenant their key opens, and which key it was. */
export interface Principal {
  readonly tenant: Tenant
  readonly keyId: string
}

const authenticationTexts = {
  malformed: "Authentication failed",
  unknown_key: "The api key provided is invalid",
  wrong_secret: "The api secret provided is invalid"
} as const

/** Authentication failed; `reason` picks the wire text (docs/errors.md). */
export class AuthenticationFailed extends Data.TaggedError("AuthenticationFailed")<{
  readonly reason: "malformed" | "unknown_key" | "wrong_secret"
}> {
  override get message(): string {
    return authenticationTexts[this.reason]
  }
}

export class MerchantNotFound extends Data.TaggedError("MerchantNotFound")<{ readonly id: string }> {
  override get message(): string {
    return `No merchant ${this.id}`
  }
}

export class KeyNotFound extends Data.TaggedError("KeyNotFound")<{ readonly keyId: string }> {
  override get message(): string {
    return `No API key ${this.keyId}`
  }
}

/** The length of generated key secrets (at least 24: docs/http-api.md#authentication). */
export const SECRET_LENGTH = 24

export interface MerchantsShape {
  readonly create: (name: string) => Effect.Effect<Merchant>
  readonly list: Effect.Effect<ReadonlyArray<Merchant>>
  readonly find: (id: MerchantId) => Effect.Effect<Option.Option<Merchant>>
  /** A new key pair for the merchant in `mode`; the secret is returned here and never again. */
  readonly issueKey: (
    merchantId: MerchantId,
    mode: Mode
  ) => Effect.Effect<{ readonly key: ApiKey; readonly secret: string }, MerchantNotFound>
  /**
   * Makes sure the given pair opens a merchant (operator-seeded credentials, docs/http-api.md#authentication). The same
   * pair always lands on the same merchant, across restarts; a known key id with another secret takes the
   * configured secret, since the operator's configuration is the authority.
   */
  readonly seedKey: (
    keyId: string,
    secret: string,
    merchantName: string,
    /** A new key id joins this existing merchant instead of opening a new one named `merchantName`. */
    joinMerchant?: MerchantId
  ) => Effect.Effect<{ readonly merchant: Merchant; readonly key: ApiKey; readonly created: boolean }>
  readonly listKeys: (merchantId: MerchantId) => Effect.Effect<ReadonlyArray<ApiKey>>
  /** Revokes a key: it stops working at once. */
  readonly revokeKey: (keyId: string) => Effect.Effect<void, KeyNotFound>
  /** Checks a key pair in constant time with respect to the secret. */
  readonly authenticate: (keyId: string, secret: string) => Effect.Effect<Principal, AuthenticationFailed>
  /**
   * The plaintext secret of a live or revoked key, to sign a hosted page's callback
   * (docs/hosted-page.md#verifying-the-callback).
   */
  readonly secretOf: (keyId: string) => Effect.Effect<Option.Option<string>>
}

export class Merchants extends Context.Tag("@paylinks/core/Merchants")<Merchants, MerchantsShape>() {}

/** Compares two strings in time that depends on their lengths only, not on where they differ. */
export const constantTimeEquals = (a: string, b: string): boolean => {
  const length = Math.max(a.length, b.length)
  let diff = a.length ^ b.length
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return diff === 0
}
