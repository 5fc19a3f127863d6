/**
 * The server's background expiry sweep stores the expiry of links nobody reads (with its event), on
 * real time and on test clocks that run ahead of it.
 */
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { PaymentLinkId } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import { TestClocks } from "@paylinks/core/TestClocks"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { serve, tempDir } from "./helpers.js"

describe("the expiry sweep", () => {
  it.live("stores a link as expired once its test clock has passed expire_by, without anybody reading it", () =>
    Effect.gen(function* () {
      const served = yield* serve(`sqlite:${Path.join(tempDir(), "paylinks.db")}`, [], { sweepIntervalMillis: 50 })
      const run = <A, E>(effect: Effect.Effect<A, E, any>): Effect.Effect<A> =>
        Effect.orDie(Effect.provide(effect, served.context) as Effect.Effect<A, E>)
      const merchants = yield* run(Merchants)
      const merchant = yield* merchants.create("Sweep")
      const key = yield* run(merchants.issueKey(merchant.id, "test"))
      const caller = yield* run(merchants.authenticate(key.key.keyId, key.secret))
      const links = yield* run(PaymentLinks.PaymentLinks)
      const now = yield* links.now(caller.tenant)
      const link = yield* run(links.create(caller, { type: "link", amount: 1000, expire_by: now + 16 * 60 }))
      // Only the clock moves (not `advanceTestClock`, which would expire the link itself).
      const clocks = yield* run(TestClocks)
      yield* clocks.advance(caller.tenant, 3600)
      const repository = yield* run(PaymentLinkRepository)
      const stored = () =>
        Effect.map(repository.findById(caller.tenant, PaymentLinkId.make(link.id)), (found) => Option.getOrThrow(found))
      // The sweep runs every 50 ms; allow it up to 20 s on a busy machine.
      const deadline = Date.now() + 20_000
      let current = yield* stored()
      while (current.status !== "expired" && Date.now() < deadline) {
        yield* Effect.sleep("50 millis")
        current = yield* stored()
      }
      expect(current.status).toBe("expired")
      expect(current.expiredAt).toBe(now + 16 * 60)
      const events = yield* repository.eventsOf(caller.tenant, PaymentLinkId.make(link.id))
      expect(events.map((row) => row.event._tag)).toEqual(["LinkIssued", "LinkExpired"])
    }).pipe(Effect.scoped)
  )
})
