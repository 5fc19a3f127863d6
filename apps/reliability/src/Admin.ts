/**
 * What an operator does beside a running server, through the storage package on the same database
 * (a SQLite file or a PostgreSQL URL): create merchants and key pairs, revoke keys, register
 * webhook endpoints. Each call opens the storage, does its work and closes it again.
 */
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type { MerchantId } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import * as Tenant from "@paylinks/core/Tenant"
import type { WebhookEventName } from "@paylinks/core/WebhookEndpoints"
import type * as SqlStorage from "@paylinks/sql/SqlStorage"
import * as Storage from "@paylinks/sql/Storage"
import * as WebhookRegistry from "@paylinks/webhooks/WebhookRegistry"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface KeyPair {
  readonly merchantId: MerchantId
  readonly keyId: string
  readonly secret: string
  readonly mode: Tenant.Mode
}

/** Runs `effect` on the storage of `database` (`sqlite:<file>` or `postgres://…`). */
export const onDatabase = <A, E>(
  database: string,
  masterKey: string | undefined,
  effect: Effect.Effect<A, E, SqlStorage.Services | IdGenerator.IdGenerator>
): Promise<A> =>
  Effect.runPromise(
    Effect.provide(
      effect,
      Storage.layerFromUrl(database, { masterKey, maxConnections: 2 }).pipe(
        Layer.provideMerge(IdGenerator.layerCrypto),
        Layer.orDie
      )
    )
  )

/** A new merchant with one key pair per mode asked for. */
export const createMerchant = (
  database: string,
  masterKey: string | undefined,
  name: string,
  modes: ReadonlyArray<Tenant.Mode>
): Promise<ReadonlyArray<KeyPair>> =>
  onDatabase(
    database,
    masterKey,
    Effect.gen(function* () {
      const merchants = yield* Merchants
      const merchant = yield* merchants.create(name)
      const pairs: Array<KeyPair> = []
      for (const mode of modes) {
        const issued = yield* Effect.orDie(merchants.issueKey(merchant.id, mode))
        pairs.push({ merchantId: merchant.id, keyId: issued.key.keyId, secret: issued.secret, mode })
      }
      return pairs
    })
  )

/** The operator-seeded pair (what the server does with `PAYLINKS_KEY_ID`/`PAYLINKS_KEY_SECRET`), done ahead. */
export const seedKey = (
  database: string,
  masterKey: string | undefined,
  keyId: string,
  secret: string
): Promise<KeyPair> =>
  onDatabase(
    database,
    masterKey,
    Effect.map(
      Effect.flatMap(Merchants, (m) => m.seedKey(keyId, secret, "paylinks merchant")),
      (seeded) => ({ merchantId: seeded.merchant.id, keyId, secret, mode: seeded.key.mode })
    )
  )

/** Another key pair for an existing merchant. */
export const issueKey = (
  database: string,
  masterKey: string | undefined,
  merchantId: MerchantId,
  mode: Tenant.Mode
): Promise<KeyPair> =>
  onDatabase(
    database,
    masterKey,
    Effect.map(Effect.orDie(Effect.flatMap(Merchants, (m) => m.issueKey(merchantId, mode))), (issued) => ({
      merchantId,
      keyId: issued.key.keyId,
      secret: issued.secret,
      mode
    }))
  )

export const revokeKey = (database: string, masterKey: string | undefined, keyId: string): Promise<void> =>
  onDatabase(database, masterKey, Effect.orDie(Effect.flatMap(Merchants, (m) => m.revokeKey(keyId))))

/** Registers a webhook endpoint for the pair's tenant; returns its id and secret. */
export const addWebhook = (
  database: string,
  masterKey: string | undefined,
  pair: KeyPair,
  url: string,
  events: ReadonlyArray<WebhookEventName>
): Promise<{ readonly id: string; readonly secret: string }> =>
  onDatabase(
    database,
    masterKey,
    Effect.gen(function* () {
      const registry = yield* WebhookRegistry.make({ allowPrivateAddresses: false, retryWindowSeconds: 86_400 })
      const endpoint = yield* Effect.orDie(
        registry.add(Tenant.make(pair.merchantId, pair.mode), { url, events: [...events] })
      )
      return { id: endpoint.id, secret: endpoint.secret }
    })
  )
