/**
 * The SQLite file on a small filesystem of its own (tmpfs, a few MiB), filled up under the running
 * server: writes are refused with the 500 envelope and a fault line that names the cause, reads keep
 * working, nothing acknowledged is lost, the file passes `PRAGMA integrity_check`, and the server
 * takes writes again by itself once space returns. On that filesystem remounted read-only, a server
 * does not start, and says which file. Then the file made read-only (immutable) under a running
 * server: the same refusals, and writes again once it is writable.
 *
 * Mounting and `chattr` need root: elsewhere these suites are skipped, loudly — except in CI
 * (`CI=true`), where they must run.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { answer, basic, send } from "../src/Http.js"
import * as Invariants from "../src/Invariants.js"
import * as Processes from "../src/Processes.js"
import * as Shapes from "../src/Shapes.js"
import * as Snapshot from "../src/Snapshot.js"
import { randomSecret, tempDir, QUIET } from "./support.js"

const SIZE = "4m"
const SERVER_ERROR = "The server encountered an error. The incident has been reported to admins."

const mount = (args: ReadonlyArray<string>): string | undefined => {
  const result = ChildProcess.spawnSync("mount", args, { encoding: "utf8", stdio: "pipe" })
  return result.status === 0 ? undefined : `${result.stderr}${result.error ?? ""}`.trim()
}

/** A tmpfs of SIZE at a fresh directory, or why there is none. */
const tmpfs = (): { readonly dir: string } | { readonly skipped: string } => {
  if (process.getuid?.() !== 0) return { skipped: "not root" }
  const dir = Path.join(tempDir("diskfull"), "mnt")
  Fs.mkdirSync(dir)
  const failed = mount(["-t", "tmpfs", "-o", `size=${SIZE}`, "tmpfs", dir])
  return failed === undefined ? { dir } : { skipped: `mount -t tmpfs failed: ${failed}` }
}

const mounted = tmpfs()
if ("skipped" in mounted) {
  if (process.env.CI === "true") throw new Error(`CI=true but the disk-full suite cannot run: ${mounted.skipped}`)
  console.warn(`!!! disk-full / read-only SQLite suite SKIPPED (${mounted.skipped})`)
}

/** Fills the filesystem of `dir` to the last byte; returns the filler file. */
const fill = (dir: string): string => {
  const filler = Path.join(dir, "filler")
  const fd = Fs.openSync(filler, "w")
  const chunk = Buffer.alloc(64 * 1024, 1)
  try {
    for (let size = chunk.length; size >= 1; ) {
      try {
        Fs.writeSync(fd, chunk, 0, size)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error
        size = Math.floor(size / 2)
      }
    }
  } finally {
    Fs.closeSync(fd)
  }
  return filler
}

describe.skipIf("skipped" in mounted)("a full disk under the SQLite file", () => {
  const dir = "dir" in mounted ? mounted.dir : ""
  const file = Path.join(dir, "paylinks.db")
  const seeded = { keyId: "rzp_test_DiskFull0000001", secret: randomSecret() }
  const env = {
    PAYLINKS_DATABASE: `sqlite:${file}`,
    PAYLINKS_KEY_ID: seeded.keyId,
    PAYLINKS_KEY_SECRET: seeded.secret,
    ...QUIET
  }
  const auth = basic(seeded.keyId, seeded.secret)
  let server: Processes.Server
  const acknowledged: Array<{ readonly id: string; readonly status: string }> = []

  beforeAll(async () => {
    server = await Processes.startServer({ env, cwd: Path.dirname(dir) })
  })
  afterAll(async () => {
    if (server?.alive()) await server.kill("SIGKILL")
    mount(["-o", "remount,rw", dir])
    ChildProcess.spawnSync("umount", ["-l", dir])
  })

  /** Creates links until `stopWhen` says so (bounded); returns the refused answers. */
  const createUntil = async (stopWhen: (status: number) => boolean, max: number) => {
    for (let i = 0; i < max; i++) {
      const created = await answer(server.url, "POST", "/v1/invoices", {
        auth,
        body: { type: "link", amount: 1000 + i, description: "x".repeat(1500), receipt: `disk-${Date.now()}-${i}` }
      })
      const shape = Shapes.apiAnswerProblem(created, "entity")
      expect(shape).toBeUndefined()
      if (created.status === 200) acknowledged.push({ id: (created.json as { id: string }).id, status: "issued" })
      if (stopWhen(created.status)) return created
    }
    throw new Error(`no answer matched in ${max} creates`)
  }

  const expectServerError = (refused: Awaited<ReturnType<typeof answer>>) => {
    expect(refused.status).toBe(500)
    expect(Shapes.descriptionOf(refused)).toBe(SERVER_ERROR)
  }

  const expectAllReadable = async () => {
    for (const link of acknowledged) {
      const fetched = await answer(server.url, "GET", `/v1/invoices/${link.id}`, { auth })
      expect(fetched.status).toBe(200)
    }
  }

  it("disk full: refuses writes with the 500 envelope, keeps reading, and takes writes again when space returns", async () => {
    await createUntil((status) => status === 200 && acknowledged.length >= 20, 100)
    const filler = fill(dir)
    const refused = await createUntil((status) => status !== 200, 5000)
    expectServerError(refused)
    // The operator's log names the cause.
    expect(server.stderr()).toMatch(/SQLITE_FULL|disk is full/)
    await expectAllReadable()
    const ready = await answer(server.url, "GET", "/healthz")
    expect(ready.status).toBe(200)

    Fs.rmSync(filler)
    const accepted = await createUntil((status) => status === 200, 50)
    expect(accepted.status).toBe(200)
    await expectAllReadable()
  })

  it("after it: the file is intact and holds every acknowledged link; on a read-only filesystem no server starts", async () => {
    expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
    expect(mount(["-o", "remount,ro", dir])).toBeUndefined()
    try {
      const refused = Processes.spawnNode(Processes.SERVER_MAIN, ["--port", "0"], env, Path.dirname(dir))
      expect((await refused.exited).code).toBe(1)
      expect(refused.stderr()).toContain(file)
    } finally {
      expect(mount(["-o", "remount,rw", dir])).toBeUndefined()
    }
    expect(Snapshot.integrityCheck(file)).toBe("ok")
    const snapshot = Snapshot.fromSqlite(file)
    expect(Invariants.violations(snapshot)).toEqual([])
    const stored = new Set(snapshot.links.map((row) => row.id))
    expect(acknowledged.filter((link) => !stored.has(link.id))).toEqual([])
    expect(acknowledged.length).toBeGreaterThan(20)
    server = await Processes.startServer({ env, cwd: Path.dirname(dir) })
    await expectAllReadable()
    expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
  })
})

