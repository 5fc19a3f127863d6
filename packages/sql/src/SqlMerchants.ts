/**
 * The Merchants port on @effect/sql. Key secrets are stored only as AES-256-GCM ciphertexts bound to
 * their key id, and checked by comparing equal-length digests in constant time.
 */
import * as Crypto from "node:crypto"
import * as SqlClient from "@effect/sql/SqlClient"
import { IdGenerator } from "@paylinks/core/IdGenerator"
import { MerchantId } from "@paylinks/core/Ids"
import {
  type ApiKey,
  AuthenticationFailed,
  KeyNotFound,
  type Merchant,
  MerchantNotFound,
  Merchants,
  type MerchantsShape,
  SECRET_LENGTH
} from "@paylinks/core/Merchants"
import * as Tenant from "@paylinks/core/Tenant"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { toInt, toIntOrNull, unixSeconds } from "./internal/codec.js"
import { digest, matchesDigest, type SecretBox } from "./SecretBox.js"
import { StatementRunner } from "./StatementRunner.js"
import { Writer } from "./Writer.js"

interface MerchantRow {
  readonly id: string
  readonly name: string
  readonly created_at: unknown
}

interface KeyRow {
  readonly key_id: string
  readonly merchant_id: string
  readonly mode: string
  readonly created_at: unknown
  readonly revoked_at: unknown
}

const toMerchant = (row: MerchantRow): Merchant => ({
  id: MerchantId.make(row.id, { disableValidation: true }),
  name: row.name,
  createdAt: toInt(row.created_at)
})

const toKey = (row: KeyRow): ApiKey => ({
  keyId: row.key_id,
  merchantId: MerchantId.make(row.merchant_id, { disableValidation: true }),
  mode: row.mode === "live" ? "live" : "test",
  createdAt: toInt(row.created_at),
  revokedAt: toIntOrNull(row.revoked_at)
})

/** Another process seeded the same key id between our check and our insert: start over. */
class SeedRace extends Data.TaggedError("SeedRace") {}

const now = Effect.map(Clock.currentTimeMillis, unixSeconds)

const DECOY_CONTEXT = "paylinks authentication decoy"

/** Keys whose secret digests are kept in memory (see `authenticate`): a few hundred bytes each. */
const OPENED_LIMIT = 10_000

