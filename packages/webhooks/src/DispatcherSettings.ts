/**
 * The dispatcher's settings, with their defaults and `PAYLINKS_*` variables:
 *
 *   PAYLINKS_WEBHOOK_POLL_INTERVAL_MS        how often an idle dispatcher polls the outbox and due deliveries
 *                                            for work made by other processes (1000); work of its own process
 *                                            wakes it at once
 *   PAYLINKS_WEBHOOK_TIMEOUT_MS              per attempt; no 2xx within it is a failure (5000)
 *   PAYLINKS_WEBHOOK_CONCURRENCY             attempts in flight per endpoint and process (4); the next one
 *                                            starts as soon as one ends
 *   PAYLINKS_WEBHOOK_MAX_IN_FLIGHT           attempts in flight per process, all endpoints (64)
 *   PAYLINKS_WEBHOOK_RETRY_WINDOW_SECONDS    how long after the event failures are retried before the
 *                                            endpoint is disabled (86400 = 24 h)
 *   PAYLINKS_WEBHOOK_ALLOW_PRIVATE           true lets webhooks reach loopback/private/link-local/metadata
 *                                            addresses in live mode too (false)
 *   PAYLINKS_DISPATCHER_WORKER_ID            this dispatcher's name in leases (host:pid:random)
 */
import * as Os from "node:os"
import * as Crypto from "node:crypto"
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Backoff from "./Backoff.js"

export interface Settings {
  /** Names this dispatcher in the leases it takes; unique per process. */
  readonly workerId: string
  readonly pollIntervalMs: number
  /** Outbox entries claimed per pass. */
  readonly batchSize: number
  /** How long a claim holds an outbox entry or a delivery; an attempt must finish well within it. */
  readonly leaseSeconds: number
  readonly timeoutMs: number
  readonly perEndpointConcurrency: number
  readonly maxInFlight: number
  readonly retryWindowSeconds: number
  readonly backoff: Backoff.BackoffPolicy
  readonly allowPrivateAddresses: boolean
  /** Customer notifications being sent at once per process. */
  readonly notificationConcurrency: number
  /** The longest a notifier may take to confirm a message. */
  readonly notificationTimeoutMs: number
}

export const defaultWorkerId = (): string => `${Os.hostname()}:${process.pid}:${Crypto.randomBytes(3).toString("hex")}`

/** Every setting, defaults filled in for what `overrides` leaves out. */
export const make = (overrides: Partial<Settings> = {}): Settings => ({
  workerId: overrides.workerId ?? defaultWorkerId(),
  pollIntervalMs: overrides.pollIntervalMs ?? 1_000,
  batchSize: overrides.batchSize ?? 100,
  leaseSeconds: overrides.leaseSeconds ?? 60,
  timeoutMs: overrides.timeoutMs ?? 5_000,
  perEndpointConcurrency: overrides.perEndpointConcurrency ?? 4,
  maxInFlight: overrides.maxInFlight ?? 64,
  retryWindowSeconds: overrides.retryWindowSeconds ?? 24 * 60 * 60,
  backoff: overrides.backoff ?? Backoff.defaultPolicy,
  allowPrivateAddresses: overrides.allowPrivateAddresses ?? false,
  notificationConcurrency: overrides.notificationConcurrency ?? 4,
  notificationTimeoutMs: overrides.notificationTimeoutMs ?? 30_000
})

export class DispatcherConfigError extends Data.TaggedError("DispatcherConfigError")<{ readonly message: string }> {}

/** The settings' environment variables, for help texts. */
export const variables = [
  "PAYLINKS_WEBHOOK_POLL_INTERVAL_MS",
  "PAYLINKS_WEBHOOK_TIMEOUT_MS",
  "PAYLINKS_WEBHOOK_CONCURRENCY",
  "PAYLINKS_WEBHOOK_MAX_IN_FLIGHT",
  "PAYLINKS_WEBHOOK_RETRY_WINDOW_SECONDS",
  "PAYLINKS_WEBHOOK_ALLOW_PRIVATE",
  "PAYLINKS_DISPATCHER_WORKER_ID"
] as const

type Env = Readonly<Record<string, string | undefined>>

/** The settings the environment describes; an error names the variable at fault. */
export const fromEnv = (env: Env): Either.Either<Settings, DispatcherConfigError> =>
  Either.gen(function* () {
    const read = (name: (typeof variables)[number]) => {
      const value = env[name]?.trim()
      return value === undefined || value === "" ? undefined : value
    }
    const positive = (name: (typeof variables)[number], min = 1) => {
      const raw = read(name)
      if (raw === undefined) return Either.right(undefined)
      const value = Number(raw)
      return /^[0-9]+$/.test(raw) && Number.isSafeInteger(value) && value >= min
        ? Either.right(value)
        : Either.left(
            new DispatcherConfigError({ message: `${name} must be a whole number of at least ${min}, not "${raw}"` })
          )
    }
    const allowRaw = read("PAYLINKS_WEBHOOK_ALLOW_PRIVATE")?.toLowerCase()
    if (allowRaw !== undefined && !["true", "false", "1", "0"].includes(allowRaw))
      return yield* Either.left(
        new DispatcherConfigError({
          message: `PAYLINKS_WEBHOOK_ALLOW_PRIVATE must be true or false, not "${allowRaw}"`
        })
      )
    const overrides: { -readonly [K in keyof Settings]?: Settings[K] } = {}
    const pollIntervalMs = yield* positive("PAYLINKS_WEBHOOK_POLL_INTERVAL_MS", 10)
    const timeoutMs = yield* positive("PAYLINKS_WEBHOOK_TIMEOUT_MS", 100)
    const perEndpointConcurrency = yield* positive("PAYLINKS_WEBHOOK_CONCURRENCY")
    const maxInFlight = yield* positive("PAYLINKS_WEBHOOK_MAX_IN_FLIGHT")
    const retryWindowSeconds = yield* positive("PAYLINKS_WEBHOOK_RETRY_WINDOW_SECONDS", 60)
    const workerId = read("PAYLINKS_DISPATCHER_WORKER_ID")
    if (pollIntervalMs !== undefined) overrides.pollIntervalMs = pollIntervalMs
    if (timeoutMs !== undefined) overrides.timeoutMs = timeoutMs
    if (perEndpointConcurrency !== undefined) overrides.perEndpointConcurrency = perEndpointConcurrency
    if (maxInFlight !== undefined) overrides.maxInFlight = maxInFlight
    if (retryWindowSeconds !== undefined) overrides.retryWindowSeconds = retryWindowSeconds
    if (workerId !== undefined) overrides.workerId = workerId
    if (allowRaw !== undefined) overrides.allowPrivateAddresses = allowRaw === "true" || allowRaw === "1"
    const settings = make(overrides)
    // An attempt must end well inside its lease, or a second dispatcher could take the delivery meanwhile.
    if (settings.timeoutMs * 4 > settings.leaseSeconds * 1000)
      return yield* Either.left(
        new DispatcherConfigError({
          message: `PAYLINKS_WEBHOOK_TIMEOUT_MS must be at most ${settings.leaseSeconds * 250}`
        })
      )
    return settings
  })
