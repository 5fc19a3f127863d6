/**
 * The SQLite connection the storage owns: one better-sqlite3 handle behind both the `SqlClient` (migrations,
 * transactions, savepoints) and the `StatementRunner`'s direct path, which runs the ports' statements on it from
 * a cache of prepared statements. `@effect/sql-sqlite-node` keeps its handle to itself; owning it is what lets a
 * read skip the client's per-statement machinery (about 36 µs against 6 µs,
 * BENCHMARKS.md#costs-the-design-is-built-around).
 *
 * One connection, as before: every statement of the client waits for the connection's lock, and a transaction
 * holds it from `BEGIN IMMEDIATE` to its end.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import Sqlite from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"

/** Distinct statement texts kept prepared: the ports have a few dozen, the list filters a few dozen more. */
const CACHE_SIZE = 256

const NO_ROWS: ReadonlyArray<never> = []

export interface SqliteConnection {
  readonly client: SqlClient.SqlClient
  /** Whether a transaction is open on the connection (someone's, between its BEGIN and its end). */
  readonly inTransaction: () => boolean
  /**
   * Runs one statement at once, prepared from the cache: its rows, or none for a statement that returns none.
   * Throws the driver's error. The caller makes sure that it may use the connection now.
   */
  readonly run: (text: string, params: ReadonlyArray<unknown>) => ReadonlyArray<unknown>
}

const failed = (cause: unknown) => new SqlError({ cause, message: "Failed to execute statement" })

/**
 * Opens the file (throwing the driver's error when it cannot: not a database, no permission) in WAL, and builds
 * a client whose transactions begin with `BEGIN IMMEDIATE`: a write transaction takes the write lock at its first
 * statement, so a busy lock fails it before anything ran (safe to retry), and no transaction ever has to upgrade a
 * read snapshot another writer made stale.
 */
export const open = (filename: string): Effect.Effect<SqliteConnection, never, Scope.Scope> =>
  Effect.gen(function* () {
    const db = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const db = new Sqlite(filename)
        try {
          db.pragma("journal_mode = WAL")
        } catch (error) {
          db.close()
          throw error
        }
        return db
      }),
      (db) => Effect.sync(() => db.close())
    )

    const cache = new Map<string, Sqlite.Statement>()
    const prepare = (text: string): Sqlite.Statement => {
      let prepared = cache.get(text)
      if (prepared === undefined) {
        prepared = db.prepare(text)
        // Insertion order: the oldest text goes first; the hot ones are prepared again at their next use.
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
        cache.set(text, prepared)
      }
      return prepared
    }

    const run = (text: string, params: ReadonlyArray<unknown>): ReadonlyArray<unknown> => {
      const prepared = prepare(text)
      if (prepared.reader) return prepared.all(...params)
      prepared.run(...params)
      return NO_ROWS
    }

    const attempt = <A>(f: () => A): Effect.Effect<A, SqlError> =>
      Effect.suspend(() => {
        try {
          return Effect.succeed(f())
        } catch (cause) {
          return Effect.fail(failed(cause))
        }
      })

    const connection: Connection = {
      execute: (sql, params, transformRows) => {
        const rows = attempt(() => run(sql, params) as ReadonlyArray<any>)
        return transformRows === undefined ? rows : Effect.map(rows, transformRows)
      },
      executeRaw: (sql, params) =>
        attempt(() => {
          const prepared = prepare(sql)
          return prepared.reader ? prepared.all(...params) : prepared.run(...params)
        }),
      executeValues: (sql, params) =>
        attempt(() => {
          const prepared = prepare(sql)
          if (!prepared.reader) {
            prepared.run(...params)
            return NO_ROWS
          }
          prepared.raw(true)
          try {
            return prepared.all(...params) as ReadonlyArray<ReadonlyArray<unknown>>
          } finally {
            prepared.raw(false)
          }
        }),
      executeUnprepared: (sql, params, transformRows) => {
        const statement = attempt(() => {
          const prepared = db.prepare(sql)
          if (prepared.reader) return prepared.all(...(params ?? [])) as ReadonlyArray<any>
          prepared.run(...(params ?? []))
          return NO_ROWS
        })
        // `withTransaction` rolls back whenever its body fails — also when `BEGIN` itself failed (busy), and
        // SQLite refuses a ROLLBACK with no transaction open. Nothing to roll back is a rollback done.
        const tolerant =
          sql === "ROLLBACK"
            ? Effect.catchIf(
                statement,
                (error) => /no transaction is active/.test(String((error.cause as Error | undefined)?.message)),
                () => Effect.succeed(NO_ROWS)
              )
            : statement
        return transformRows === undefined ? tolerant : Effect.map(tolerant, transformRows)
      },
      executeStream: () => Effect.dieMessage("executeStream is not supported on SQLite") as never
    }

    const lock = yield* Effect.makeSemaphore(1)
    // Held until the scope of the statement or transaction closes.
    const reserve = Effect.uninterruptibleMask((restore) =>
      Effect.as(
        Effect.zipRight(
          restore(lock.take(1)),
          Effect.tap(Effect.scope, (scope) => Scope.addFinalizer(scope, lock.release(1)))
        ),
        connection
      )
    )
    const client = yield* SqlClient.make({
      acquirer: reserve,
      transactionAcquirer: reserve,
      compiler: Statement.makeCompilerSqlite(),
      spanAttributes: [["db.system.name", "sqlite"]],
      beginTransaction: "BEGIN IMMEDIATE"
    }).pipe(Effect.provide(Reactivity.layer))

    return { client, inTransaction: () => db.inTransaction, run }
  })
