import { describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Merchants } from "@paylinks/core/Merchants"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Storage from "../src/Storage.js"
import { StorageHealth } from "../src/StorageHealth.js"
import { freshSchemaUrl, requirePg, TEST_MASTER_KEY, tempDatabase } from "./helpers.js"

const build = (url: string, options: Storage.Options = {}) =>
  Layer.build(Storage.layerFromUrl(url, options).pipe(Layer.provide(IdGenerator.layerCrypto))).pipe(Effect.scoped)

describe("Storage.layerFromUrl", () => {
  it("reads sqlite: and postgres:// URLs", () => {
    expect(Storage.parseUrl("sqlite:./paylinks.db")).toEqual({ _tag: "Sqlite", filename: "./paylinks.db" })
    expect(Storage.parseUrl("sqlite:/var/lib/paylinks/db.sqlite")).toEqual({
      _tag: "Sqlite",
      filename: "/var/lib/paylinks/db.sqlite"
    })
    expect(Storage.parseUrl("sqlite://data/paylinks.db")).toEqual({ _tag: "Sqlite", filename: "data/paylinks.db" })
    expect(Storage.parseUrl("sqlite::memory:")).toEqual({ _tag: "Sqlite", filename: ":memory:" })
    expect(Storage.parseUrl("postgres://u:p@db:5432/paylinks")).toEqual({
      _tag: "Postgres",
      url: "postgres://u:p@db:5432/paylinks"
    })
    expect(Storage.parseUrl("postgresql://db/paylinks")).toEqual({ _tag: "Postgres", url: "postgresql://db/paylinks" })
  })

  it.effect("refuses anything else with a message naming the accepted forms, never echoing the URL", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(build("mysql://root:hunter2@db/paylinks"))
      expect(error._tag).toBe("InvalidDatabaseUrl")
      expect(error.message).toContain('"mysql:"')
      expect(error.message).toContain("sqlite:<file>")
      expect(error.message).toContain("postgres://")
      expect(error.message).not.toContain("hunter2")
      expect((yield* Effect.flip(build("sqlite:")))._tag).toBe("InvalidDatabaseUrl")
      expect((yield* Effect.flip(build("paylinks.db")))._tag).toBe("InvalidDatabaseUrl")
    })
  )

  it.live("sqlite:<file> opens SQLite, creating the file and its directory", () =>
    Effect.gen(function* () {
      const filename = `${tempDatabase().replace(/paylinks\.db$/, "")}nested/dir/paylinks.db`
      const merchant = yield* Effect.gen(function* () {
        yield* (yield* StorageHealth).ping
        return yield* (yield* Merchants).create("From URL")
      }).pipe(Effect.provide(Storage.layerFromUrl(`sqlite:${filename}`).pipe(Layer.provide(IdGenerator.layerCrypto))))
      const found = yield* Effect.gen(function* () {
        return yield* (yield* Merchants).find(merchant.id)
      }).pipe(Effect.provide(Storage.layerFromUrl(`sqlite:${filename}`).pipe(Layer.provide(IdGenerator.layerCrypto))))
      expect(found._tag).toBe("Some")
    })
  )

  it.live("postgres:// without a master key is refused before connecting", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(build("postgres://paylinks@127.0.0.1:1/paylinks"))
      expect(error._tag).toBe("MasterKeyError")
    })
  )

  it.live.skipIf(!requirePg("test/Storage.test.ts"))("postgres:// with a master key opens PostgreSQL", () =>
    Effect.gen(function* () {
      const url = yield* freshSchemaUrl
      yield* Effect.gen(function* () {
        yield* (yield* StorageHealth).ping
      }).pipe(
        Effect.provide(
          Storage.layerFromUrl(url, { masterKey: TEST_MASTER_KEY, maxConnections: 2 }).pipe(
            Layer.provide(IdGenerator.layerCrypto)
          )
        )
      )
    }).pipe(Effect.scoped)
  )
})
