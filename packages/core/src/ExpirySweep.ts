/**
 * The expiry sweep (docs/domain.md#lifecycle). Reads and commands already see a link past `expire_by` as
 * expired; the sweep stores that fact and emits its `LinkExpired`, so the event leaves even when
 * nobody looks at the link. Each save is a compare-and-set, so when several processes sweep one
 * database the second writer of a link loses and emits nothing: one event per link.
 */
import * as Effect from "effect/Effect"
import { PaymentLinks } from "./PaymentLinks.js"
import type { Tenant } from "./Tenant.js"
import { TestClocks } from "./TestClocks.js"
import { traced } from "./Traced.js"

export interface Options {
  /** Links read (through the due-links index) and expired per query. */
  readonly batchSize: number
  /** The most links one tick expires, so a tick's work stays bounded whatever the backlog. */
  readonly maxPerTick: number
}

export const defaults: Options = { batchSize: 500, maxPerTick: 2000 }

/**
 * One tick of the sweep: first each test-mode tenant whose clock runs ahead of real time, on its own
 * clock (its links come due before real time reaches `expire_by`), then every tenant at real time.
 * Returns how many links it expired; what is left over waits for the next tick.
 */
export const tick = (options: Options = defaults): Effect.Effect<number, never, PaymentLinks | TestClocks> =>
  Effect.gen(function* () {
    const links = yield* PaymentLinks
    const clocks = yield* TestClocks
    let budget = Math.max(0, Math.floor(options.maxPerTick))
    const batch = Math.max(1, Math.floor(options.batchSize))
    const drain = (tenant: Tenant | undefined) =>
      Effect.gen(function* () {
        while (budget > 0) {
          const limit = Math.min(batch, budget)
          const expired = yield* links.expireDue(limit, tenant)
          budget -= expired
          // Not `expired < limit`: a process sweeping beside this one wins part of each batch, and that
          // is no sign that nothing is left. A batch that expires nothing is: what this process found
          // was taken by another, which goes on, or nothing is due.
          if (expired === 0) return
        }
      })
    for (const clock of yield* clocks.listAdvanced) {
      if (budget === 0) break
      yield* drain(clock.tenant)
    }
    yield* drain(undefined)
    return Math.max(0, Math.floor(options.maxPerTick)) - budget
  }).pipe(traced("ExpirySweep.tick"))
