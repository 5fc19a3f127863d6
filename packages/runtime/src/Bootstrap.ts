/**
 * What a database gets from whoever opens it first — the server, or the `paylinks` CLI on the same
 * file — so that both leave it in the same state: a configured key pair opens its merchant; otherwise
 * a database without merchants gets one, with a test key pair whose secret is shown this once.
 */
import type { MerchantId } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

/** The name of the merchant a fresh database gets (the hosted page shows it). */
export const MERCHANT_NAME = "paylinks merchant"

/** A key pair made for a fresh database. */
export interface GeneratedKey {
  readonly merchantId: MerchantId
  readonly keyId: string
  readonly secret: string
}

/**
 * A configured key pair (`seedKey`) opens its merchant: the same one on every start, the database's only
 * merchant when it is new to a database that has exactly one, otherwise a new one. Without a configured
 * pair, a database without merchants gets a merchant and a test key pair, returned (with its secret) this once.
 */
export const ensureCredentials = (
  seedKey?: { readonly keyId: string; readonly secret: Redacted.Redacted<string> } | undefined
): Effect.Effect<GeneratedKey | undefined, never, Merchants> =>
  Effect.gen(function* () {
    const merchants = yield* Merchants
    const existing = yield* merchants.list
    if (seedKey !== undefined) {
      // On a database with exactly one merchant (the one a first start made), a newly configured pair opens
      // that merchant: the links made so far stay visible with the app's own credentials.
      const sole = existing.length === 1 ? existing[0]!.id : undefined
      yield* merchants.seedKey(seedKey.keyId, Redacted.value(seedKey.secret), MERCHANT_NAME, sole)
      return undefined
    }
    if (existing.length > 0) return undefined
    const merchant = yield* merchants.create(MERCHANT_NAME)
    const issued = yield* merchants.issueKey(merchant.id, "test").pipe(Effect.orDie)
    return { merchantId: merchant.id, keyId: issued.key.keyId, secret: issued.secret }
  })

/** How a generated key pair is shown, the only time its secret can be seen. */
export const announcement = (key: GeneratedKey): string =>
  [
    "A merchant and a test key pair were created (the secret is shown this once):",
    `  key_id:     ${key.keyId}`,
    `  key_secret: ${key.secret}`
  ].join("\n")
