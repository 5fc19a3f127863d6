/**
 * Storage on one SQLite file (the embedded default): WAL, foreign keys on, and `synchronous=FULL`
 * so that every acknowledged commit has been fsynced — a 200 survives a power cut. Writes go through
 * a group-commit writer, which pays that fsync once per batch of concurrent writes instead of once
 * per write, and wait for another process's write lock on timers rather than by blocking the event
 * loop (see docs/storage.md).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as SqlClient from "@effect/sql/SqlClient"
import type { IdGenerator } from "@paylinks/core/IdGenerator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqliteConnection from "./internal/sqliteConnection.js"
import * as MasterKey from "./MasterKey.js"
import * as SqlStorage from "./SqlStorage.js"
import * as StatementRunner from "./StatementRunner.js"
import { type StorageStartupError, StorageUnavailable } from "./StorageError.js"

export interface Options {
  /**
   * The database file; created (with its directory) on first start, mode 0600 like the key file (its WAL and
   * shared-memory files take the database file's mode). `:memory:` keeps nothing.
   */
  readonly filename: string
  /** Base64 of 32 bytes. Without it the key lives in `<filename>.key`, created with mode 0600 on first start. */
  readonly masterKey?: MasterKey.MasterKeyInput | undefined
  /** How long a write waits while another process holds the file's write lock. Default 5000 ms. */
  readonly lockTimeoutMs?: number | undefined
}

/** How long SQLite itself blocks waiting for a lock before reporting it busy; callers retry on timers. */
export const BUSY_TIMEOUT_MS = 10

/** The key file beside a database file. */
export const keyFileOf = (filename: string): string => `${filename}.key`

const isMemory = (filename: string) => filename === ":memory:" || filename === ""

/** Group and other permission bits: what a file holding customer data must not have. */
const SHARED_BITS = 0o077

/**
 * Creates the database file with mode 0600 when it does not exist yet — before SQLite does, which would
 * create it (and, after it, its `-wal` and `-shm`, which copy its mode) with the umask's 0644. An existing file
 * keeps its mode — an operator may have widened it on purpose (a backup group) — and is answered with its mode
 * when others can read it, so that startup can say so.
 */
const createPrivately = (filename: string): number | undefined => {
  try {
    const fd = Fs.openSync(filename, "wx", 0o600)
    try {
      // Exactly 0600 whatever the umask: a stricter one (0277) would leave the owner unable to write it.
      Fs.fchmodSync(fd, 0o600)
    } finally {
      Fs.closeSync(fd)
    }
    return undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    const mode = Fs.statSync(filename).mode & 0o777
    return (mode & SHARED_BITS) === 0 ? undefined : mode
  }
}

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
    if (!isMemory(options.filename)) {
      const shared = yield* Effect.try({
        try: () => createPrivately(options.filename),
        catch: fail("create")
      })
      if (shared !== undefined)
        yield* Effect.logWarning(
          `${description} is readable by other users (mode ${shared.toString(8).padStart(4, "0")}); ` +
            `it holds customer data: chmod 600 it, with its -wal and -shm files`
        )
    }
    const masterKey = yield* masterKeyOf(options)
    // better-sqlite3 throws from its constructor (not a database, no permission).
    const connection = yield* SqliteConnection.open(options.filename).pipe(
      Effect.catchAllDefect((defect) => Effect.fail(fail("open")(defect)))
    )
    const client = connection.client
    yield* Effect.gen(function* () {
      yield* client.unsafe(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
      yield* client`PRAGMA foreign_keys = ON`
      // FULL: the WAL is fsynced at every commit, so what a commit acknowledged is on disk.
      yield* client`PRAGMA synchronous = FULL`
      // Savepoints (one per write of a group commit) journal the pages they change; in a temporary file that
      // cost several times the writes themselves. In memory it is a copy of the pages a batch touches.
      yield* client`PRAGMA temp_store = MEMORY`
      // A checkpoint every 4,000 WAL pages (~16 MiB) instead of SQLite's 1,000: the pages a run of commits changes
      // again and again (index leaves, the outbox's end) are copied back once per checkpoint, not once per 1,000
      // pages, and the file is fsynced less often. The checkpoint runs in the commit that crosses the mark, on the
      // event loop: at 10,000 pages its pause made create's p99 at 32 connections ~2.2 × the floor's, at 4,000 ~1.7 ×,
      // for ~10% fewer durable creates than at 10,000 (BENCHMARKS.md). Recovery replays at most that much log.
      yield* client`PRAGMA wal_autocheckpoint = 4000`
      const mode = yield* client<{ readonly journal_mode: string }>`PRAGMA journal_mode`
      if (!isMemory(options.filename) && mode[0]?.journal_mode !== "wal")
        return yield* Effect.dieMessage(`its journal mode is ${mode[0]?.journal_mode}, not wal`)
    }).pipe(
      Effect.mapError(fail("configure")),
      Effect.catchAllDefect((defect) => Effect.fail(fail("configure")(defect)))
    )
    return yield* SqlStorage.make({
      masterKey,
      writer: "groupCommit",
      runner: StatementRunner.direct(connection),
      description,
      lockTimeoutMs: options.lockTimeoutMs
    }).pipe(Effect.provideService(SqlClient.SqlClient, client))
  })

/**
 * Every storage port on a SQLite file: `PaymentLinkRepository | Merchants | TestClocks |
 * IdempotencyStore | Outbox | StorageHealth` (plus the `SqlClient` and `Writer` they run on).
 */
export const layer = (options: Options): Layer.Layer<SqlStorage.Services, StorageStartupError, IdGenerator> =>
  Layer.scopedContext(make(options))
