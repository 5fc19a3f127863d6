/**
 * Picks the storage from a database URL (`PAYLINKS_DATABASE`): `sqlite:<file>` (the default,
 * `sqlite:./paylinks.db`) or `postgres://…`.
 */
import type { IdGenerator } from "@paylinks/core/IdGenerator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as MasterKey from "./MasterKey.js"
import * as SqliteStorage from "./SqliteStorage.js"
import type * as SqlStorage from "./SqlStorage.js"
import { InvalidDatabaseUrl, type StorageStartupError } from "./StorageError.js"

export const DEFAULT_DATABASE_URL = "sqlite:./paylinks.db"

export interface Options {
  /** Base64 of 32 bytes (`PAYLINKS_MASTER_KEY`); optional for SQLite (a key file is used), required for PostgreSQL. */
  readonly masterKey?: MasterKey.MasterKeyInput | undefined
  /** PostgreSQL pool size per process. */
  readonly maxConnections?: number | undefined
}

export type Target =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Postgres"; readonly url: string }

/** What a database URL points at; `sqlite:` takes a path (`sqlite:./paylinks.db`, `sqlite:/var/lib/paylinks.db`). */
export const parseUrl = (databaseUrl: string): Target | InvalidDatabaseUrl => {
  const url = databaseUrl.trim()
  if (/^postgres(ql)?:\/\//i.test(url)) return { _tag: "Postgres", url }
  if (/^sqlite:/i.test(url)) {
    // `sqlite://relative/or/absolute` is accepted too, the way other tools write it.
    const filename = url.slice("sqlite:".length).replace(/^\/\/(?=[^/])/, "")
    if (filename !== "") return { _tag: "Sqlite", filename }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]
  return new InvalidDatabaseUrl({
    message:
      `Unsupported database URL${scheme === undefined ? "" : ` (scheme "${scheme}:")`}: ` +
      "use sqlite:<file> (e.g. sqlite:./paylinks.db) or postgres://user:password@host:5432/database"
  })
}

/** The storage layer a database URL names, with every storage port. */
export const layerFromUrl = (
  databaseUrl: string | Redacted.Redacted<string>,
  options: Options = {}
): Layer.Layer<SqlStorage.Services, StorageStartupError, IdGenerator> => {
  const text = Redacted.isRedacted(databaseUrl) ? Redacted.value(databaseUrl) : databaseUrl
  const target = parseUrl(text)
  if (target instanceof InvalidDatabaseUrl) return Layer.fail(target)
  if (target._tag === "Sqlite") return SqliteStorage.layer({ filename: target.filename, masterKey: options.masterKey })
  // Loaded only for a PostgreSQL URL: the driver and its client are a few MiB a SQLite server need not hold.
  return Layer.unwrapEffect(
    Effect.map(
      Effect.promise(() => import("./PgStorage.js")),
      (PgStorage) =>
        PgStorage.layer({ url: target.url, masterKey: options.masterKey, maxConnections: options.maxConnections })
    )
  )
}
