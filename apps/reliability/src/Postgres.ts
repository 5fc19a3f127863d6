/**
 * PostgreSQL for the suites: a fresh database on the test server (`PAYLINKS_TEST_PG_URL`), and a
 * cluster of our own that a test may stop and start at will (`pg_ctl`, run as the `postgres` user
 * when we are root, since PostgreSQL refuses to run as root).
 */
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

/** Runs one statement as the administrator of the server at `url`. */
export const adminQuery = (url: string, statement: string): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const admin = yield* PgClient.make({ url: Redacted.make(url), maxConnections: 1 })
      yield* admin.unsafe(statement)
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer), Effect.orDie)
  )

/** A new, empty database on the server of `adminUrl`; `drop` removes it (closing its connections). */
export const freshDatabase = async (adminUrl: string, prefix = "paylinks_rel") => {
  const name = `${prefix}_${Crypto.randomBytes(5).toString("hex")}`
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

/** The directory holding pg_ctl and initdb, if PostgreSQL is installed. */
export const binDir = (): string | undefined => {
  const hasTools = (dir: string) =>
    ["initdb", "pg_ctl", "postgres"].every((tool) => Fs.existsSync(Path.join(dir, tool)))
  try {
    const dir = ChildProcess.execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: "pipe" }).trim()
    if (hasTools(dir)) return dir
  } catch {}
  try {
    for (const version of Fs.readdirSync("/usr/lib/postgresql").sort().reverse()) {
      const dir = `/usr/lib/postgresql/${version}/bin`
      if (hasTools(dir)) return dir
    }
  } catch {}
  return undefined
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

export interface Cluster {
  readonly port: number
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly adminUrl: string
  /** `pg_ctl stop -m fast`: clients are disconnected, the server goes down. */
  readonly stop: () => void
  /** `pg_ctl start -w` on the same port. */
  readonly start: () => void
  /** Stops the cluster and removes its directory. */
  readonly destroy: () => void
}

/**
 * initdb and a started cluster on a free loopback port, in a fresh directory (under /tmp when we are
 * root: the postgres user must reach it, and $TMPDIR may be private).
 */
export const ownCluster = async (bin: string): Promise<Cluster> => {
  const asPostgres = process.getuid?.() === 0
  const dir = Fs.mkdtempSync(Path.join(asPostgres ? "/tmp" : Os.tmpdir(), "paylinks-pgcluster-"))
  const run = (tool: string, args: ReadonlyArray<string>) => {
    const command = asPostgres ? "runuser" : Path.join(bin, tool)
    const argv = asPostgres ? ["-u", "postgres", "--", Path.join(bin, tool), ...args] : [...args]
    const result = ChildProcess.spawnSync(command, argv, { encoding: "utf8", stdio: "pipe", timeout: 60_000 })
    if (result.status !== 0)
      throw new Error(`${tool} ${args.join(" ")} failed: ${result.stdout}${result.stderr}${result.error ?? ""}`)
  }
  const data = Path.join(dir, "data")
  if (asPostgres) ChildProcess.execFileSync("chown", ["postgres", dir])
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
  const port = await freePort()
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=100`
  const start = () => run("pg_ctl", ["-D", data, "-o", options, "-l", Path.join(dir, "log"), "-w", "-t", "60", "start"])
  const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"])
  let destroyed = false
  const destroy = () => {
    if (destroyed) return
    destroyed = true
    try {
      stop()
    } catch {}
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  // A test process that ends early must not leave a PostgreSQL server behind.
  process.once("exit", destroy)
  start()
  return { port, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, start, destroy }
}
