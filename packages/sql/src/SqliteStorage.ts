/**
 * Storage on one SQLite file (the embedded default): WAL, foreign keys on, a busy timeout for other
 * processes on the same file, and `synchronous=FULL` so that every acknowledged commit has been
 * fsynced — a 200 survives a power cut. Writes go through a group-commit writer, which pays that
 * fsync once per batch of concurrent writes instead of once per write (see docs/storage.md).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type { IdGenerator } from "@paylinks/core/IdGenerator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as MasterKey from "./MasterKey.js"
import { StorageUnavailable, type StorageStartupError } from "./StorageError.js"
import * as SqlStorage from "./SqlStorage.js"

export interface Options {
  /** The database file; created (with its directory) on first start. `:memory:` keeps nothing. */
  readonly filename: string
  /** Base64 of 32 bytes. Without it the key lives in `<filename>.key`, created with mode 0600 on first start. */
  readonly masterKey?: MasterKey.MasterKeyInput | undefined
  /** How long a write waits for another process holding the file's write lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number | undefined
}

/** The key file beside a database file. */
export const keyFileOf = (filename: string): string => `${filename}.key`

const isMemory = (filename: string) => filename === ":memory:" || filename === ""

const masterKeyOf = (options: Options) => {
  if (options.masterKey !== undefined) return MasterKey.parse(options.masterKey, "the configuration")
  if (isMemory(options.filename)) return MasterKey.parse(MasterKey.generate(), "a fresh in-memory key")
  return MasterKey.loadOrCreateFile(keyFileOf(options.filename))
}

/** Opens (creating if needed) and migrates the database, then builds every storage port on it. */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const description = isMemory(options.filename)
      ? "the in-memory SQLite database"
      : `the SQLite database ${options.filename}`
    const fail = (what: string) => (cause: unknown) =>
      new StorageUnavailable({
        message: `Cannot ${what} ${description}: ${String((cause as Error)?.message ?? cause)}`,
        cause
      })
    if (!isMemory(options.filename))
      yield* Effect.try({
        try: () => Fs.mkdirSync(Path.dirname(Path.resolve(options.filename)), { recursive: true }),
        catch: fail("create the directory of")
      })
    const masterKey = yield* masterKeyOf(options)
    // better-sqlite3 throws from its constructor (missing directory, not a database, no permission).
    const client = yield* SqliteClient.make({ filename: options.filename }).pipe(
      Effect.provide(Reactivity.layer),
      Effect.catchAllDefect((defect) => Effect.fail(fail("open")(defect)))
    )
    const pragmas = Effect.gen(function* () {
      yield* client.unsafe(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
      yield* client`PRAGMA foreign_keys = ON`
      // FULL: the WAL is fsynced at every commit, so what a commit acknowledged is on disk.
      yield* client`PRAGMA synchronous = FULL`
    })
    yield* pragmas.pipe(Effect.mapError(fail("configure")))
    return yield* SqlStorage.make({ masterKey, writer: "groupCommit", description }).pipe(
      Effect.provideService(SqlClient.SqlClient, client)
    )
  })

/**
 * Every storage port on a SQLite file: `PaymentLinkRepository | Merchants | TestClocks |
 * IdempotencyStore | Outbox | StorageHealth` (plus the `SqlClient` and `Writer` they run on).
 */
export const layer = (options: Options): Layer.Layer<SqlStorage.Services, StorageStartupError, IdGenerator> =>
  Layer.scopedContext(make(options))
