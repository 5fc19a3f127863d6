/**
 * The SQLite write path: concurrent writes share one transaction (one fsync), each write decides its
 * own outcome inside it, and a write lock held by another connection is waited for without failing.
 */
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import Database from "better-sqlite3"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Merchants } from "@paylinks/core/Merchants"
import type { PaymentLink } from "@paylinks/core/PaymentLink"
import { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as Transitions from "@paylinks/core/Transitions"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Writer } from "../src/Writer.js"
import { sqliteWithInternals, tempDatabase } from "./helpers.js"

const stack = (filename: string, lockTimeoutMs?: number) =>
  PaymentLinks.layer.pipe(
    Layer.provideMerge(sqliteWithInternals({ filename, lockTimeoutMs })),
    Layer.provideMerge(PaymentLinks.linkSettings("http://localhost")),
    Layer.provideMerge(IdGenerator.layerCrypto)
  )

const setup = Effect.gen(function* () {
  const merchants = yield* Merchants
  yield* merchants.seedKey("rzp_test_group00001", "group-secret", "Group")
  return {
    principal: yield* merchants.authenticate("rzp_test_group00001", "group-secret"),
    links: yield* PaymentLinks.PaymentLinks,
    repository: yield* PaymentLinkRepository,
    writer: yield* Writer
  }
})

const realSleep = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

describe("group commit on SQLite", () => {
  it.live("concurrent creates are committed together, fewer transactions than writes, all of them stored", () =>
    Effect.gen(function* () {
      const { principal, links, writer } = yield* setup
      const before = yield* writer.stats
      const created = yield* Effect.all(
        Array.from({ length: 50 }, (_, i) => links.create(principal, { type: "link", amount: 100 + i })),
        { concurrency: "unbounded" }
      )
      const after = yield* writer.stats
      expect(after.writes - before.writes).toBe(50)
      expect(after.transactions - before.transactions).toBeLessThan(50)
      for (const link of created) expect((yield* links.get(principal.tenant, link.id)).amount).toBe(link.amount)
    }).pipe(Effect.provide(stack(tempDatabase())))
  )

  it.live("in one batch, a lost compare-and-set and a failing write roll back alone; the others commit", () =>
    Effect.gen(function* () {
      const { principal, links, repository, writer } = yield* setup
      const [first, second, third] = yield* Effect.all(
        [1, 2, 3].map((i) => links.create(principal, { type: "link", amount: 1000 * i })),
        { concurrency: 1 }
      )
      const now = yield* links.now(principal.tenant)
      const cancelFirst = Either.getOrThrow(Transitions.cancel(first!, now))
      yield* repository.save(cancelFirst)
      const stale = Either.getOrThrow(Transitions.cancel(first!, now))
      const cancelSecond = Either.getOrThrow(Transitions.cancel(second!, now))
      const cancelThird = Either.getOrThrow(Transitions.cancel(third!, now))
      // Re-inserting an existing link breaks its primary key: a storage fault (a defect) for that write only.
      const duplicate = { link: second!, events: [] }
      const before = yield* writer.stats
      const [a, b, c, d] = yield* Effect.all(
        [
          Effect.exit(repository.save(cancelSecond)),
          Effect.exit(repository.save(stale)),
          Effect.exit(repository.insert(duplicate)),
          Effect.exit(repository.save(cancelThird))
        ],
        { concurrency: "unbounded" }
      )
      const after = yield* writer.stats
      // They went through the writer together.
      expect(after.writes - before.writes).toBe(4)
      expect(after.transactions - before.transactions).toBe(1)
      expect(Exit.isSuccess(a!)).toBe(true)
      expect(a).toEqual(Exit.void)
      expect(Exit.isFailure(b!) && b.cause._tag === "Fail" && b.cause.error._tag).toBe("StaleLink")
      expect(Exit.isFailure(c!) && c.cause._tag === "Die").toBe(true)
      expect(d).toEqual(Exit.void)
      const stored = (link: PaymentLink) =>
        Effect.map(repository.findById(principal.tenant, link.id), Option.getOrThrow)
      expect(yield* stored(first!)).toEqual(cancelFirst.link)
      expect(yield* stored(second!)).toEqual(cancelSecond.link)
      expect(yield* stored(third!)).toEqual(cancelThird.link)
      const events = yield* repository.eventsOf(principal.tenant, first!.id)
      expect(events.map((stored) => stored.event._tag)).toEqual(["LinkIssued", "LinkCancelled"])
    }).pipe(Effect.provide(stack(tempDatabase())))
  )

  it.live("bookkeeping commits without waiting for the disk, unless a durable write shares its transaction", () =>
    Effect.gen(function* () {
      const { writer } = yield* setup
      const sql = yield* SqlClient.SqlClient
      // The safety level a transaction commits at (2 = FULL: fsync at every commit; 1 = NORMAL).
      const level = sql<{ readonly synchronous: number }>`PRAGMA synchronous`.pipe(
        Effect.map((rows) => rows[0]!.synchronous),
        Effect.orDie
      )
      expect(yield* writer.write(level)).toBe(2)
      expect(yield* writer.write(level, { durable: false })).toBe(1)
      // Back to FULL at once: nothing else may commit at NORMAL.
      expect(yield* level).toBe(2)
      const before = yield* writer.stats
      const together = yield* Effect.all([writer.write(level, { durable: false }), writer.write(level)], {
        concurrency: "unbounded"
      })
      const after = yield* writer.stats
      expect(after.transactions - before.transactions).toBe(1)
      expect(together).toEqual([2, 2])
      // Also after a failed batch.
      expect(Exit.isFailure(yield* Effect.exit(writer.write(Effect.fail("refused"), { durable: false })))).toBe(true)
      expect(yield* level).toBe(2)
    }).pipe(Effect.provide(stack(tempDatabase())))
  )

  it.live("a write waits while another connection holds the write lock, then commits", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      yield* Effect.gen(function* () {
        const { principal, links } = yield* setup
        const other = new Database(filename)
        other.exec("BEGIN IMMEDIATE")
        const pending = yield* Effect.fork(links.create(principal, { type: "link", amount: 4242 }))
        yield* realSleep(200)
        // It cannot have committed: the lock is still held.
        expect(yield* Fiber.poll(pending)).toEqual(Option.none())
        other.exec("COMMIT")
        other.close()
        const link = yield* Fiber.join(pending)
        expect((yield* links.get(principal.tenant, link.id)).amount).toBe(4242)
      }).pipe(Effect.provide(stack(filename)))
    })
  )

  it.live("a write lock held past the lock timeout fails the write as a defect and writes nothing", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      yield* Effect.gen(function* () {
        const { principal, links } = yield* setup
        const other = new Database(filename)
        other.exec("BEGIN IMMEDIATE")
        const exit = yield* Effect.exit(links.create(principal, { type: "link", amount: 4343, receipt: "blocked" }))
        other.exec("ROLLBACK")
        other.close()
        expect(Exit.isFailure(exit) && exit.cause._tag === "Die").toBe(true)
        const found = yield* links.list(principal.tenant, { receipt: "blocked" })
        expect(found).toEqual([])
      }).pipe(Effect.provide(stack(filename, 300)))
    })
  )
})
