// A throwaway PostgreSQL cluster in a directory of the caller's: find the server binaries, initdb, start `postgres`
// on a free loopback port (retrying when the port is taken in between), create one database, stop it. Shared by the
// test runner (scripts/test-all.mjs) and the benchmark (bench/run.mjs); each passes the settings it needs.
import { execFileSync, spawn, spawnSync } from "node:child_process"
import fs from "node:fs"
import net from "node:net"
import path from "node:path"

const READY_TIMEOUT_MS = 30_000

/** A cluster that could not be set up; the message carries the tool's output or the server log. */
export class PgClusterError extends Error {}

const isAlive = (child) => child !== undefined && child.exitCode === null && child.signalCode === null

const waitForExit = (child, ms) =>
  new Promise((resolve) => {
    if (!isAlive(child)) return resolve(true)
    const timer = setTimeout(() => resolve(false), ms)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

const hasServer = (dir) =>
  dir !== undefined && ["initdb", "postgres"].every((name) => fs.existsSync(path.join(dir, name)))

/** The directory holding initdb and postgres: `pg_config --bindir`, /usr/lib/postgresql/<newest>/bin, or PATH. */
export const findPgBinDir = () => {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    if (hasServer(dir.trim())) return dir.trim()
  } catch {}
  try {
    const versions = fs
      .readdirSync("/usr/lib/postgresql")
      .filter((version) => /^\d+(\.\d+)?$/.test(version))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    for (const version of versions) {
      const dir = `/usr/lib/postgresql/${version}/bin`
      if (hasServer(dir)) return dir
    }
  } catch {}
  for (const entry of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!entry) continue
    const initdb = path.join(entry, "initdb")
    if (!fs.existsSync(initdb)) continue
    const realDir = path.dirname(fs.realpathSync(initdb)) // /usr/local/bin/initdb is often a symlink
    if (hasServer(realDir)) return realDir
    if (hasServer(entry)) return entry
  }
  return undefined
}

/** initdb and postgres refuse to run as root: when we are root, they run as the `postgres` system user. */
const serverUser = (log) => {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined
  const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: "pipe" }).trim())
  try {
    return { uid: id("-u"), gid: id("-g") }
  } catch {
    log("creating the postgres system user (initdb and postgres will not run as root)")
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"], { stdio: "inherit" })
    return { uid: id("-u"), gid: id("-g") }
  }
}

const freePort = () =>
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

const tail = (file, lines = 30) => {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

/** Runs a PostgreSQL tool to completion with captured output; throws with that output on failure. */
const pgTool = (bin, dir, name, args, asUser) => {
  const result = spawnSync(path.join(bin, name), args, {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    ...asUser
  })
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? result.error.message : ""}`.trim()
    throw new PgClusterError(`${name} failed (exit ${result.status ?? result.signal}):\n${output}`)
  }
  return result
}

const tcpConnects = (port) =>
  new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    socket.setTimeout(1000)
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
    socket.once("timeout", () => {
      socket.destroy()
      resolve(false)
    })
  })

const waitUntilReady = async (bin, port, child, isInterrupted) => {
  const deadline = Date.now() + READY_TIMEOUT_MS
  const pgIsReady = path.join(bin, "pg_isready")
  while (Date.now() < deadline && isAlive(child) && !isInterrupted()) {
    if (fs.existsSync(pgIsReady)) {
      const args = ["-q", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-t", "2"]
      if (spawnSync(pgIsReady, args, { stdio: "ignore" }).status === 0) return true
    } else if (await tcpConnects(port)) {
      return true
    }
    await sleep(200)
  }
  return false
}

/** Stops a cluster's server: a "fast" shutdown (disconnect clients, abort their transactions), then SIGKILL. */
export const stopCluster = async (child) => {
  if (!isAlive(child)) return
  child.kill("SIGINT")
  if (!(await waitForExit(child, 15_000))) {
    child.kill("SIGKILL")
    await waitForExit(child, 5_000)
  }
}

/**
 * Creates a cluster in `dir` (which must exist and be empty but for what this puts there: data/, socket/, logs),
 * starts it with `settings` (`name=value` strings) and creates `database`. Resolves to the port it listens on.
 * `onChild` receives every server process as soon as it is spawned, so that the caller can kill it on its way out;
 * `checkInterrupted` may throw to abandon the start; `isInterrupted` stops waiting for readiness.
 */
export const startCluster = async ({
  bin,
  dir,
  database,
  settings,
  log = () => {},
  onChild = () => {},
  isInterrupted = () => false,
  checkInterrupted = () => {}
}) => {
  const asUser = serverUser(log)
  const dataDir = path.join(dir, "data")
  const socketDir = path.join(dir, "socket")
  for (const sub of [dataDir, socketDir]) {
    fs.mkdirSync(sub, { mode: 0o700 })
    if (asUser) fs.chownSync(sub, asUser.uid, asUser.gid)
  }
  if (asUser) fs.chmodSync(dir, 0o711) // the postgres user must be able to reach data/ and socket/

  pgTool(
    bin,
    dir,
    "initdb",
    ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
    asUser
  )

  // The free port can be taken between our probe and postgres binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    checkInterrupted()
    const port = await freePort()
    const logFile = path.join(dir, `postgres-${attempt}.log`)
    const logFd = fs.openSync(logFile, "a")
    const args = ["-D", dataDir, "-h", "127.0.0.1", "-p", String(port), "-k", socketDir]
    for (const setting of settings) args.push("-c", setting)
    // Own process group: shutdown order is the caller's (clients first, then the server), not the terminal's.
    const child = spawn(path.join(bin, "postgres"), args, {
      cwd: dir,
      stdio: ["ignore", logFd, logFd],
      detached: true,
      ...asUser
    })
    fs.closeSync(logFd)
    onChild(child)
    child.once("error", () => {})

    const ready = await waitUntilReady(bin, port, child, isInterrupted)
    if (ready) {
      pgTool(bin, dir, "createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", database])
      return port
    }
    await stopCluster(child)
    checkInterrupted()
    const portTaken = /could not bind|address already in use/i.test(tail(logFile))
    if (!portTaken || attempt === 3) {
      throw new PgClusterError(`PostgreSQL did not start on 127.0.0.1:${port}. Server log:\n${tail(logFile)}`)
    }
  }
}
