/**
 * Versioned schema migrations for both dialects, run forward automatically when a storage layer
 * starts. Versions are applied in order, each in the transaction that records it; a database whose
 * recorded version is above the newest one this build knows is refused (`SchemaTooNew`), so an older
 * binary never writes into a schema it does not understand.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import { SchemaTooNew } from "./StorageError.js"
import { all } from "./migrations/all.js"
import type { Migration } from "./migrations/Migration.js"

export type { Migration } from "./migrations/Migration.js"

/** Where the applied versions are recorded. Version 0 is the bootstrap row every database has. */
export const TABLE = "paylinks_schema_migrations"

/** Every version this build knows, oldest first (one file each under `migrations/`). */
export const migrations: ReadonlyArray<Migration> = all

/** The newest schema version this build knows. */
export const LATEST_VERSION = migrations[migrations.length - 1]!.version

/** What a migration run did. */
export interface MigrationReport {
  readonly from: number
  readonly to: number
  readonly applied: ReadonlyArray<number>
}

/**
 * Brings the database to `LATEST_VERSION`. Concurrent starts are serialised (an advisory lock on
 * PostgreSQL; SQLite's write lock, taken by the transaction's first statement), so each version is
 * applied exactly once even when several servers start together.
 */
export const run = (
  list: ReadonlyArray<Migration> = migrations
): Effect.Effect<MigrationReport, SchemaTooNew | SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const supported = list[list.length - 1]?.version ?? 0
    const identity = sql.onDialectOrElse({
      pg: () => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
      orElse: () => "INTEGER PRIMARY KEY AUTOINCREMENT"
    })
    const createTable = sql.unsafe(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`
    )
    const bootstrap = sql.unsafe(
      `INSERT INTO ${TABLE} (version, name, applied_at) VALUES (0, 'bootstrap', 0) ON CONFLICT (version) DO NOTHING`
    )
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    // SQLite: create the table outside the transaction, then open the transaction with a write so it
    // holds the write lock from its first statement. PostgreSQL: take the lock before anything else.
    if (!isPg) yield* createTable
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        if (isPg) {
          yield* sql`SELECT pg_advisory_xact_lock(7382910461)`
          yield* createTable
        }
        yield* bootstrap
        const rows = yield* sql.unsafe<{ readonly version: unknown }>(`SELECT MAX(version) AS version FROM ${TABLE}`)
        const current = Number(rows[0]?.version ?? 0)
        if (current > supported)
          return yield* new SchemaTooNew({ databaseVersion: current, supportedVersion: supported })
        const applied: Array<number> = []
        const now = Math.floor(Date.now() / 1000)
        for (const migration of list) {
          if (migration.version <= current) continue
          for (const statement of migration.statements)
            yield* sql.unsafe(statement.replaceAll("{{identity}}", identity))
          yield* sql`INSERT INTO ${sql(TABLE)} (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${now})`
          applied.push(migration.version)
        }
        return { from: current, to: Math.max(current, supported), applied }
      })
    )
  })
