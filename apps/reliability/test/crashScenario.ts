/**
 * The crash-recovery scenario, shared by the suite (a few kills) and the soak (kills for as long as
 * it is asked to run): mixed load from four merchants against the built server on one SQLite file,
 * SIGKILLed and restarted again and again, webhooks delivered from the outbox to a receiver on
 * loopback; then everything the ledger, the file and the receiver must agree on.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect } from "@effect/vitest"
import * as Admin from "../src/Admin.js"
import * as Invariants from "../src/Invariants.js"
import * as Load from "../src/Load.js"
import * as Processes from "../src/Processes.js"
import * as Snapshot from "../src/Snapshot.js"
import { leakedSecrets, randomSecret, tempDir, webhookReceiver, QUIET } from "./support.js"

const WEBHOOK_EVENTS = ["invoice.partially_paid", "invoice.paid", "invoice.expired", "invoice.cancelled"] as const
const WEBHOOK_TYPES = new Set(["LinkPartiallyPaid", "LinkPaid", "LinkExpired", "LinkCancelled"])

export interface Options {
  /** Kills to make; the load runs on after the last restart for as long as a cycle. */
  readonly cycles: number
  /** How long the server runs between two kills (a random time within). */
  readonly upMillis: readonly [min: number, max: number]
  /**
   * `standalone`: the server runs without its dispatcher, `paylinks-dispatcher` delivers (never
   * killed). `in-server`: the dispatcher of the server process delivers, and dies with it.
   */
  readonly dispatcher: "standalone" | "in-server"
  /** How long the webhooks may take to arrive after the load stopped. */
  readonly deliveryWaitMillis: number
}

export const run = async (options: Options): Promise<void> => {
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
  const polling = { PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "100" }
  const env = {
    PAYLINKS_DATABASE: database,
    PAYLINKS_KEY_ID: seeded.keyId,
    PAYLINKS_KEY_SECRET: seeded.secret,
    ...(options.dispatcher === "standalone" ? QUIET : polling)
  }
  const dispatcher =
    options.dispatcher === "standalone"
      ? Processes.spawnNode(Processes.DISPATCHER_MAIN, [], { PAYLINKS_DATABASE: database, ...polling }, dir)
      : undefined

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
    for (let cycle = 0; cycle <= options.cycles; cycle++) {
      server = await Processes.startServer({ env, cwd: dir })
      up.url = server.url
      const [min, max] = options.upMillis
      await Processes.sleep(min + Math.floor(Math.random() * (max - min)))
      if (cycle === options.cycles) break
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
  expect(kills).toHaveLength(options.cycles)
  const answered = ledger.answered().length
  for (const kill of kills) expect(answered).toBeGreaterThan(kill.answeredBefore)
  expect(ledger.problems).toEqual([])
  expect(ledger.count((entry) => entry.outcome._tag === "NoAnswer" && entry.outcome.timedOut)).toBe(0)
  const acknowledged = ledger.count((entry) => entry.outcome._tag === "Answer" && entry.outcome.status === 200)
  const writes = ledger.count((entry) => entry.op !== "fetch" && entry.op !== "list" && entry.outcome._tag === "Answer")
  expect(writes).toBeGreaterThan(100)
  // Kills landed mid-request: those requests got no answer, and their writes may or may not be stored.
  const unanswered = ledger.count((entry) => entry.outcome._tag === "NoAnswer")
  expect(unanswered).toBeGreaterThan(0)

  // Every webhook-worthy event of a tenant with an endpoint reaches it, signed with its secret.
  const deadline = Date.now() + options.deliveryWaitMillis
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
  if (dispatcher !== undefined) {
    expect(await dispatcher.kill("SIGTERM")).toEqual({ code: 0, signal: null })
    outputs.push(dispatcher.stdout(), dispatcher.stderr())
  }
  await receiver.close()
  outputs.push(last.stdout(), last.stderr())

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
    `crash recovery (${options.dispatcher} dispatcher): ${ledger.entries.length} requests, ${acknowledged} acknowledged, ${unanswered} cut off by ` +
      `${options.cycles} SIGKILLs, ` +
      `${snapshot.links.length} links, ${snapshot.events.length} outbox events, ` +
      `${receiver.received.length} webhook deliveries`
  )
}
