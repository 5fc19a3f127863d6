/**
 * Two server processes on one PostgreSQL database, under mixed load from three merchants whose
 * payments and cancels aim mostly at the same shared links, through both servers at once: conflicts
 * on one link from two processes all the time. Every command gets exactly one correct answer — a
 * success, or the ordinary domain refusal naming a status the link really reached — and the stored
 * state agrees with the answers and keeps every invariant.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Admin from "../src/Admin.js"
import { answer, basic } from "../src/Http.js"
import * as Invariants from "../src/Invariants.js"
import * as Load from "../src/Load.js"
import * as Postgres from "../src/Postgres.js"
import * as Processes from "../src/Processes.js"
import * as Snapshot from "../src/Snapshot.js"
import { MASTER_KEY, pgUrl, randomSecret, requirePg, tempDir } from "./support.js"

const pg = requirePg("apps/reliability/test/PostgresTwoServers.test.ts")
const LOAD_MILLIS = 6_000
const SHARED_PER_MERCHANT = 12

describe.skipIf(!pg)("two servers on one PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof Postgres.freshDatabase>>
  beforeAll(async () => {
    database = await Postgres.freshDatabase(pgUrl!)
  })
  afterAll(async () => {
    await database?.drop()
  })

  it("answers every conflicting command exactly once and correctly, and keeps every invariant", async () => {
    const dir = tempDir("pg2")
    const seeded = { keyId: "rzp_test_PgTwoServers01", secret: randomSecret() }
    const env = {
      PAYLINKS_DATABASE: database.url,
      PAYLINKS_MASTER_KEY: MASTER_KEY,
      PAYLINKS_KEY_ID: seeded.keyId,
      PAYLINKS_KEY_SECRET: seeded.secret
    }
    // Both start at once: migrations and the seeded pair race, and must settle on one schema and one merchant.
    const [first, second] = await Promise.all([
      Processes.startServer({ env, cwd: dir }),
      Processes.startServer({ env, cwd: dir })
    ])
    try {
      const pairs = [
        await Admin.seedKey(database.url, MASTER_KEY, seeded.keyId, seeded.secret),
        ...(await Admin.createMerchant(database.url, MASTER_KEY, "second", ["test"])),
        ...(await Admin.createMerchant(database.url, MASTER_KEY, "third", ["test"]))
      ]
      const merchants = pairs.map(Load.merchant)
      const ledger = new Load.Ledger()
      const shared = new Map<string, ReadonlyArray<string>>()
      for (const who of merchants) {
        const ids: Array<string> = []
        for (let i = 0; i < SHARED_PER_MERCHANT; i++) {
          const partial = i % 2 === 0
          const created = await answer(first.url, "POST", "/v1/invoices", {
            auth: basic(who.pair.keyId, who.pair.secret),
            body: { type: "link", amount: 30_000, partial_payment: partial, receipt: `shared-${i}` }
          })
          expect(created.status).toBe(200)
          const id = (created.json as { id: string }).id
          ids.push(id)
          ledger.shapes.set(id, { amount: 30_000, partial })
        }
        shared.set(who.pair.keyId, ids)
      }
      const stopAt = Date.now() + LOAD_MILLIS
      await Load.run(
        ledger,
        {
          merchants,
          servers: () => [first.url, second.url],
          workers: 10,
          timeoutMs: 15_000,
          sharedLinks: shared,
          mix: { create: 10, pay: 40, cancel: 25, fetch: 15, list: 10 }
        },
        () => Date.now() > stopAt
      )
      expect(ledger.problems).toEqual([])
      const through = (url: string) => ledger.count((entry) => entry.server === url && entry.outcome._tag === "Answer")
      expect(through(first.url)).toBeGreaterThan(50)
      expect(through(second.url)).toBeGreaterThan(50)
      // Conflicts happened: commands were refused because another one won.
      const refused = ledger.count((entry) => entry.outcome._tag === "Answer" && entry.outcome.status === 400)
      expect(refused).toBeGreaterThan(10)

      const snapshot = await Snapshot.fromPg(database.url)
      expect(Invariants.violations(snapshot)).toEqual([])
      expect(Load.answerProblems(ledger, snapshot)).toEqual([])
      expect(Load.acknowledgedProblems(ledger, snapshot)).toEqual([])
      expect(Load.isolationProblems(ledger, merchants, snapshot)).toEqual([])
      // One merchant for the seeded pair, although both servers seeded it at the same time.
      expect(new Set(snapshot.links.map((row) => row.merchantId)).size).toBe(3)
      console.log(
        `two servers on PostgreSQL: ${ledger.entries.length} requests (${through(first.url)} + ${through(second.url)}), ` +
          `${refused} refused by the domain, ${snapshot.links.length} links`
      )
    } finally {
      expect(await first.kill("SIGTERM")).toEqual({ code: 0, signal: null })
      expect(await second.kill("SIGTERM")).toEqual({ code: 0, signal: null })
    }
  })
})
