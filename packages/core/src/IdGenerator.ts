/**
 * The IdGenerator port: fresh ids, short codes and secrets. Adapters and use-cases draw every random
 * value through it, so tests can make them deterministic.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { BASE62_ALPHABET, type IdPrefix, type ShortCode } from "./Ids.js"

export interface IdGeneratorShape {
  /** A new id: `<prefix>_` + 14 base62 characters. */
  readonly next: (prefix: IdPrefix) => Effect.Effect<string>
  /** A new short-link code: 8 base62 characters. */
  readonly shortCode: Effect.Effect<ShortCode>
  /** A new secret of `length` base62 characters. */
  readonly secret: (length: number) => Effect.Effect<string>
}

export class IdGenerator extends Context.Tag("@paylinks/core/IdGenerator")<IdGenerator, IdGeneratorShape>() {}

/** Web Crypto, as Node ≥ 19 and every browser expose it on `globalThis` (core compiles without DOM or Node types). */
const webCrypto = (globalThis as unknown as { crypto: { getRandomValues: (bytes: Uint8Array) => Uint8Array } }).crypto

/**
 * Random bytes drawn from the platform's cryptographic source a pool at a time: one call per id cost more than
 * the id (a create draws five). Each byte is used once.
 */
const pool = new Uint8Array(4096)
let poolAt = pool.length

/**
 * Random base62 text from the platform's cryptographic random source (Web Crypto, present in Node and browsers),
 * without modulo bias: bytes ≥ 248 are skipped.
 */
const randomBase62 = (length: number): string => {
  let out = ""
  while (out.length < length) {
    if (poolAt === pool.length) {
      webCrypto.getRandomValues(pool)
      poolAt = 0
    }
    const byte = pool[poolAt++]!
    if (byte < 248) out += BASE62_ALPHABET[byte % 62]
  }
  return out
}

/** Cryptographically random ids (docs/domain.md#the-payment-link). */
export const layerCrypto: Layer.Layer<IdGenerator> = Layer.succeed(IdGenerator, {
  next: (prefix) => Effect.sync(() => `${prefix}_${randomBase62(14)}`),
  shortCode: Effect.sync(() => randomBase62(8) as ShortCode),
  secret: (length) => Effect.sync(() => randomBase62(length))
})

const counterText = (n: number, length: number): string => {
  let out = ""
  let rest = n
  for (let i = 0; i < length; i++) {
    out = BASE62_ALPHABET[rest % 62] + out
    rest = Math.floor(rest / 62)
  }
  return out
}

/** Predictable ids counting up from 1, for tests that assert on ids. */
export const layerSequential: Layer.Layer<IdGenerator> = Layer.sync(IdGenerator, () => {
  let counter = 0
  return {
    next: (prefix) => Effect.sync(() => `${prefix}_${counterText(++counter, 14)}`),
    shortCode: Effect.sync(() => counterText(++counter, 8) as ShortCode),
    secret: (length) => Effect.sync(() => counterText(++counter, length))
  }
})
