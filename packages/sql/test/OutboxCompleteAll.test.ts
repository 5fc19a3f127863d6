/**
 * `Outbox.completeAll`: a relay's completions in one write, on every storage.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as IdGenerator from "@paylinks/core/IdGenerator"
import * as InMemory from "@paylinks/core/InMemory"
import { Merchants } from "@paylinks/core/Merchants"
import { Outbox } from "@paylinks/core/Outbox"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as PgStorage from "../src/PgStorage.js"
import * as SqliteStorage from "../src/SqliteStorage.js"
import { runOn, type StoragePorts } from "./contract.js"
import { pgUrl, TEST_MASTER_KEY, tempDatabase, withFreshSchema } from "./helpers.js"

const T0 = 1_700_000_000

/** A merchant's caller at T0, with the use-cases and the outbox. */
const seeded = Effect.gen(function* () {
  yield* TestClock.setTime(T0 * 1000)
  const merchants = yield* Merchants
  yield* merchants.seedKey("rzp_test_completeAll1", "secret-test", "Acme")
  return {
    caller: yield* merchants.authenticate("rzp_test_completeAll1", "secret-test"),
    links: yield* PaymentLinks.PaymentLinks,
    outbox: yield* Outbox
  }
})

const storages: ReadonlyArray<readonly [string, () => Layer.Layer<StoragePorts, unknown, IdGenerator.IdGenerator>]> = [
  ["in-memory", () => InMemory.layer],
  ["SQLite", () => SqliteStorage.layer({ filename: tempDatabase() })],
  ...(pgUrl
    ? [
        [
          "PostgreSQL",
          () => withFreshSchema((url) => PgStorage.layer({ url, masterKey: TEST_MASTER_KEY, maxConnections: 4 }))
        ] as const
      ]
    : [])
]

for (const [name, makeStorage] of storages) {
  describe(`Outbox.completeAll on ${name}`, () => {
    const run = runOn(makeStorage)

    it.effect("completes exactly the entries named, whoever holds them, and nothing else", () =>
      run(
        Effect.gen(function* () {
          const { caller, links, outbox } = yield* seeded
          for (let i = 0; i < 6; i++) yield* links.create(caller, { type: "link", amount: 1000 + i })
          const claimed = yield* outbox.claim("worker-1", T0 + 1, 10, 30)
          expect(claimed).toHaveLength(6)
          const sequences = claimed.map((entry) => entry.sequence)
          // Nothing to complete is no write and no error.
          yield* outbox.completeAll([], T0 + 2)
          yield* outbox.completeAll([sequences[0]!, sequences[2]!, sequences[5]!], T0 + 2)
          // Past the lease, only the entries not completed are claimable again, in order.
          const again = yield* outbox.claim("worker-2", T0 + 100, 10, 30)
          expect(again.map((entry) => entry.sequence)).toEqual([sequences[1]!, sequences[3]!, sequences[4]!])
          expect(again.map((entry) => entry.attempts)).toEqual([2, 2, 2])
          yield* outbox.completeAll(
            again.map((entry) => entry.sequence),
            T0 + 101
          )
          expect(yield* outbox.claim("worker-3", T0 + 10_000, 10, 30)).toEqual([])
        })
      )
    )

    it.effect("completes more entries than one statement takes", () =>
      run(
        Effect.gen(function* () {
          const { caller, links, outbox } = yield* seeded
          for (let i = 0; i < 1_100; i++) yield* links.create(caller, { type: "link", amount: 1000 + i })
          const claimed = yield* outbox.claim("worker-1", T0 + 1, 2_000, 30)
          expect(claimed).toHaveLength(1_100)
          yield* outbox.completeAll(
            claimed.map((entry) => entry.sequence),
            T0 + 2
          )
          expect(yield* outbox.claim("worker-2", T0 + 10_000, 10, 30)).toEqual([])
        })
      )
    )
  })
}
