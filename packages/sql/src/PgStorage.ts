/**
 * Storage on PostgreSQL, for several stateless servers sharing one database: a connection pool,
 * one transaction per write, outbox claims with `FOR UPDATE SKIP LOCKED`.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import type { IdGenerator } from "@paylinks/core/IdGenerator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as MasterKey from "./MasterKey.js"
import { InvalidDatabaseUrl, MasterKeyError, StorageUnavailable, type StorageStartupError } from "./StorageError.js"
import * as SqlStorage from "./SqlStorage.js"

export interface Options {
  /** `postgres://user:password@host:port/database` (or `postgresql://…`). */
  readonly url: string | Redacted.Redacted<string>
  /** Base64 of 32 bytes; required: every server sharing the database must use the same one. */
  readonly masterKey?: MasterKey.MasterKeyInput | undefined
  /** Pool size per process. Default 10. */
  readonly maxConnections?: number | undefined
}

/** The URL without its password, for messages. */
export const describeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `PostgreSQL at ${parsed.hostname}${parsed.port === "" ? "" : `:${parsed.port}`}${parsed.pathname}`
  } catch {
    return "PostgreSQL"
  }
}

/** Connects, migrates, and builds every storage port on the database. */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
    if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url))
      return yield* new InvalidDatabaseUrl({
        message: "A PostgreSQL database URL must look like postgres://user:password@host:5432/database"
      })
    const description = describeUrl(url)
    if (options.masterKey === undefined)
      return yield* new MasterKeyError({
        message:
          "PostgreSQL storage needs a master key to encrypt API key secrets: set PAYLINKS_MASTER_KEY to the base64 of 32 random bytes (e.g. `openssl rand -base64 32`), the same on every server sharing the database."
      })
    const masterKey = yield* MasterKey.parse(options.masterKey, "PAYLINKS_MASTER_KEY")
    const client = yield* PgClient.make({
      url: Redacted.make(url),
      maxConnections: options.maxConnections ?? 10,
      applicationName: "paylinks"
    }).pipe(
      Effect.provide(Reactivity.layer),
      Effect.mapError(
        (error) =>
          new StorageUnavailable({
            message: `Cannot connect to ${description}: ${SqlStorage.describeCause(error)}`,
            cause: error
          })
      )
    )
    return yield* SqlStorage.make({ masterKey, writer: "direct", description }).pipe(
      Effect.provideService(SqlClient.SqlClient, client)
    )
  })

/**
 * Every storage port on PostgreSQL: `PaymentLinkRepository | Merchants | TestClocks |
 * IdempotencyStore | Outbox | StorageHealth` (plus the `SqlClient` and `Writer` they run on).
 */
export const layer = (options: Options): Layer.Layer<SqlStorage.Services, StorageStartupError, IdGenerator> =>
  Layer.scopedContext(make(options))
