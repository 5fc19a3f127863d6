/**
 * The TestClocks port: each merchant's test-mode clock is real time plus an offset the merchant can
 * advance (docs/http-api.md#sandbox-extensions). Live mode always runs on real time.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { Tenant } from "./Tenant.js"

/** A test-mode clock that runs ahead of real time. */
export interface AdvancedClock {
  readonly tenant: Tenant
  /** Seconds ahead of real time; always > 0. */
  readonly offset: number
}

export interface TestClocksShape {
  /** Seconds the tenant's clock runs ahead of real time (always 0 in live mode). */
  readonly offset: (tenant: Tenant) => Effect.Effect<number>
  /** Moves a test-mode clock forward by `seconds` and returns the new offset. */
  readonly advance: (tenant: Tenant, seconds: number) => Effect.Effect<number>
  /**
   * Every test-mode clock with a non-zero offset. Links of those tenants come due by their own clock
   * before real time reaches `expire_by`, so the expiry sweep visits each of them on its own time.
   */
  readonly listAdvanced: Effect.Effect<ReadonlyArray<AdvancedClock>>
}

export class TestClocks extends Context.Tag("@paylinks/core/TestClocks")<TestClocks, TestClocksShape>() {}
