/**
 * Test plumbing: temporary SQLite files and throwaway PostgreSQL schemas.
 */
import * as Path from "node:path"
import * as Crypto from "node:crypto"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { pgUrl } from "@paylinks/testing/Postgres"
import * as TempDir from "@paylinks/testing/TempDir"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as PgStorage from "../src/PgStorage.js"
import * as SqliteStorage from "../src/SqliteStorage.js"

export { pgUrl, requirePg } from "@paylinks/testing/Postgres"

/** A fresh temporary directory, removed when the process exits. */
export const tempDir = (): string => TempDir.tempDir("sql")

/** A path for a new SQLite database file in a fresh temporary directory. */
export const tempDatabase = (): string => Path.join(tempDir(), "paylinks.db")

/** A random schema name for one test's own tables. */
export const schemaName = (): string => `paylinks_t_${Crypto.randomBytes(6).toString("hex")}`

/** The test server's URL, with every connection's search_path set to `schema`. */
export const urlWithSchema = (schema: string): string => {
  const url = new URL(pgUrl!)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return url.toString()
}

/** An admin client on the test server (public schema). */
export const adminClient = (url: string = pgUrl!) =>
  PgClient.make({ url: Redacted.make(url), maxConnections: 2 }).pipe(Effect.provide(Reactivity.layer))

/** A fresh schema on the test server for the current scope; yields a URL whose connections use it. */
export const freshSchemaUrl = Effect.gen(function* () {
  const schema = schemaName()
  const admin = yield* Effect.orDie(adminClient())
  yield* Effect.orDie(admin.unsafe(`CREATE SCHEMA ${schema}`))
  yield* Effect.addFinalizer(() => Effect.ignore(admin.unsafe(`DROP SCHEMA ${schema} CASCADE`)))
  return urlWithSchema(schema)
})

/**
 * A layer that creates a fresh schema, builds `inner` with a URL whose connections use it, and drops
 * the schema when the layer is released.
 */
export const withFreshSchema = <ROut, E, RIn>(
  inner: (url: string) => Layer.Layer<ROut, E, RIn>
): Layer.Layer<ROut, E, RIn> => Layer.unwrapScoped(Effect.map(freshSchemaUrl, (url) => inner(url)))

/** A stable base64 master key for tests. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString("base64")

/**
 * The storage layers with what their ports run on (the connection, the writer, the statement runner), which the
 * package's public layers leave out of their type: for tests that look at the database beside the ports.
 */
export const sqliteWithInternals = (options: SqliteStorage.Options) => Layer.scopedContext(SqliteStorage.make(options))
export const pgWithInternals = (options: PgStorage.Options) => Layer.scopedContext(PgStorage.make(options))
