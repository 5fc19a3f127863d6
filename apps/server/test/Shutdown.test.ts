/**
 * The built server stops cleanly on SIGTERM at any moment of its life: while its modules load (from its
 * first line of JavaScript, when it names itself `paylinks-server`), while it opens, migrates and seeds a
 * fresh database, and right after it says it listens (with requests in flight: Process.test.ts). Each time
 * it exits 0 with its last log line, and the database it leaves opens again. Loopback only; waits are bounded.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { basic, call } from "@paylinks/testing/HttpCall"
import { tempDir } from "./helpers.js"
import { killSpawned, listeningUrl, type Spawned, spawnServer } from "./serverProcess.js"

afterEach(killSpawned)

const KEY_ID = "rzp_test_ShutdownKey001"
const KEY_SECRET = "shutdown-secret"
const ANY_PORT = ["--port", "0"]

/** Polls `condition` every 2 ms (a busy machine may take a while); fails after 20 s. */
const until = async (what: string, condition: () => boolean) => {
  const deadline = Date.now() + 20_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** The process's name as the kernel has it (`process.title`), or "" once it is gone. */
const comm = (pid: number) => {
  try {
    return Fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim()
  } catch {
    return ""
  }
}

/** SIGTERM now; the process must exit 0, its last stdout line the shutdown line. */
const stopsCleanly = async (server: Spawned, when: string) => {
  server.child.kill("SIGTERM")
  const exit = await Promise.race([
    server.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${when}: no exit in 30 s`)), 30_000))
  ])
  expect(exit, `${when}: ${server.stderr()}`).toEqual({ code: 0, signal: null })
  expect(server.stderr(), when).toBe("")
  const last = server.stdout().trimEnd().split("\n").at(-1) ?? ""
  expect(JSON.parse(last), when).toEqual({
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    level: "info",
    msg: "shutdown",
    message: "paylinks stopped"
  })
}

const fresh = () => {
  const dir = tempDir()
  const file = Path.join(dir, "paylinks.db")
  const env = { PAYLINKS_DATABASE: `sqlite:${file}`, PAYLINKS_KEY_ID: KEY_ID, PAYLINKS_KEY_SECRET: KEY_SECRET }
  return { dir, file, env }
}

/** The database a stopped server left opens again and answers with the seeded key. */
const reopens = async (db: ReturnType<typeof fresh>) => {
  const again = spawnServer(db.dir, db.env, ANY_PORT)
  const url = await listeningUrl(again)
  const listed = await call(url, "GET", "/v1/invoices", { auth: basic(KEY_ID, KEY_SECRET) })
  expect(listed.status).toBe(200)
  await stopsCleanly(again, "the restart")
}

describe("SIGTERM at any moment", () => {
  it("while the modules load: from the first line of JavaScript on", async () => {
    const db = fresh()
    const server = spawnServer(db.dir, db.env, ANY_PORT)
    await until("the process to name itself", () => comm(server.child.pid!) === "paylinks-server")
    expect(server.stdout()).toBe("")
    await stopsCleanly(server, "while loading")
  })

  it("while it opens, migrates and seeds a fresh database, and the database opens again", async () => {
    const db = fresh()
    const server = spawnServer(db.dir, db.env, ANY_PORT)
    await until("the database file", () => Fs.existsSync(db.file))
    await stopsCleanly(server, "while migrating")
    await reopens(db)
  })

  it("at spread moments across the start, each on a fresh database", async () => {
    // How long a start takes here, then signals at fractions of it: loading, opening, migrating, seeding.
    const probe = fresh()
    const began = Date.now()
    const first = spawnServer(probe.dir, probe.env, ANY_PORT)
    await listeningUrl(first)
    const startMillis = Date.now() - began
    await stopsCleanly(first, "the probe")
    for (const fraction of [0.2, 0.5, 0.7, 0.85, 0.95]) {
      const db = fresh()
      const server = spawnServer(db.dir, db.env, ANY_PORT)
      await new Promise((resolve) => setTimeout(resolve, Math.round(startMillis * fraction)))
      await stopsCleanly(server, `at ${fraction} of the start`)
    }
  })

  it("right after listening, and the database opens again", async () => {
    const db = fresh()
    const server = spawnServer(db.dir, db.env, ANY_PORT)
    await listeningUrl(server)
    await stopsCleanly(server, "right after listening")
    await reopens(db)
  })
})
