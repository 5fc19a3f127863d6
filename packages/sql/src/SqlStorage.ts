/**
 * Everything the drivers share: given a connected `SqlClient`, migrate the schema, check the master
 * key against the database, and build every storage port over one write path.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import type { IdGenerator } from "@paylinks/core/IdGenerator"
import type { Merchants } from "@paylinks/core/Merchants"
import type { Inbox } from "@paylinks/core/Inbox"
import type { Outbox } from "@paylinks/core/Outbox"
import type { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import type { TestClocks } from "@paylinks/core/TestClocks"
import type { WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import type { WebhookEndpoints } from "@paylinks/core/WebhookEndpoints"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { retryWhileBusy } from "./internal/busy.js"
import * as Migrations from "./Migrations.js"
import * as SecretBox from "./SecretBox.js"
import * as SqlIdempotencyStore from "./SqlIdempotencyStore.js"
import * as SqlMerchants from "./SqlMerchants.js"
import * as SqlInbox from "./SqlInbox.js"
import * as SqlOutbox from "./SqlOutbox.js"
import * as SqlPaymentLinkRepository from "./SqlPaymentLinkRepository.js"
import * as SqlTestClocks from "./SqlTestClocks.js"
import * as SqlWebhooks from "./SqlWebhooks.js"
import * as StatementRunner from "./StatementRunner.js"
import { MasterKeyError, type SchemaTooNew, StorageUnavailable } from "./StorageError.js"
import { StorageHealth } from "./StorageHealth.js"
import { SchemaStatus } from "./SchemaStatus.js"
import * as Writer from "./Writer.js"

/** The services a storage layer provides: the ports, and nothing they are built from. */
export type Services =
  | PaymentLinkRepository
  | Merchants
  | TestClocks
  | IdempotencyStore
  | Outbox
  | WebhookEndpoints
  | WebhookDeliveries
  | Inbox
  | StorageHealth
  | SchemaStatus

/**
 * What the ports run on, in the same context but not in `Services`: the connection, the write path and the
 * statement runner stay inside this package (its own tests reach them by name).
 */
export type Internals = Writer.Writer | StatementRunner.StatementRunner | SqlClient.SqlClient

export interface Options {
  readonly masterKey: Uint8Array
  /** `groupCommit` for SQLite (one connection, fsync per commit); `direct` for PostgreSQL. */
  readonly writer: "groupCommit" | "direct"
  /** How the ports run their statements; default through the client. */
  readonly runner?: StatementRunner.StatementRunnerShape | undefined
  /** Names the database in messages, without credentials. */
  readonly description: string
  /** How long writes wait for a write lock another connection holds (SQLite). Default 5000 ms. */
  readonly lockTimeoutMs?: number | undefined
}

const CHECK_NAME = "master_key_check"
const CHECK_TEXT = "paylinks master key check"

/**
 * The database remembers a value sealed with the master key it was first started with; a different
 * key would make every stored secret unreadable, so it is refused at start.
 */
const checkMasterKey = (box: SecretBox.SecretBox, description: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO storage_meta (name, value) VALUES (${CHECK_NAME}, ${box.seal(CHECK_TEXT, CHECK_NAME)})
      ON CONFLICT (name) DO NOTHING`
    const rows = yield* sql<{ readonly value: string }>`SELECT value FROM storage_meta WHERE name = ${CHECK_NAME}`
    let opened: string | undefined
    try {
      opened = box.open(rows[0]!.value, CHECK_NAME)
    } catch {
      opened = undefined
    }
    if (opened !== CHECK_TEXT)
      return yield* new MasterKeyError({
        message: `The master key does not match the one ${description} was first started with: its API key secrets cannot be decrypted with it.`
      })
  })

const unavailable = (description: string) => (error: SqlError) =>
  new StorageUnavailable({ message: `Cannot use ${description}: ${describeCause(error)}`, cause: error })

/** The driver's own words for a failure, which name the problem without echoing credentials. */
export const describeCause = (error: { readonly message: string; readonly cause?: unknown }): string => {
  const cause = error.cause
  return cause instanceof Error && cause.message !== "" ? `${error.message}: ${cause.message}` : error.message
}

/** Migrates, checks the master key, and builds every port. */
export const make = (
  options: Options
): Effect.Effect<
  Context.Context<Services | Internals>,
  SchemaTooNew | MasterKeyError | StorageUnavailable,
  SqlClient.SqlClient | IdGenerator | Scope.Scope
> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const box = SecretBox.make(options.masterKey)
    const lockTimeoutMs = options.lockTimeoutMs ?? 5000
    // Both are safe to repeat: a busy lock fails them before they wrote anything.
    yield* retryWhileBusy(Migrations.run(), lockTimeoutMs).pipe(
      Effect.catchTag("SqlError", (error) => Effect.fail(unavailable(options.description)(error)))
    )
    yield* retryWhileBusy(checkMasterKey(box, options.description), lockTimeoutMs).pipe(
      Effect.catchTag("SqlError", (error) => Effect.fail(unavailable(options.description)(error)))
    )
    const writer =
      options.writer === "groupCommit"
        ? yield* Writer.groupCommit({ lockTimeoutMs, runner: options.runner })
        : yield* Writer.direct
    const health = StorageHealth.of({
      ping: sql`SELECT 1`.pipe(
        Effect.asVoid,
        Effect.timeoutFail({
          duration: Duration.seconds(2),
          onTimeout: () => new StorageUnavailable({ message: `${options.description} did not answer within 2 s` })
        }),
        Effect.catchTag("SqlError", (error) => Effect.fail(unavailable(options.description)(error)))
      )
    })
    const schema = SchemaStatus.of({
      read: Effect.map(
        sql.unsafe<{ readonly version: unknown; readonly name: unknown; readonly applied_at: unknown }>(
          `SELECT version, name, applied_at FROM ${Migrations.TABLE} WHERE version > 0 ORDER BY version`
        ),
        (rows) => {
          const applied = rows.map((row) => ({
            version: Number(row.version),
            name: String(row.name),
            appliedAt: Number(row.applied_at)
          }))
          return { applied, current: applied[applied.length - 1]?.version ?? 0, latest: Migrations.LATEST_VERSION }
        }
      ).pipe(Effect.orDie)
    })
    const base = Context.make(Writer.Writer, writer).pipe(
      Context.add(StatementRunner.StatementRunner, options.runner ?? StatementRunner.viaClient),
      Context.add(StorageHealth, health),
      Context.add(SchemaStatus, schema),
      Context.add(SqlClient.SqlClient, sql)
    )
    const ports = Layer.mergeAll(
      SqlPaymentLinkRepository.layer,
      SqlMerchants.layer(box),
      SqlTestClocks.layer,
      SqlIdempotencyStore.layer,
      SqlOutbox.layer,
      SqlWebhooks.layer(box),
      SqlInbox.layer
    )
    const built = yield* Layer.build(ports).pipe(Effect.provide(base))
    return Context.merge(base, built)
  })
