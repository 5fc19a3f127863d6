/**
 * Rate limiting of failed authentications: a token bucket per client address and one per key id,
 * spent only by requests whose credentials were refused (401), so clients with correct credentials
 * never spend anything and a benchmark or a busy integration is never slowed down.
 *
 * - A client address whose bucket is empty gets `429 Too many requests` on every authenticated
 *   endpoint — before its credentials are looked at, or a correct guess would still show as a 200.
 * - A key id whose bucket is empty (guesses at one key from many addresses) refuses the addresses that
 *   failed recently (their own bucket is not full), and only those: the key's owner, who does not
 *   fail, keeps working while someone else guesses at their key.
 *
 * Buckets refill continuously (`failures` per `perSeconds`). Both maps are bounded: past
 * `maxTracked` entries, full (idle) buckets are dropped first, then the oldest ones.
 */

export interface Settings {
  /** Failed authentications allowed in a burst, per client address and per key id. */
  readonly failures: number
  /** The time in which an empty bucket fills up again. */
  readonly perSeconds: number
  /** The most addresses (and key ids) tracked at once. Default 10,000. */
  readonly maxTracked?: number | undefined
}

/** 20 failed authentications, then one more every 3 seconds. */
export const defaults: Settings = { failures: 20, perSeconds: 60 }

export interface AuthRateLimit {
  /** Whole seconds until a request of this client may be authenticated again, or undefined when it may now. */
  readonly blockedFor: (address: string, keyId: string | undefined) => number | undefined
  /** Records a refused authentication. */
  readonly failed: (address: string, keyId: string | undefined) => void
}

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date (ms). */
  at: number
}

const DEFAULT_MAX_TRACKED = 10_000

/** A limiter; `now` (milliseconds, monotonic) is injectable for tests. */
export const make = (settings: Settings, now: () => number = () => performance.now()): AuthRateLimit => {
  const capacity = settings.failures
  const perMillis = settings.failures / (settings.perSeconds * 1000)
  const maxTracked = settings.maxTracked ?? DEFAULT_MAX_TRACKED
  const addresses = new Map<string, Bucket>()
  const keys = new Map<string, Bucket>()

  /** The bucket's tokens as of `at`; a bucket that is full again is forgotten (it says nothing any more). */
  const level = (map: Map<string, Bucket>, name: string, at: number): number => {
    const bucket = map.get(name)
    if (bucket === undefined) return capacity
    const tokens = Math.min(capacity, bucket.tokens + (at - bucket.at) * perMillis)
    if (tokens >= capacity) {
      map.delete(name)
      return capacity
    }
    bucket.tokens = tokens
    bucket.at = at
    return tokens
  }

  const makeRoom = (map: Map<string, Bucket>, at: number) => {
    if (map.size < maxTracked) return
    for (const name of [...map.keys()]) level(map, name, at)
    // Still full of active buckets: the oldest go (Map iterates in insertion order).
    for (const name of map.keys()) {
      if (map.size < maxTracked) break
      map.delete(name)
    }
  }

  const spend = (map: Map<string, Bucket>, name: string, at: number) => {
    const tokens = level(map, name, at)
    if (!map.has(name)) makeRoom(map, at)
    // Re-inserted, so that the map stays ordered by last failure.
    map.delete(name)
    map.set(name, { tokens: Math.max(0, tokens - 1), at })
  }

  const waitFor = (tokens: number): number => Math.max(1, Math.ceil((1 - tokens) / perMillis / 1000))

  return {
    blockedFor: (address, keyId) => {
      const at = now()
      const own = level(addresses, address, at)
      if (own < 1) return waitFor(own)
      if (keyId === undefined || own >= capacity) return undefined
      const key = level(keys, keyId, at)
      return key < 1 ? waitFor(key) : undefined
    },
    failed: (address, keyId) => {
      const at = now()
      spend(addresses, address, at)
      if (keyId !== undefined) spend(keys, keyId, at)
    }
  }
}

/**
 * Reads `<failures>/<seconds>` (`20/60`), or `off`; undefined when the text is neither. Both numbers
 * are whole and positive.
 */
export const parse = (text: string): Settings | "off" | undefined => {
  const value = text.trim().toLowerCase()
  if (value === "off") return "off"
  const match = /^([0-9]{1,9})\/([0-9]{1,9})$/.exec(value)
  if (match === null) return undefined
  const failures = Number(match[1])
  const perSeconds = Number(match[2])
  return failures > 0 && perSeconds > 0 ? { failures, perSeconds } : undefined
}
