import * as Path from "node:path"
import { describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { freshPgSchemaUrl, pgUrl, requirePg, tempDir } from "./helpers.js"
import { webhookSuite } from "./webhookSuite.js"

webhookSuite(
  "SQLite",
  Effect.sync(() => `sqlite:${Path.join(tempDir(), "paylinks.db")}`)
)

requirePg("apps/server/test/Webhooks.test.ts")

describe.skipIf(!pgUrl)("on PostgreSQL", () => {
  webhookSuite("PostgreSQL", freshPgSchemaUrl)
})