export const make = (
  box: SecretBox
): Effect.Effect<MerchantsShape, never, SqlClient.SqlClient | IdGenerator | Writer | StatementRunner> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ids = yield* IdGenerator
    const writer = yield* Writer
    const { rows, query } = yield* StatementRunner

    const insertMerchant = (name: string) =>
      Effect.gen(function* () {
        const merchant: Merchant = {
          id: MerchantId.make(yield* ids.next("acc"), { disableValidation: true }),
          name,
          createdAt: yield* now
        }
        yield* sql`INSERT INTO merchants ${sql.insert({ id: merchant.id, name, created_at: merchant.createdAt })}`
        return merchant
      })

    const findMerchant = (id: string) =>
      Effect.map(rows(sql<MerchantRow>`SELECT id, name, created_at FROM merchants WHERE id = ${id}`), (found) =>
        found.length === 0 ? Option.none() : Option.some(toMerchant(found[0]!))
      )

    const create: MerchantsShape["create"] = (name) => writer.write(Effect.orDie(insertMerchant(name)))

    const list: MerchantsShape["list"] = sql<MerchantRow>`SELECT id, name, created_at FROM merchants
      ORDER BY created_at, id`.pipe(
      Effect.map((rows) => rows.map(toMerchant)),
      Effect.orDie
    )

    const find: MerchantsShape["find"] = (id) => Effect.orDie(findMerchant(id))

    const issueKey: MerchantsShape["issueKey"] = (merchantId, mode) =>
      Effect.gen(function* () {
        const keyId = `rzp_${mode}_${(yield* ids.next("acc")).slice(4)}`
        const secret = yield* ids.secret(SECRET_LENGTH)
        const createdAt = yield* now
        // One statement: the key is written only if its merchant exists.
        const inserted = yield* writer.write(
          Effect.orDie(sql`INSERT INTO api_keys (key_id, merchant_id, mode, secret_ciphertext, created_at)
            SELECT ${keyId}, id, ${mode}, ${box.seal(secret, keyId)}, ${createdAt} FROM merchants WHERE id = ${merchantId}
            RETURNING key_id`)
        )
        if (inserted.length === 0) return yield* new MerchantNotFound({ id: merchantId })
        const key: ApiKey = { keyId, merchantId, mode, createdAt, revokedAt: null }
        return { key, secret }
      })

    const seedOnce = (keyId: string, secret: string, merchantName: string, joinMerchant: MerchantId | undefined) =>
      writer.write(
        Effect.gen(function* () {
          const sealed = box.seal(secret, keyId)
          // The configuration is the authority: a known key id takes the configured secret.
          const existing = yield* sql<KeyRow>`UPDATE api_keys SET secret_ciphertext = ${sealed} WHERE key_id = ${keyId}
            RETURNING key_id, merchant_id, mode, created_at, revoked_at`.pipe(Effect.orDie)
          if (existing.length > 0) {
            const key = toKey(existing[0]!)
            const merchant = yield* findMerchant(key.merchantId).pipe(Effect.orDie)
            if (Option.isNone(merchant)) return yield* Effect.dieMessage(`API key ${keyId} has no merchant`)
            return { merchant: merchant.value, key, created: false }
          }
          const mode = Tenant.modeOfKeyId(keyId) ?? "test"
          const joined =
            joinMerchant === undefined ? Option.none() : yield* findMerchant(joinMerchant).pipe(Effect.orDie)
          if (joinMerchant !== undefined && Option.isNone(joined))
            return yield* Effect.dieMessage(`No merchant ${joinMerchant} for API key ${keyId}`)
          const merchant = Option.isSome(joined) ? joined.value : yield* insertMerchant(merchantName).pipe(Effect.orDie)
          const createdAt = yield* now
          const inserted = yield* sql`INSERT INTO api_keys ${sql.insert({
            key_id: keyId,
            merchant_id: merchant.id,
            mode,
            secret_ciphertext: sealed,
            created_at: createdAt
          })} ON CONFLICT (key_id) DO NOTHING RETURNING key_id`.pipe(Effect.orDie)
          if (inserted.length === 0) return yield* new SeedRace()
          const key: ApiKey = { keyId, merchantId: merchant.id, mode, createdAt, revokedAt: null }
          return { merchant, key, created: true }
        })
      )

    const seedKey: MerchantsShape["seedKey"] = (keyId, secret, merchantName, joinMerchant) =>
      seedOnce(keyId, secret, merchantName, joinMerchant).pipe(
        Effect.retry({ while: (error) => error._tag === "SeedRace", times: 5 }),
        Effect.catchTag("SeedRace", () => Effect.dieMessage(`Could not seed API key ${keyId}`))
      )

    const listKeys: MerchantsShape["listKeys"] = (merchantId) =>
      sql<KeyRow>`SELECT key_id, merchant_id, mode, created_at, revoked_at FROM api_keys
        WHERE merchant_id = ${merchantId} ORDER BY created_at, key_id`.pipe(
        Effect.map((rows) => rows.map(toKey)),
        Effect.orDie
      )

    const revokeKey: MerchantsShape["revokeKey"] = (keyId) =>
      Effect.gen(function* () {
        const at = yield* now
        const revoked = yield* writer.write(
          Effect.orDie(sql`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ${at}) WHERE key_id = ${keyId}
            RETURNING key_id`)
        )
        if (revoked.length === 0) return yield* new KeyNotFound({ keyId })
      })

    // Read on every authenticated request: never cached, so that a revoked key stops working at once.
    const secretRow = (keyId: string) =>
      query(
        sql<KeyRow & { readonly secret_ciphertext: string }>`SELECT key_id, merchant_id, mode, created_at,
        revoked_at, secret_ciphertext FROM api_keys WHERE key_id = ${keyId}`,
        (found) => Option.fromNullable(found[0])
      )

    // A presented secret is compared with the digest of the stored one. Opening a sealed secret (AES-GCM) cost
    // more than the rest of the check, so each key's digest is kept by the ciphertext it was opened from: the
    // row is still read on every request, and a revoked key, or one whose secret changed, is seen at once. Only
    // digests are kept, never a plaintext; at most `OPENED_LIMIT` keys, the oldest forgotten first.
    const opened = new Map<string, { readonly sealed: string; readonly digest: Buffer }>()
    const storedDigest = (keyId: string, sealed: string): Buffer => {
      const known = opened.get(keyId)
      if (known !== undefined && known.sealed === sealed) return known.digest
      const fresh = { sealed, digest: digest(box.open(sealed, keyId)) }
      if (opened.size >= OPENED_LIMIT) opened.delete(opened.keys().next().value!)
      opened.set(keyId, fresh)
      return fresh.digest
    }

    // An unknown or revoked key is refused after the same comparison as a wrong secret — against the digest of a
    // random decoy, opened once like any key's — so that the time of a refusal does not tell whether a key id exists.
    const decoyDigest = digest(
      box.open(box.seal(Crypto.randomBytes(SECRET_LENGTH).toString("base64"), DECOY_CONTEXT), DECOY_CONTEXT)
    )

    const authenticate: MerchantsShape["authenticate"] = (keyId, secret) =>
      Effect.flatMap(secretRow(keyId), (row) => {
        const known = Option.isSome(row) && row.value.revoked_at === null
        const equal = matchesDigest(secret, known ? storedDigest(keyId, row.value.secret_ciphertext) : decoyDigest)
        if (!known) return Effect.fail(new AuthenticationFailed({ reason: "unknown_key" }))
        if (!equal) return Effect.fail(new AuthenticationFailed({ reason: "wrong_secret" }))
        const key = toKey(row.value)
        return Effect.succeed({ tenant: Tenant.make(key.merchantId, key.mode), keyId })
      })

    const secretOf: MerchantsShape["secretOf"] = (keyId) =>
      Effect.map(
        secretRow(keyId),
        Option.map((row) => box.open(row.secret_ciphertext, keyId))
      )

    return { create, list, find, issueKey, seedKey, listKeys, revokeKey, authenticate, secretOf }
  })

export const layer = (
  box: SecretBox
): Layer.Layer<Merchants, never, SqlClient.SqlClient | IdGenerator | Writer | StatementRunner> =>
  Layer.effect(Merchants, make(box))