/**
 * A read-only database file under a running server. As root, permissions do not stop writes, and a
 * filesystem cannot be remounted read-only while the server holds the file open for writing; the
 * immutable attribute (`chattr +i`) stops every write, root's too, also on descriptors already open.
 */
const chattrWorks = (): string | undefined => {
  if (process.getuid?.() !== 0) return "not root"
  const probe = Path.join(tempDir("chattr"), "probe")
  Fs.writeFileSync(probe, "x")
  const set = ChildProcess.spawnSync("chattr", ["+i", probe], { encoding: "utf8", stdio: "pipe" })
  ChildProcess.spawnSync("chattr", ["-i", probe])
  return set.status === 0 ? undefined : `chattr +i failed: ${set.stderr}${set.error ?? ""}`.trim()
}
const noChattr = chattrWorks()
if (noChattr !== undefined) {
  if (process.env.CI === "true") throw new Error(`CI=true but the read-only file suite cannot run: ${noChattr}`)
  console.warn(`!!! read-only SQLite file suite SKIPPED (${noChattr})`)
}

describe.skipIf(noChattr !== undefined)("a read-only SQLite file", () => {
  it("refuses writes with the 500 envelope, keeps reading, and takes writes again once writable", async () => {
    const dir = tempDir("readonly")
    const file = Path.join(dir, "paylinks.db")
    const seeded = { keyId: "rzp_test_ReadOnly0000001", secret: randomSecret() }
    const env = {
      PAYLINKS_DATABASE: `sqlite:${file}`,
      PAYLINKS_KEY_ID: seeded.keyId,
      PAYLINKS_KEY_SECRET: seeded.secret,
      ...QUIET
    }
    const auth = basic(seeded.keyId, seeded.secret)
    const server = await Processes.startServer({ env, cwd: dir })
    const files = [file, `${file}-wal`].filter((name) => Fs.existsSync(name))
    const immutable = (on: boolean) => {
      for (const name of files)
        expect(ChildProcess.spawnSync("chattr", [on ? "+i" : "-i", name]).status, `chattr ${name}`).toBe(0)
    }
    try {
      const ids: Array<string> = []
      for (let i = 0; i < 10; i++) {
        const created = await answer(server.url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 1000 } })
        expect(created.status).toBe(200)
        ids.push((created.json as { id: string }).id)
      }
      immutable(true)
      try {
        for (let i = 0; i < 3; i++) {
          const refused = await answer(server.url, "POST", "/v1/invoices", {
            auth,
            body: { type: "link", amount: 1000 }
          })
          expect(refused.status).toBe(500)
          expect(Shapes.envelopeProblem(refused.json)).toBeUndefined()
          expect(Shapes.descriptionOf(refused)).toBe(SERVER_ERROR)
        }
        const cancel = await answer(server.url, "POST", `/v1/invoices/${ids[0]}/cancel`, { auth })
        expect(cancel.status).toBe(500)
        expect(server.stderr()).toMatch(/SQLITE_(IOERR|READONLY|PERM)|not permitted|readonly/i)
        for (const id of ids) expect((await answer(server.url, "GET", `/v1/invoices/${id}`, { auth })).status).toBe(200)
      } finally {
        immutable(false)
      }
      const deadline = Date.now() + 15_000
      for (;;) {
        const created = await send(server.url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 1000 } })
        if (created._tag === "Answer" && created.status === 200) {
          ids.push((created.json as { id: string }).id)
          break
        }
        if (Date.now() > deadline) throw new Error(`no write accepted once writable: ${JSON.stringify(created)}`)
        await Processes.sleep(100)
      }
      const cancelled = await answer(server.url, "POST", `/v1/invoices/${ids[0]}/cancel`, { auth })
      expect((cancelled.json as { status: string }).status).toBe("cancelled")
      expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
      expect(Snapshot.integrityCheck(file)).toBe("ok")
      const snapshot = Snapshot.fromSqlite(file)
      expect(Invariants.violations(snapshot)).toEqual([])
      expect(snapshot.links.map((row) => row.id).sort()).toEqual([...ids].sort())
    } finally {
      for (const name of files) ChildProcess.spawnSync("chattr", ["-i", name])
      if (server.alive()) await server.kill("SIGKILL")
    }
  })
})
