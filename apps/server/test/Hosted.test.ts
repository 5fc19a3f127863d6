import * as Path from "node:path"
import { describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { freshPgSchemaUrl, pgUrl, requirePg, tempDir } from "./helpers.js"
import { hostedSuite } from "./hostedSuite.js"

hostedSuite(
  "SQLite",
  Effect.sync(() => `sqlite:${Path.join(tempDir(), "paylinks.db")}`)
)

requirePg("apps/server/test/Hosted.test.ts")

describe.skipIf(!pgUrl)("on PostgreSQL", () => {
  hostedSuite("PostgreSQL", freshPgSchemaUrl)
})
