import { describe, expect, it } from "@effect/vitest"
import { ENTITY_KEYS, jsonType } from "../src/EntityShape.js"

describe("the invoice entity table", () => {
  it("names each of the 43 keys once, in the table's order", () => {
    expect(ENTITY_KEYS).toHaveLength(43)
    expect(new Set(ENTITY_KEYS).size).toBe(ENTITY_KEYS.length)
    expect(ENTITY_KEYS.slice(0, 3)).toEqual(["id", "entity", "receipt"])
    expect(ENTITY_KEYS.at(-1)).toBe("idempotency_key")
  })
})

describe("jsonType", () => {
  it("tells integers from fractions, arrays and null from objects", () => {
    expect([1000, 0, -5, 1.5, Number.NaN].map(jsonType)).toEqual(["integer", "integer", "integer", "number", "number"])
    expect([null, [], {}, "1000", true, undefined].map(jsonType)).toEqual([
      "null",
      "array",
      "object",
      "string",
      "boolean",
      "undefined"
    ])
  })
})
