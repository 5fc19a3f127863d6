import { describe, expect, it } from "@effect/vitest"
import { sign } from "../src/Signature.js"

describe("signature", () => {
  it("the signature is the lowercase hex HMAC-SHA256 of the exact body", () => {
    // RFC 4231 test case 2.
    expect(sign("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
  })
})
