import * as Fs from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { IdempotencyStore, RETENTION_SECONDS } from "@paylinks/core/IdempotencyStore"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type { MerchantId } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as Tenant from "@paylinks/core/Tenant"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as SqliteStorage from "../src/SqliteStorage.js"
import { StorageHealth } from "../src/StorageHealth.js"
import { storageContract } from "./contract.js"
import { sqliteWithInternals, tempDatabase } from "./helpers.js"

storageContract("SQLite", () => SqliteStorage.layer({ filename: tempDatabase() }))

const open = (filename: string, masterKey?: string) =>
  sqliteWithInternals({ filename, masterKey }).pipe(Layer.provideMerge(IdGenerator.layerCrypto))

describe("SQLite storage", () => {
  it.effect("runs in WAL with foreign keys, a short busy timeout and synchronous=FULL; answers pings", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const pragma = (name: string) => Effect.map(sql.unsafe(`PRAGMA ${name}`), (rows) => Object.values(rows[0]!)[0])
      expect(yield* pragma("journal_mode")).toBe("wal")
      expect(yield* pragma("foreign_keys")).toBe(1)
      expect(yield* pragma("synchronous")).toBe(2)
      expect(yield* pragma("busy_timeout")).toBe(SqliteStorage.BUSY_TIMEOUT_MS)
      yield* (yield* StorageHealth).ping
    }).pipe(Effect.provide(open(tempDatabase())))
  )

  it.live("keeps key secrets encrypted: the plaintext is nowhere in the database, WAL or shm files", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      const secrets = yield* Effect.gen(function* () {
        const merchants = yield* Merchants
        const seeded = yield* merchants.seedKey("rzp_test_PlainTextProbe1", "sEeDeD-sEcReT-0123456789-probe", "Probe")
        const issued = yield* merchants.issueKey(seeded.merchant.id, "live")
        yield* merchants.authenticate(issued.key.keyId, issued.secret)
        return { keyId: issued.key.keyId, secret: issued.secret }
      }).pipe(Effect.provide(open(filename)))
      // Read the files as the layer left them (closed, but the WAL may still hold the pages).
      const files = [filename, `${filename}-wal`, `${filename}-shm`].filter((file) => Fs.existsSync(file))
      const bytes = Buffer.concat(files.map((file) => Fs.readFileSync(file)))
      // The probe works: what is stored in clear (the key ids) is found.
      expect(bytes.includes("rzp_test_PlainTextProbe1")).toBe(true)
      expect(bytes.includes(secrets.keyId)).toBe(true)
      expect(bytes.includes("sEeDeD-sEcReT-0123456789-probe")).toBe(false)
      expect(bytes.includes(secrets.secret)).toBe(false)
      // The key file is the owner's only, and reopening with it decrypts the secrets.
      expect(Fs.statSync(SqliteStorage.keyFileOf(filename)).mode & 0o777).toBe(0o600)
      const again = yield* Effect.gen(function* () {
        const merchants = yield* Merchants
        return yield* merchants.authenticate(secrets.keyId, secrets.secret)
      }).pipe(Effect.provide(open(filename)))
      expect(again.keyId).toBe(secrets.keyId)
    })
  )

  it.live("creates the database, its WAL and its shm 0600 (like the key file) whatever the umask allows", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      // The umask most systems run with: without care, SQLite would create all three 0644.
      const umask = process.umask(0o022)
      try {
        yield* Effect.gen(function* () {
          yield* (yield* Merchants).seedKey("rzp_test_FileModeProbe01", "file-mode-secret", "Modes")
          for (const file of [filename, `${filename}-wal`, `${filename}-shm`])
            expect([file, Fs.statSync(file).mode & 0o777]).toEqual([file, 0o600])
        }).pipe(Effect.provide(open(filename)))
        expect(Fs.statSync(SqliteStorage.keyFileOf(filename)).mode & 0o777).toBe(0o600)
      } finally {
        process.umask(umask)
      }
    })
  )

  it.live("leaves an existing database's mode alone, and warns when others can read it", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      yield* Effect.provide(Effect.void, open(filename))
      Fs.chmodSync(filename, 0o644)
      const warnings: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ logLevel, message }) => {
          if (logLevel._tag === "Warning") warnings.push(String(Array.isArray(message) ? message.join(" ") : message))
        })
      )
      yield* Effect.provide(Effect.void, open(filename).pipe(Layer.provide(capture)))
      expect(Fs.statSync(filename).mode & 0o777).toBe(0o644)
      expect(warnings).toEqual([
        `the SQLite database ${filename} is readable by other users (mode 0644); it holds customer data: chmod 600 it, with its -wal and -shm files`
      ])
      // A private file is opened without a word.
      Fs.chmodSync(filename, 0o600)
      warnings.length = 0
      yield* Effect.provide(Effect.void, open(filename).pipe(Layer.provide(capture)))
      expect(warnings).toEqual([])
    })
  )

  it.live("refuses to start with a master key other than the database's", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      yield* Effect.provide(Effect.void, open(filename))
      const error = yield* Effect.flip(
        Layer.build(open(filename, Buffer.alloc(32, 1).toString("base64"))).pipe(Effect.scoped)
      )
      expect(error._tag).toBe("MasterKeyError")
      expect(error.message).toContain("master key does not match")
      const malformed = yield* Effect.flip(Layer.build(open(filename, "c2hvcnQ=")).pipe(Effect.scoped))
      expect(malformed._tag).toBe("MasterKeyError")
      expect(malformed.message).toContain("exactly 32 bytes")
    })
  )

  it.live("a file that is not a database is a clear startup error", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      Fs.writeFileSync(filename, "this is not a database ".repeat(100))
      const error = yield* Effect.flip(Layer.build(open(filename)).pipe(Effect.scoped))
      expect(error._tag).toBe("StorageUnavailable")
      expect(error.message).toContain(filename)
    })
  )

  it.live("works on :memory: without a key file", () =>
    Effect.gen(function* () {
      const links = yield* PaymentLinks.PaymentLinks
      const merchants = yield* Merchants
      yield* merchants.seedKey("rzp_test_memory1", "s", "Memory")
      const principal = yield* merchants.authenticate("rzp_test_memory1", "s")
      const link = yield* links.create(principal, { type: "link", amount: 100 })
      expect((yield* links.get(principal.tenant, link.id)).id).toBe(link.id)
    }).pipe(
      Effect.provide(
        PaymentLinks.layer.pipe(
          Layer.provideMerge(open(":memory:")),
          Layer.provideMerge(PaymentLinks.linkSettings("http://localhost"))
        )
      )
    )
  )
})

describe("idempotency records on SQLite", () => {
  it.live("expired records are purged as claims go on; live ones stay", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const store = yield* IdempotencyStore
      const tenant = Tenant.make("acc_00000000000001" as MerchantId, "test")
      const t0 = 1_700_000_000
      yield* store.begin(tenant, "old", "h", t0)
      const later = t0 + RETENTION_SECONDS + 10
      yield* store.begin(tenant, "recent", "h", later - 100)
      yield* Effect.all(
        Array.from({ length: 1000 }, (_, i) => store.begin(tenant, `k-${i}`, "h", later)),
        { concurrency: 50 }
      )
      const keys = yield* sql<{ readonly idempotency_key: string }>`SELECT idempotency_key FROM idempotency_keys`
      const names = new Set(keys.map((row) => row.idempotency_key))
      expect(names.has("old")).toBe(false)
      expect(names.has("recent")).toBe(true)
      expect(names.size).toBe(1001)
    }).pipe(Effect.provide(open(tempDatabase())))
  )
})
