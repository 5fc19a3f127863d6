/**
 * PostgreSQL stopped under load (`pg_ctl stop -m fast`) and started again, on a cluster of the
 * test's own: while it is down, every request is answered — with the 500 envelope, within a bounded
 * time, never a hang — and `/readyz` says 503; once it is back, the server recovers by itself (no
 * restart), and what it acknowledged is stored. The database URL carries a password, which must not
 * appear in anything the server wrote, faults included.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Admin from "../src/Admin.js"
import { answer, basic, send } from "../src/Http.js"
import * as Invariants from "../src/Invariants.js"
import * as Load from "../src/Load.js"
import * as Postgres from "../src/Postgres.js"
import * as Processes from "../src/Processes.js"
import * as Shapes from "../src/Shapes.js"
import * as Snapshot from "../src/Snapshot.js"
import { leakedSecrets, MASTER_KEY, randomSecret, tempDir } from "./support.js"

const bin = Postgres.binDir()
if (bin === undefined) {
  if (process.env.PAYLINKS_REQUIRE_PG === "1") throw new Error("PAYLINKS_REQUIRE_PG=1 but PostgreSQL is not installed")
  console.warn("!!! PostgreSQL binaries not found: PostgreSQL restart suite SKIPPED (apps/reliability)")
}

const SERVER_ERROR = "The server encountered an error. The incident has been reported to admins."
/** How long any one request may take before it counts as a hang. */
const TIMEOUT_MS = 10_000

describe.skipIf(bin === undefined)("PostgreSQL restarted under load", () => {
  let cluster: Postgres.Cluster
  beforeAll(async () => {
    cluster = await Postgres.ownCluster(bin!)
    await Postgres.adminQuery(cluster.adminUrl, "CREATE DATABASE paylinks")
  })
  afterAll(() => cluster?.destroy())

  it("answers 500 (never hangs) while it is down, reports 503 on /readyz, and recovers by itself", async () => {
    const dir = tempDir("pgrestart-srv")
    const password = `pw${randomSecret()}`
    const url = `postgres://postgres:${password}@127.0.0.1:${cluster.port}/paylinks`
    const seeded = { keyId: "rzp_test_PgRestart00001", secret: randomSecret() }
    const server = await Processes.startServer({
      env: {
        PAYLINKS_DATABASE: url,
        PAYLINKS_MASTER_KEY: MASTER_KEY,
        PAYLINKS_KEY_ID: seeded.keyId,
        PAYLINKS_KEY_SECRET: seeded.secret
      },
      cwd: dir
    })
    const pairs = [
      await Admin.seedKey(url, MASTER_KEY, seeded.keyId, seeded.secret),
      ...(await Admin.createMerchant(url, MASTER_KEY, "second", ["test"]))
    ]
    const merchants = pairs.map(Load.merchant)
    const auth = basic(seeded.keyId, seeded.secret)
    const ledger = new Load.Ledger()
    let stopping = false
    const load = Load.run(
      ledger,
      { merchants, servers: () => [server.url], workers: 4, timeoutMs: TIMEOUT_MS, allowServerErrors: true },
      () => stopping
    )
    let downAt = 0
    let upAt = 0
    let recoveredAt = 0
    try {
      await Processes.sleep(1500)
      downAt = Date.now()
      cluster.stop()
      await Processes.sleep(500)

      const ready = await answer(server.url, "GET", "/readyz", { timeoutMs: TIMEOUT_MS })
      expect(ready.status).toBe(503)
      expect(Shapes.envelopeProblem(ready.json)).toBeUndefined()
      expect(Shapes.descriptionOf(ready)).toBe("The storage is not reachable.")
      for (const path of ["/v1/invoices", "/v1/invoices?count=5"]) {
        const method = path === "/v1/invoices" ? "POST" : "GET"
        const refused = await answer(server.url, method, path, {
          auth,
          body: method === "POST" ? { type: "link", amount: 1000 } : undefined,
          timeoutMs: TIMEOUT_MS
        })
        expect(refused.status).toBe(500)
        expect(refused.json).toEqual({
          error: {
            code: "SERVER_ERROR",
            description: SERVER_ERROR,
            source: "NA",
            step: "NA",
            reason: "NA",
            metadata: {}
          }
        })
      }
      await Processes.sleep(1500)

      upAt = Date.now()
      cluster.start()
      const deadline = Date.now() + 60_000
      for (;;) {
        const probe = await send(server.url, "GET", "/readyz", { timeoutMs: TIMEOUT_MS })
        if (probe._tag === "Answer" && probe.status === 200) break
        if (Date.now() > deadline) throw new Error("the server did not become ready again")
        await Processes.sleep(100)
      }
      recoveredAt = Date.now()
      const created = await answer(server.url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 1000 } })
      expect(created.status).toBe(200)
      await Processes.sleep(1500)
    } finally {
      stopping = true
      await load
      expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
    }

    expect(ledger.problems).toEqual([])
    expect(ledger.count((entry) => entry.outcome._tag === "NoAnswer")).toBe(0)
    const failedWhileDown = ledger.count(
      (entry) => entry.outcome._tag === "Answer" && entry.outcome.status === 500 && entry.startedAt >= downAt
    )
    expect(failedWhileDown).toBeGreaterThan(0)
    const servedAfter = ledger.count(
      (entry) => entry.outcome._tag === "Answer" && entry.outcome.status === 200 && entry.startedAt >= recoveredAt
    )
    expect(servedAfter).toBeGreaterThan(10)
    // Nothing that was answered 200 went missing over the restart.
    const snapshot = await Snapshot.fromPg(url)
    expect(Invariants.violations(snapshot)).toEqual([])
    expect(Load.acknowledgedProblems(ledger, snapshot)).toEqual([])

    const output = `${server.stdout()}\n${server.stderr()}`
    // Operators see what went wrong (one fault line per 500, with its request id)...
    expect(server.stderr()).toContain('"msg":"fault"')
    // ...and no secret, although the faults were about the connection the URL describes.
    expect(
      leakedSecrets(output, {
        "database password": password,
        "key secret": seeded.secret,
        "second merchant's secret": pairs[1]!.secret,
        "master key": MASTER_KEY
      })
    ).toEqual([])
    const slowest = Math.max(...ledger.entries.map((entry) => entry.outcome.ms))
    console.log(
      `PostgreSQL restart: down ${((upAt - downAt) / 1000).toFixed(1)} s, ready again ${((recoveredAt - upAt) / 1000).toFixed(1)} s ` +
        `after the start; ${failedWhileDown} requests answered 500 meanwhile, ${servedAfter} served after; ` +
        `slowest answer ${slowest.toFixed(0)} ms`
    )
  })
})
