import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { MerchantId } from "@paylinks/core/Ids"
import { WebhookEndpoint, WebhookEndpoints } from "@paylinks/core/WebhookEndpoints"
import * as SqliteStorage from "@paylinks/sql/SqliteStorage"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { freshPgSchema, inMemoryStorage, pgStorage, requirePg, sqliteStorage, tempDatabase } from "./helpers.js"
import { storageContract } from "./storageContract.js"

storageContract("in-memory", inMemoryStorage)
storageContract("SQLite", () => sqliteStorage())
if (requirePg("packages/webhooks/test/StorageContract.test.ts"))
  storageContract("PostgreSQL", () => Layer.unwrapScoped(Effect.map(freshPgSchema, pgStorage)))

describe("SQLite at rest", () => {
  it.scoped("an endpoint's secret is stored sealed, never in plaintext", () =>
    Effect.gen(function* () {
      const endpoints = yield* WebhookEndpoints
      yield* endpoints.create(
        new WebhookEndpoint({
          id: "wh_00000000000001",
          merchantId: MerchantId.make("acc_AAAAAAAAAAAAAA"),
          mode: "test",
          url: "https://hooks.example/",
          secret: "whsec_plaintext_must_not_appear",
          events: ["invoice.paid"],
          enabled: true,
          disabledAt: null,
          disabledReason: null,
          createdAt: 0,
          updatedAt: 0
        })
      )
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ readonly secret_ciphertext: string }>`SELECT secret_ciphertext FROM webhook_endpoints`
      expect(rows).toHaveLength(1)
      expect(rows[0]!.secret_ciphertext).toMatch(/^v1:/)
      expect(rows[0]!.secret_ciphertext).not.toContain("plaintext")
    }).pipe(
      // Built from `make`, whose context names the connection the ports run on (the public layer leaves it out).
      Effect.provide(
        Layer.scopedContext(SqliteStorage.make({ filename: tempDatabase() })).pipe(
          Layer.provide(IdGenerator.layerCrypto)
        )
      )
    )
  )
})
