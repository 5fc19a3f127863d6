/**
 * Test plumbing: temporary SQLite files, throwaway PostgreSQL schemas, and the server started
 * in-process on 127.0.0.1 (a free port); the caller is `@paylinks/testing/HttpCall`.
 */
import * as Crypto from "node:crypto"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as RequestLog from "@paylinks/http/RequestLog"
import { pgUrl } from "@paylinks/testing/Postgres"
import * as TempDir from "@paylinks/testing/TempDir"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Server from "@paylinks/runtime/Server"
import * as ServerConfig from "@paylinks/runtime/ServerConfig"

export { pgUrl, requirePg } from "@paylinks/testing/Postgres"

/** A fresh temporary directory, removed when the process exits. */
export const tempDir = (): string => TempDir.tempDir("server")

/** A stable base64 master key for tests. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 11).toString("base64")

/**
 * A fresh schema on the test server for the current scope, dropped when it closes; yields a
 * database URL whose connections use it.
 */
export const freshPgSchemaUrl: Effect.Effect<string, never, Scope.Scope> = Effect.gen(function* () {
  const schema = `paylinks_srv_${Crypto.randomBytes(6).toString("hex")}`
  const admin = yield* Effect.orDie(
    PgClient.make({ url: Redacted.make(pgUrl!), maxConnections: 1 }).pipe(Effect.provide(Reactivity.layer))
  )
  yield* Effect.orDie(admin.unsafe(`CREATE SCHEMA ${schema}`))
  yield* Effect.addFinalizer(() => Effect.ignore(admin.unsafe(`DROP SCHEMA ${schema} CASCADE`)))
  const url = new URL(pgUrl!)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return url.toString()
})

/** A configuration as the server would read it from these flags and `env` (nothing from the real environment). */
export const configFrom = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): ServerConfig.ServerConfig => {
  const loaded = ServerConfig.load(argv, env)
  if (Either.isLeft(loaded) || loaded.right === "help") throw new Error(`bad test configuration ${argv.join(" ")}`)
  return loaded.right
}

export interface Served extends Server.Started {
  readonly lines: Array<RequestLog.Line>
  readonly printed: Array<string>
  /** The dispatcher's log. */
  readonly logged: Array<Server.LogLine>
}

/**
 * The server on `database`, in-process, for the current scope. Without `--dispatcher on` among the
 * flags it runs no dispatcher, so a suite about the API sees `sms_status`/`email_status` stay as the API
 * left them; the suites about delivery turn it on.
 */
export const serve = (
  database: string,
  extra: ReadonlyArray<string> = [],
  options: Server.Options = {},
  env: Readonly<Record<string, string>> = {}
): Effect.Effect<Served, Server.StartupError, Scope.Scope> =>
  Effect.gen(function* () {
    const lines: Array<RequestLog.Line> = []
    const printed: Array<string> = []
    const logged: Array<Server.LogLine> = []
    const masterKey = database.startsWith("postgres") ? ["--master-key", TEST_MASTER_KEY] : []
    const dispatcher = extra.some((flag) => flag.startsWith("--dispatcher")) ? [] : ["--dispatcher", "off"]
    const config = configFrom(["--database", database, "--port", "0", ...masterKey, ...dispatcher, ...extra], env)
    const started = yield* Server.make(config, {
      logger: (line) => lines.push(line),
      print: (line) => printed.push(line),
      log: (line) => logged.push(line),
      sweepIntervalMillis: 0,
      ...options
    })
    return { ...started, lines, printed, logged }
  })
