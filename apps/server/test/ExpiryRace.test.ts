/**
 * Several server processes sweeping one database: every due link is stored as expired once, with one
 * `LinkExpired` event, whichever process got there first (the compare-and-set makes the other lose).
 * Two servers in one test process, each with its own connections, race on SQLite and PostgreSQL.
 */
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as ExpirySweep from "@paylinks/core/ExpirySweep"
import { PaymentLinkId } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import { TestClocks } from "@paylinks/core/TestClocks"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { freshPgSchemaUrl, pgUrl, requirePg, type Served, serve, tempDir } from "./helpers.js"

const LINKS = 240
const KEY = "rzp_test_ExpiryRace0001"
const SECRET = "secret-of-the-expiry-race"

const inContext =
  (served: Served) =>
  <A, E>(effect: Effect.Effect<A, E, any>): Effect.Effect<A> =>
    Effect.orDie(Effect.provide(effect, served.context) as Effect.Effect<A, E>)

const race = (database: Effect.Effect<string, never, Scope.Scope>) =>
  Effect.gen(function* () {
    const url = yield* database
    const first = yield* Effect.orDie(serve(url, ["--key-id", KEY, "--key-secret", SECRET]))
    const second = yield* Effect.orDie(serve(url, ["--key-id", KEY, "--key-secret", SECRET]))
    const one = inContext(first)
    const two = inContext(second)
    const merchants = yield* one(Merchants)
    const caller = yield* one(merchants.authenticate(KEY, SECRET))
    const links = yield* one(PaymentLinks.PaymentLinks)
    const now = yield* links.now(caller.tenant)
    const created = yield* Effect.forEach(
      Array.from({ length: LINKS }, (_, i) => i),
      (i) => one(links.create(caller, { type: "link", amount: 1000 + i, expire_by: now + 16 * 60 + (i % 7) })),
      { concurrency: 8 }
    )
    const stays = yield* one(links.create(caller, { type: "link", amount: 1000, expire_by: now + 5 * 3600 }))
    // Only the clock moves: the links come due, and both sweeps find them at once.
    yield* one(Effect.flatMap(TestClocks, (clocks) => clocks.advance(caller.tenant, 3600)))
    const options = { batchSize: 40, maxPerTick: 1000 }
    const [a, b] = yield* Effect.all([one(ExpirySweep.tick(options)), two(ExpirySweep.tick(options))], {
      concurrency: 2
    })
    expect(a + b).toBe(LINKS)
    // A later tick anywhere finds nothing left.
    expect(yield* two(ExpirySweep.tick(options))).toBe(0)
    const repository = yield* one(PaymentLinkRepository)
    for (const link of created) {
      const events = yield* repository.eventsOf(caller.tenant, PaymentLinkId.make(link.id))
      expect(events.filter((row) => row.event._tag === "LinkExpired").length, link.id).toBe(1)
      expect((yield* links.get(caller.tenant, link.id)).status).toBe("expired")
    }
    const kept = yield* repository.eventsOf(caller.tenant, PaymentLinkId.make(stays.id))
    expect(kept.map((row) => row.event._tag)).toEqual(["LinkIssued"])
    return [a, b] as const
  }).pipe(Effect.scoped)

describe("two servers sweeping one database", () => {
  it.live(
    "on SQLite: each due link expires once, with one event",
    () => race(Effect.sync(() => `sqlite:${Path.join(tempDir(), "paylinks.db")}`)),
    120_000
  )

  requirePg("apps/server/test/ExpiryRace.test.ts")

  it.live.skipIf(!pgUrl)(
    "on PostgreSQL: each due link expires once, with one event",
    () => race(freshPgSchemaUrl),
    120_000
  )
})
