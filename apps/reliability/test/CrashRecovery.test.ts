/**
 * The built server on one SQLite file, under mixed load from four merchants (three in test mode,
 * one also in live mode), killed with SIGKILL and started again five times, while the standalone
 * webhook dispatcher (`paylinks-dispatcher`) delivers from the same file to a receiver on loopback.
 * Afterwards, read straight from the file: every acknowledged write is there, every link keeps its
 * invariants with exactly one outbox event per transition, no answer ever showed another tenant's
 * link, the file passes `PRAGMA integrity_check`, every webhook-worthy event reached its endpoint at
 * least once (correctly signed), and no secret appeared in any process's output.
 *
 * The dispatcher runs as its own process here (`PAYLINKS_DISPATCHER=off` in the server, a
 * deployment `packages/webhooks` documents): a dispatcher inside a SIGKILLed server would hold the
 * entries it had claimed for its lease (60 s) before another one takes them over — correct, but
 * longer than this suite may take.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Admin from "../src/Admin.js"
import * as Invariants from "../src/Invariants.js"
import * as Load from "../src/Load.js"
import * as Processes from "../src/Processes.js"
import * as Snapshot from "../src/Snapshot.js"
import { leakedSecrets, randomSecret, tempDir, webhookReceiver, QUIET } from "./support.js"

const CYCLES = 5
const WEBHOOK_EVENTS = ["invoice.partially_paid", "invoice.paid", "invoice.expired", "invoice.cancelled"] as const
const WEBHOOK_TYPES = new Set(["LinkPartiallyPaid", "LinkPaid", "LinkExpired", "LinkCancelled"])

describe("SIGKILL under mixed load (SQLite)", () => {
  it("loses no acknowledged write, keeps every invariant, and delivers every webhook", async () => {
    const dir = tempDir("crash")
    const file = Path.join(dir, "paylinks.db")
    const database = `sqlite:${file}`
    const seeded = { keyId: "rzp_test_CrashSeeded0001", secret: randomSecret() }
    const pairs = [
      await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret),
      ...(await Admin.createMerchant(database, undefined, "second", ["test"])),
      ...(await Admin.createMerchant(database, undefined, "third", ["test", "live"]))
    ]
    const receiver = await webhookReceiver()
    const webhookSecrets: Record<string, string> = {}
    for (const pair of pairs.filter((p) => p.mode === "test")) {
      const path = `/hooks/${pair.keyId}`
      const endpoint = await Admin.addWebhook(database, undefined, pair, `${receiver.url}${path}`, WEBHOOK_EVENTS)
      receiver.secrets.set(path, endpoint.secret)
      webhookSecrets[`webhook secret of ${pair.keyId}`] = endpoint.secret
    }
    const env = {
      PAYLINKS_DATABASE: database,
      PAYLINKS_KEY_ID: seeded.keyId,
      PAYLINKS_KEY_SECRET: seeded.secret,
      ...QUIET
    }
    const dispatcher = Processes.spawnNode(
      Processes.DISPATCHER_MAIN,
      [],
      { PAYLINKS_DATABASE: database, PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "100" },
      dir
    )

    const merchants = pairs.map(Load.merchant)
    const ledger = new Load.Ledger()
    const up: { url: string | undefined } = { url: undefined }
    let stopping = false
    const load = Load.run(
      ledger,
      { merchants, servers: () => (up.url === undefined ? [] : [up.url]), workers: 8, timeoutMs: 15_000 },
      () => stopping
    )
    const outputs: Array<string> = []
    const kills: Array<{ readonly answeredBefore: number }> = []
    let server: Processes.Server | undefined
    try {
      for (let cycle = 0; cycle <= CYCLES; cycle++) {
        server = await Processes.startServer({ env, cwd: dir })
        up.url = server.url
        await Processes.sleep(1200 + Math.floor(Math.random() * 1300))
        if (cycle === CYCLES) break
        up.url = undefined
        const exit = await server.kill("SIGKILL")
        expect(exit.signal).toBe("SIGKILL")
        outputs.push(server.stdout(), server.stderr())
        kills.push({ answeredBefore: ledger.answered().length })
      }
    } finally {
      stopping = true
      await load
    }
    const last = server!
    // The load kept going across the kills: requests were answered after every restart.
    expect(kills).toHaveLength(CYCLES)
    const answered = ledger.answered().length
    for (const kill of kills) expect(answered).toBeGreaterThan(kill.answeredBefore)
    expect(ledger.problems).toEqual([])
    expect(ledger.count((entry) => entry.outcome._tag === "NoAnswer" && entry.outcome.timedOut)).toBe(0)
    const acknowledged = ledger.count((entry) => entry.outcome._tag === "Answer" && entry.outcome.status === 200)
    const writes = ledger.count(
      (entry) => entry.op !== "fetch" && entry.op !== "list" && entry.outcome._tag === "Answer"
    )
    expect(writes).toBeGreaterThan(100)
    // Kills landed mid-request: those requests got no answer, and their writes may or may not be stored.
    const unanswered = ledger.count((entry) => entry.outcome._tag === "NoAnswer")
    expect(unanswered).toBeGreaterThan(0)

    // Every webhook-worthy event of a tenant with an endpoint reaches it, signed with its secret.
    const deadline = Date.now() + 60_000
    let missing: ReadonlyArray<string> = []
    for (;;) {
      const snapshot = Snapshot.fromSqlite(file)
      const delivered = new Set(receiver.received.map((hit) => hit.eventId))
      const testLinks = new Set(snapshot.links.filter((row) => row.mode === "test").map((row) => row.id))
      missing = snapshot.events
        .filter((event) => WEBHOOK_TYPES.has(event.type) && testLinks.has(event.linkId))
        .map((event) => event.eventId)
        .filter((eventId) => !delivered.has(eventId))
      if (missing.length === 0 || Date.now() > deadline) break
      await Processes.sleep(250)
    }
    expect(missing).toEqual([])
    expect(receiver.received.filter((hit) => !hit.signatureValid)).toEqual([])

    expect(await last.kill("SIGTERM")).toEqual({ code: 0, signal: null })
    expect(await dispatcher.kill("SIGTERM")).toEqual({ code: 0, signal: null })
    await receiver.close()
    outputs.push(last.stdout(), last.stderr(), dispatcher.stdout(), dispatcher.stderr())

    expect(Snapshot.integrityCheck(file)).toBe("ok")
    const snapshot = Snapshot.fromSqlite(file)
    expect(Invariants.violations(snapshot)).toEqual([])
    expect(Load.acknowledgedProblems(ledger, snapshot)).toEqual([])
    expect(Load.isolationProblems(ledger, merchants, snapshot)).toEqual([])
    expect(snapshot.links.filter((row) => row.status === "partially_paid").length).toBeGreaterThan(0)
    expect(snapshot.links.filter((row) => row.status === "paid").length).toBeGreaterThan(0)
    expect(snapshot.links.filter((row) => row.status === "cancelled").length).toBeGreaterThan(0)

    const secrets: Record<string, string> = { ...webhookSecrets }
    for (const pair of pairs) secrets[`secret of ${pair.keyId}`] = pair.secret
    secrets["master key"] = Fs.readFileSync(`${file}.key`, "utf8").trim()
    expect(leakedSecrets(outputs.join("\n"), secrets)).toEqual([])
    console.log(
      `crash recovery: ${ledger.entries.length} requests, ${acknowledged} acknowledged, ${unanswered} cut off by ` +
        `${CYCLES} SIGKILLs, ` +
        `${snapshot.links.length} links, ${snapshot.events.length} outbox events, ` +
        `${receiver.received.length} webhook deliveries`
    )
  })
})
