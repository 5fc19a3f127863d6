import { describe, expect, it } from "@effect/vitest"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Merchants } from "@paylinks/core/Merchants"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Migrations from "../src/Migrations.js"
import * as PgStorage from "../src/PgStorage.js"
import * as SqliteStorage from "../src/SqliteStorage.js"
import { freshSchemaUrl, requirePg, TEST_MASTER_KEY, tempDatabase } from "./helpers.js"

interface Dialect {
  /** A new, empty database; released with the scope. */
  readonly fresh: Effect.Effect<string, never, Scope.Scope>
  readonly client: (target: string) => Layer.Layer<SqlClient.SqlClient>
  readonly storage: (target: string) => ReturnType<typeof SqliteStorage.layer>
}

const versions = (target: string, dialect: Dialect) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly version: unknown; readonly name: string }>`
      SELECT version, name FROM ${sql(Migrations.TABLE)} ORDER BY version`
    return rows.map((row) => [Number(row.version), row.name])
  }).pipe(Effect.provide(dialect.client(target)), Effect.orDie)

const start = (target: string, dialect: Dialect) =>
  Layer.build(dialect.storage(target).pipe(Layer.provide(IdGenerator.layerCrypto))).pipe(Effect.scoped)

const migrationSuite = (name: string, dialect: Dialect) =>
  describe(`migrations on ${name}`, () => {
    it.live("a fresh database is brought to the latest version, with every table", () =>
      Effect.gen(function* () {
        const target = yield* dialect.fresh
        yield* start(target, dialect)
        expect(yield* versions(target, dialect)).toEqual([
          [0, "bootstrap"],
          ...Migrations.migrations.map((migration) => [migration.version, migration.name])
        ])
        const sql = dialect.client(target)
        for (const table of [
          "merchants",
          "api_keys",
          "customers",
          "payment_links",
          "link_payments",
          "orders",
          "outbox",
          "idempotency_keys",
          "test_clocks",
          "webhook_endpoints",
          "webhook_deliveries",
          "webhook_attempts"
        ]) {
          const rows = yield* Effect.provide(
            Effect.flatMap(SqlClient.SqlClient, (client) =>
              client.unsafe<{ readonly n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)
            ),
            sql
          ).pipe(Effect.orDie)
          expect(Number(rows[0]!.n)).toBe(0)
        }
      }).pipe(Effect.scoped)
    )

    it.live("running again is a no-op that keeps the data", () =>
      Effect.gen(function* () {
        const target = yield* dialect.fresh
        const merchant = yield* Effect.gen(function* () {
          return yield* (yield* Merchants).create("Kept")
        }).pipe(Effect.provide(dialect.storage(target).pipe(Layer.provide(IdGenerator.layerCrypto))))
        const before = yield* versions(target, dialect)
        const report = yield* Migrations.run().pipe(Effect.provide(dialect.client(target)), Effect.orDie)
        expect(report).toEqual({ from: Migrations.LATEST_VERSION, to: Migrations.LATEST_VERSION, applied: [] })
        yield* start(target, dialect)
        expect(yield* versions(target, dialect)).toEqual(before)
        const found = yield* Effect.gen(function* () {
          return yield* (yield* Merchants).find(merchant.id)
        }).pipe(Effect.provide(dialect.storage(target).pipe(Layer.provide(IdGenerator.layerCrypto))))
        expect(found._tag).toBe("Some")
      }).pipe(Effect.scoped)
    )

    it.live("a later build applies only the versions the database lacks, in order", () =>
      Effect.gen(function* () {
        const target = yield* dialect.fresh
        const next: Migrations.Migration = {
          version: Migrations.LATEST_VERSION + 1,
          name: "a later column",
          statements: ["ALTER TABLE merchants ADD COLUMN country TEXT"]
        }
        const run = (list: ReadonlyArray<Migrations.Migration>) =>
          Migrations.run(list).pipe(Effect.provide(dialect.client(target)), Effect.orDie)
        expect(yield* run(Migrations.migrations)).toEqual({
          from: 0,
          to: Migrations.LATEST_VERSION,
          applied: Migrations.migrations.map((migration) => migration.version)
        })
        expect(yield* run([...Migrations.migrations, next])).toEqual({
          from: Migrations.LATEST_VERSION,
          to: next.version,
          applied: [next.version]
        })
        expect(yield* run([...Migrations.migrations, next])).toEqual({
          from: next.version,
          to: next.version,
          applied: []
        })
      }).pipe(Effect.scoped)
    )

    it.live("a database migrated by a newer paylinks makes this one refuse to start, naming both versions", () =>
      Effect.gen(function* () {
        const target = yield* dialect.fresh
        yield* start(target, dialect)
        const future = Migrations.LATEST_VERSION + 1
        yield* Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql`INSERT INTO ${sql(Migrations.TABLE)} (version, name, applied_at) VALUES (${future}, 'from the future', 0)`
        ).pipe(Effect.provide(dialect.client(target)), Effect.orDie)
        const error = yield* Effect.flip(start(target, dialect))
        expect(error._tag).toBe("SchemaTooNew")
        expect(error.message).toContain(`at version ${future}`)
        expect(error.message).toContain(`versions up to ${Migrations.LATEST_VERSION}`)
        expect(error.message).toContain("newer paylinks")
        // Nothing was written by the refused start.
        expect((yield* versions(target, dialect)).map(([version]) => version)).toEqual([
          0,
          ...Migrations.migrations.map((migration) => migration.version),
          future
        ])
      }).pipe(Effect.scoped)
    )

    it.live("several servers starting together on a fresh database apply each version once", () =>
      Effect.gen(function* () {
        const target = yield* dialect.fresh
        yield* Effect.all(
          Array.from({ length: 4 }, () => start(target, dialect)),
          { concurrency: "unbounded" }
        )
        expect(yield* versions(target, dialect)).toEqual([
          [0, "bootstrap"],
          ...Migrations.migrations.map((migration) => [migration.version, migration.name])
        ])
      }).pipe(Effect.scoped)
    )
  })

migrationSuite("SQLite", {
  fresh: Effect.sync(tempDatabase),
  client: (filename) => Layer.orDie(SqliteClient.layer({ filename })),
  storage: (filename) => SqliteStorage.layer({ filename })
})

if (requirePg("test/Migrations.test.ts"))
  migrationSuite("PostgreSQL", {
    fresh: freshSchemaUrl,
    client: (url) =>
      Layer.orDie(
        Layer.scoped(
          SqlClient.SqlClient,
          PgClient.make({ url: Redacted.make(url), maxConnections: 2 }).pipe(Effect.provide(Reactivity.layer))
        )
      ),
    storage: (url) => PgStorage.layer({ url, masterKey: TEST_MASTER_KEY })
  })
