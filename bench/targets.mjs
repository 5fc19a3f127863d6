// The servers under test. A target knows how to start its server (a child process configured like paylinks:
// PAYLINKS_DATABASE / _HOST / _PORT / _KEY_ID / _KEY_SECRET, printing its URL once it listens) and how to seed links
// in bulk straight into its SQLite file while it is stopped.
import { spawn } from "node:child_process"
import fs from "node:fs"
import net from "node:net"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import Database from "better-sqlite3"
import { openFloorDatabase, seedFloorLinks } from "./floor.mjs"

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
export const PAYLINKS_MAIN = path.join(ROOT, "apps", "server", "dist", "main.js")

const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000

export const floorTarget = {
  name: "floor",
  script: path.join(ROOT, "bench", "floor.mjs"),
  postgres: false,
  seed: async (file, options) => {
    const db = openFloorDatabase(file)
    try {
      return await seedFloorLinks(db, options)
    } finally {
      db.close()
    }
  },
  // The floor does everything inside the request: nothing is left to do once it has answered.
  pendingWork: () => 0
}

/**
 * What a paylinks server still has to do for the requests it answered: outbox entries not yet relayed (the customer
 * notifications of a create, webhook events) and webhook deliveries not yet settled. Read from its SQLite file
 * (WAL: a reader sees the last commit without taking a lock).
 */
const paylinksPendingWork = (file) => {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const outbox = db.prepare("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").pluck().get()
    const deliveries = db.prepare("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'").pluck().get()
    return outbox + deliveries
  } finally {
    db.close()
  }
}

export const paylinksTarget = {
  name: "paylinks",
  script: PAYLINKS_MAIN,
  postgres: true,
  // Loaded on use: it knows the paylinks schema, which a floor-only run (--target floor) never touches.
  seed: async (file, options) => (await import("./paylinks-seed.mjs")).seedPaylinksLinks(file, options),
  pendingWork: paylinksPendingWork
}

/** A second floor in the paylinks column: the same numbers on both sides prove the harness (ratios ≈ 1.0). */
export const standInTarget = { ...floorTarget, name: "floor (stand-in)" }

export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const tail = (file, lines = 25) => {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no output)"
  }
}

const readFrom = (file, offset) => {
  const fd = fs.openSync(file, "r")
  try {
    const length = Math.max(0, fs.fstatSync(fd).size - offset)
    const buffer = Buffer.alloc(Math.min(length, 1 << 20))
    fs.readSync(fd, buffer, 0, buffer.length, offset)
    return buffer.toString("utf8")
  } finally {
    fs.closeSync(fd)
  }
}

/** VmRSS and VmHWM (peak) of a process, in bytes; undefined once it is gone. */
export const memoryOf = (pid) => {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024
    return { rss: kib("VmRSS"), hwm: kib("VmHWM") }
  } catch {
    return undefined
  }
}

const alive = (child) => child.exitCode === null && child.signalCode === null

/**
 * Starts a target's server on a loopback port (`port`, or a free one), its output going to `logFile`, and resolves once it has printed
 * its URL. The returned handle samples the server's memory while a load runs (`sampleMemory`) and stops it.
 */
export const startServer = async (target, { database, key, logFile, port: wanted, extraEnv = {} }) => {
  const port = wanted ?? (await freePort())
  const env = {
    ...process.env,
    PAYLINKS_DATABASE: database,
    PAYLINKS_HOST: "127.0.0.1",
    PAYLINKS_PORT: String(port),
    PAYLINKS_KEY_ID: key.id,
    PAYLINKS_KEY_SECRET: key.secret,
    ...extraEnv
  }
  // Only what this start prints counts: an earlier start on the same port has left its URL in the same log.
  const offset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0
  const out = fs.openSync(logFile, "a")
  const child = spawn(process.execPath, [target.script], { cwd: ROOT, env, stdio: ["ignore", out, out] })
  fs.closeSync(out)
  child.once("error", () => {})
  const deadline = Date.now() + START_TIMEOUT_MS
  const expected = `127.0.0.1:${port}`
  while (!readFrom(logFile, offset).includes(expected)) {
    if (!alive(child))
      throw new Error(`${target.name} exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`)
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`${target.name} printed no URL with ${expected} within ${START_TIMEOUT_MS} ms:\n${tail(logFile)}`)
    }
    await sleep(25)
  }
  const url = `http://${expected}`

  const stop = async () => {
    if (!alive(child)) return child.exitCode
    child.kill("SIGCONT") // a frozen server would hold its SIGTERM until it runs again
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)))
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS)
    const code = await exited
    clearTimeout(timer)
    return code
  }

  /** Samples VmRSS every 100 ms until the returned function is called; that function returns the peak in bytes. */
  const sampleMemory = () => {
    let peak = memoryOf(child.pid)?.rss ?? 0
    const timer = setInterval(() => {
      const memory = memoryOf(child.pid)
      if (memory && memory.rss > peak) peak = memory.rss
    }, 100)
    return () => {
      clearInterval(timer)
      const memory = memoryOf(child.pid)
      return Math.max(peak, memory?.rss ?? 0)
    }
  }

  return { url, pid: child.pid, child, stop, sampleMemory, peakRss: () => memoryOf(child.pid)?.hwm }
}

/**
 * Everything a run starts outside itself — servers, the PostgreSQL cluster, temp dirs — so that it is all stopped
 * and removed however the run ends: normally (the sections stop their own), by a signal (stopped politely, then the
 * process exits 128 + n; a second signal stops waiting), or by a crash (servers killed on the way out).
 */
export const reaper = () => {
  const servers = new Set()
  const dirs = new Set()
  let cluster
  const hard = () => {
    for (const server of servers) if (alive(server.child)) server.child.kill("SIGKILL")
    if (cluster !== undefined && alive(cluster.child)) cluster.child.kill("SIGINT")
    else for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
  }
  process.on("exit", hard)
  let stopping = false
  const onSignal = async (signal) => {
    const code = 128 + (os.constants.signals[signal] ?? 1)
    if (stopping) {
      hard()
      process.exit(code)
    }
    stopping = true
    console.log(`!!! ${signal}: stopping the servers and removing the temporary files`)
    for (const server of servers) await server.stop()
    if (cluster !== undefined) await cluster.stop()
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
    process.exit(code)
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, onSignal)
  return {
    track: (server) => {
      servers.add(server)
      server.child.once("exit", () => servers.delete(server))
      return server
    },
    trackDir: (dir) => {
      dirs.add(dir)
      return dir
    },
    /** The cluster's server process and how to stop it (`undefined` once it is stopped). */
    trackCluster: (value) => {
      cluster = value
    }
  }
}

export { sleep }
