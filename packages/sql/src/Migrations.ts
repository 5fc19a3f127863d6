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
import { webhooksMigration } from "./WebhookMigration.js"

export interface Migration {
  readonly version: number
  readonly name: string
  /** Statements, one per entry; `{{identity}}` is the dialect's auto-incrementing primary key column type. */
  readonly statements: ReadonlyArray<string>
}

/** Where the applied versions are recorded. Version 0 is the bootstrap row every database has. */
export const TABLE = "paylinks_schema_migrations"

const OPEN_STATUSES = "('issued', 'partially_paid')"

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "initial schema",
    statements: [
      `CREATE TABLE storage_meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      )`,
      `CREATE TABLE merchants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE api_keys (
        key_id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL REFERENCES merchants (id),
        mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
        secret_ciphertext TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      )`,
      `CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id, created_at)`,
      `CREATE TABLE customers (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
        name TEXT,
        email TEXT,
        contact TEXT,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE payment_links (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
        status TEXT NOT NULL CHECK (status IN ('issued', 'partially_paid', 'paid', 'cancelled', 'expired')),
        receipt TEXT,
        customer_id TEXT,
        created_at BIGINT NOT NULL,
        expire_by BIGINT NOT NULL,
        short_code TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL,
        data TEXT NOT NULL
      )`,
      // The first list page and the created_at range filter; every other filter has its own prefix.
      `CREATE INDEX payment_links_by_tenant ON payment_links (merchant_id, mode, created_at, id)`,
      `CREATE INDEX payment_links_by_status ON payment_links (merchant_id, mode, status, created_at, id)`,
      `CREATE INDEX payment_links_by_receipt ON payment_links (merchant_id, mode, receipt, created_at, id)`,
      `CREATE INDEX payment_links_by_customer ON payment_links (merchant_id, mode, customer_id, created_at, id)`,
      // The expiry sweep reads open links only, across tenants or within one (test clocks).
      `CREATE INDEX payment_links_due ON payment_links (expire_by) WHERE status IN ${OPEN_STATUSES}`,
      `CREATE INDEX payment_links_due_by_tenant ON payment_links (merchant_id, mode, expire_by)
        WHERE status IN ${OPEN_STATUSES}`,
      `CREATE TABLE link_payments (
        payment_id TEXT PRIMARY KEY,
        link_id TEXT NOT NULL REFERENCES payment_links (id),
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        method TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE INDEX link_payments_by_link ON link_payments (link_id)`,
      `CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        link_id TEXT NOT NULL REFERENCES payment_links (id),
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        receipt TEXT,
        created_at BIGINT NOT NULL
      )`,
      `CREATE INDEX orders_by_link ON orders (link_id)`,
      `CREATE TABLE outbox (
        sequence {{identity}},
        event_id TEXT NOT NULL UNIQUE,
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        link_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        available_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        claimed_until BIGINT,
        delivered_at BIGINT,
        last_error TEXT
      )`,
      `CREATE INDEX outbox_by_link ON outbox (link_id, sequence)`,
      `CREATE INDEX outbox_pending ON outbox (available_at, sequence) WHERE delivered_at IS NULL`,
      `CREATE TABLE idempotency_keys (
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        response_status INTEGER,
        response_body TEXT,
        PRIMARY KEY (merchant_id, mode, idempotency_key)
      )`,
      `CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)`,
      `CREATE TABLE test_clocks (
        merchant_id TEXT PRIMARY KEY,
        offset_seconds BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
        url TEXT NOT NULL,
        secret_ciphertext TEXT NOT NULL,
        events TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        disabled_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (merchant_id, mode, created_at)`,
      `CREATE TABLE webhook_deliveries (
        id {{identity}},
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
        event_id TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        claimed_by TEXT,
        claimed_until BIGINT,
        created_at BIGINT NOT NULL,
        delivered_at BIGINT,
        UNIQUE (endpoint_id, event_id)
      )`,
      `CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
      `CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at)`,
      `CREATE TABLE webhook_attempts (
        id {{identity}},
        delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
        attempted_at BIGINT NOT NULL,
        status_code INTEGER,
        latency_ms INTEGER,
        error TEXT
      )`,
      `CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempted_at)`
    ]
  },
  webhooksMigration,
  {
    version: 3,
    name: "outbox claims in outbox order",
    statements: [
      // A claim takes the oldest claimable entries by sequence. The index on (available_at, sequence) made it
      // gather and sort every pending entry first — milliseconds per claim with a backlog of thousands; walking
      // the pending entries in sequence order stops at the first `limit` claimable ones.
      `CREATE INDEX outbox_pending_in_order ON outbox (sequence) WHERE delivered_at IS NULL`,
      `DROP INDEX outbox_pending`
    ]
  }
]

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
