/**
 * The TestClocks port on @effect/sql: one persisted offset per merchant's test mode; live mode always
 * runs on real time.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { MerchantId } from "@paylinks/core/Ids"
import * as Tenant from "@paylinks/core/Tenant"
import { TestClocks, type TestClocksShape } from "@paylinks/core/TestClocks"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { toInt, unixSeconds } from "./internal/codec.js"
import { StatementRunner } from "./StatementRunner.js"
import { Writer } from "./Writer.js"

export const make: Effect.Effect<TestClocksShape, never, SqlClient.SqlClient | Writer | StatementRunner> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient
    const writer = yield* Writer
    const { query } = yield* StatementRunner

    // Read on every test-mode request, never cached: another process sharing the database may have advanced it.
    const offset: TestClocksShape["offset"] = (tenant) =>
      tenant.mode === "live"
        ? Effect.succeed(0)
        : query(
            sql<{ readonly offset_seconds: unknown }>`SELECT offset_seconds FROM test_clocks
          WHERE merchant_id = ${tenant.merchantId}`,
            (found) => (found.length === 0 ? 0 : toInt(found[0]!.offset_seconds))
          )

    const advance: TestClocksShape["advance"] = (tenant, seconds) =>
      Effect.gen(function* () {
        if (tenant.mode === "live") return 0
        const by = Math.max(0, Math.floor(seconds))
        const at = unixSeconds(yield* Clock.currentTimeMillis)
        // One upsert, so concurrent advances add up instead of overwriting each other.
        const rows = yield* writer.write(
          Effect.orDie(sql<{
            readonly offset_seconds: unknown
          }>`INSERT INTO test_clocks (merchant_id, offset_seconds, updated_at)
          VALUES (${tenant.merchantId}, ${by}, ${at})
          ON CONFLICT (merchant_id) DO UPDATE SET
            offset_seconds = test_clocks.offset_seconds + excluded.offset_seconds,
            updated_at = excluded.updated_at
          RETURNING offset_seconds`)
        )
        return toInt(rows[0]!.offset_seconds)
      })

    // A handful of rows (one per merchant that ever advanced its clock): no index needed.
    const listAdvanced: TestClocksShape["listAdvanced"] = sql<{
      readonly merchant_id: string
      readonly offset_seconds: unknown
    }>`SELECT merchant_id, offset_seconds FROM test_clocks WHERE offset_seconds > 0 ORDER BY merchant_id`.pipe(
      Effect.map((rows) =>
        rows.map((row) => ({
          tenant: Tenant.make(MerchantId.make(row.merchant_id, { disableValidation: true }), "test"),
          offset: toInt(row.offset_seconds)
        }))
      ),
      Effect.orDie
    )

    return { offset, advance, listAdvanced }
  }
)

export const layer: Layer.Layer<TestClocks, never, SqlClient.SqlClient | Writer | StatementRunner> = Layer.effect(
  TestClocks,
  make
)
