import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ENTITY_TYPES } from "@paylinks/testing/EntityShape"
import * as Effect from "effect/Effect"
import { apiSuite, expectEntityShape } from "./apiSuite.js"
import { tempDir } from "./helpers.js"

apiSuite(
  "SQLite",
  Effect.sync(() => `sqlite:${Path.join(tempDir(), "paylinks.db")}`)
)

describe("the suite's shape check", () => {
  it("fails on a missing, misplaced or mistyped key", () => {
    const valid = {
      ...Object.fromEntries(ENTITY_TYPES.map(([key, types]) => [key, types.includes("null") ? null : 0])),
      id: "inv_00000000000000",
      entity: "invoice",
      order_id: "order_00000000000000",
      customer_details: {},
      line_items: []
    }
    expect(() => expectEntityShape({ ...valid, id: undefined }, "missing")).toThrow()
    const { id, ...rest } = valid
    expect(() => expectEntityShape({ ...rest, id }, "misplaced")).toThrow()
    expect(() => expectEntityShape({ ...valid, amount: "1000" }, "mistyped")).toThrow()
  })
})
