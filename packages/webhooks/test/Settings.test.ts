import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as DispatcherSettings from "../src/DispatcherSettings.js"

const errorOf = <A>(result: Either.Either<A, { readonly message: string }>) =>
  Either.match(result, { onLeft: (error) => error.message, onRight: () => "accepted" })

describe("DispatcherSettings", () => {
  it("the documented defaults", () => {
    const settings = Either.getOrThrow(DispatcherSettings.fromEnv({}))
    expect(settings).toMatchObject({
      pollIntervalMs: 1000,
      timeoutMs: 5000,
      perEndpointConcurrency: 4,
      maxInFlight: 64,
      retryWindowSeconds: 86_400,
      leaseSeconds: 60,
      allowPrivateAddresses: false
    })
    expect(settings.workerId).toMatch(/^.+:\d+:[0-9a-f]{6}$/)
  })

  it("reads every variable", () => {
    const settings = Either.getOrThrow(
      DispatcherSettings.fromEnv({
        PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "250",
        PAYLINKS_WEBHOOK_TIMEOUT_MS: "3000",
        PAYLINKS_WEBHOOK_CONCURRENCY: "2",
        PAYLINKS_WEBHOOK_MAX_IN_FLIGHT: "16",
        PAYLINKS_WEBHOOK_RETRY_WINDOW_SECONDS: "3600",
        PAYLINKS_WEBHOOK_ALLOW_PRIVATE: "true",
        PAYLINKS_DISPATCHER_WORKER_ID: "worker-7"
      })
    )
    expect(settings).toMatchObject({
      pollIntervalMs: 250,
      timeoutMs: 3000,
      perEndpointConcurrency: 2,
      maxInFlight: 16,
      retryWindowSeconds: 3600,
      allowPrivateAddresses: true,
      workerId: "worker-7"
    })
  })

  it("names the variable at fault", () => {
    expect(errorOf(DispatcherSettings.fromEnv({ PAYLINKS_WEBHOOK_TIMEOUT_MS: "soon" }))).toBe(
      'PAYLINKS_WEBHOOK_TIMEOUT_MS must be a whole number of at least 100, not "soon"'
    )
    expect(errorOf(DispatcherSettings.fromEnv({ PAYLINKS_WEBHOOK_CONCURRENCY: "0" }))).toBe(
      'PAYLINKS_WEBHOOK_CONCURRENCY must be a whole number of at least 1, not "0"'
    )
    expect(errorOf(DispatcherSettings.fromEnv({ PAYLINKS_WEBHOOK_ALLOW_PRIVATE: "yes" }))).toBe(
      'PAYLINKS_WEBHOOK_ALLOW_PRIVATE must be true or false, not "yes"'
    )
    expect(errorOf(DispatcherSettings.fromEnv({ PAYLINKS_WEBHOOK_TIMEOUT_MS: "20000" }))).toBe(
      "PAYLINKS_WEBHOOK_TIMEOUT_MS must be at most 15000"
    )
  })
})
