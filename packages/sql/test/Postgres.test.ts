import { describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PgStorage from "../src/PgStorage.js"
import { StorageHealth } from "../src/StorageHealth.js"
import { storageContract } from "./contract.js"
import { freshSchemaUrl, requirePg, TEST_MASTER_KEY, withFreshSchema } from "./helpers.js"

const enabled = requirePg("test/Postgres.test.ts")

const fresh = () => withFreshSchema((url) => PgStorage.layer({ url, masterKey: TEST_MASTER_KEY, maxConnections: 4 }))

describe.skipIf(!enabled)("on PostgreSQL", () => {
  storageContract("PostgreSQL", fresh)

  it.live("answers pings", () =>
    Effect.gen(function* () {
      yield* (yield* StorageHealth).ping
    }).pipe(Effect.provide(fresh().pipe(Layer.provide(IdGenerator.layerCrypto))))
  )

  it.live("refuses to start without a master key, with a malformed one, or with another database's", () =>
    Effect.gen(function* () {
      const build = (options: PgStorage.Options) =>
        Effect.flip(
          Layer.build(PgStorage.layer(options).pipe(Layer.provide(IdGenerator.layerCrypto))).pipe(Effect.scoped)
        )
      const url = yield* freshSchemaUrl
      const missing = yield* build({ url })
      expect(missing._tag).toBe("MasterKeyError")
      expect(missing.message).toContain("PAYLINKS_MASTER_KEY")
      const malformed = yield* build({ url, masterKey: "not a key" })
      expect(malformed._tag).toBe("MasterKeyError")
      expect(malformed.message).toContain("exactly 32 bytes")
      yield* Layer.build(
        PgStorage.layer({ url, masterKey: TEST_MASTER_KEY }).pipe(Layer.provide(IdGenerator.layerCrypto))
      ).pipe(Effect.scoped)
      const other = yield* build({ url, masterKey: Buffer.alloc(32, 9).toString("base64") })
      expect(other._tag).toBe("MasterKeyError")
      expect(other.message).toContain("does not match")
    }).pipe(Effect.scoped)
  )

  it.live("an unreachable server is a clear startup error that does not show the password", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Layer.build(
          PgStorage.layer({ url: "postgres://paylinks:hunter2@127.0.0.1:1/paylinks", masterKey: TEST_MASTER_KEY }).pipe(
            Layer.provide(IdGenerator.layerCrypto)
          )
        ).pipe(Effect.scoped)
      )
      expect(error._tag).toBe("StorageUnavailable")
      expect(error.message).toContain("127.0.0.1:1/paylinks")
      expect(error.message).not.toContain("hunter2")
    })
  )
})
