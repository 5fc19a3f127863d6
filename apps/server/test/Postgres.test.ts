import { describe } from "@effect/vitest"
import { apiSuite } from "./apiSuite.js"
import { freshPgSchemaUrl, pgUrl, requirePg } from "./helpers.js"

requirePg("apps/server/test/Postgres.test.ts")

describe.skipIf(!pgUrl)("on PostgreSQL", () => {
  apiSuite("PostgreSQL", freshPgSchemaUrl)
})
