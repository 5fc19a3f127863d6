import { describe, expect, it } from "@effect/vitest"
import * as Backoff from "../src/Backoff.js"

const policy = Backoff.defaultPolicy

describe("backoff", () => {
  it("doubles from 10 s per failed attempt up to the one-hour cap", () => {
    expect([1, 2, 3, 4, 5, 9, 10, 40].map((attempt) => Backoff.nominalSeconds(policy, attempt))).toEqual([
      10, 20, 40, 80, 160, 2560, 3600, 3600
    ])
  })

  it("jitter stays within the upper half of the nominal delay", () => {
    for (const attempt of [1, 2, 6, 12]) {
      const nominal = Backoff.nominalSeconds(policy, attempt)
      expect(Backoff.delaySeconds(policy, attempt, 0)).toBe(nominal / 2)
      expect(Backoff.delaySeconds(policy, attempt, 0.999999)).toBe(nominal)
      const middle = Backoff.delaySeconds(policy, attempt, 0.5)
      expect(middle).toBeGreaterThan(nominal / 2)
      expect(middle).toBeLessThan(nominal)
    }
  })

  it("retrying for 24 hours takes a bounded number of attempts", () => {
    let elapsed = 0
    let attempts = 0
    while (elapsed < 86_400) {
      attempts++
      elapsed += Backoff.delaySeconds(policy, attempts, 0.5)
    }
    // About nine doublings up to the cap, then one attempt every 30–60 minutes.
    expect(attempts).toBeGreaterThan(30)
    expect(attempts).toBeLessThan(45)
  })

  it("a delay after time already spent grows with it, between the base and the cap", () => {
    expect(Backoff.delayAfterSeconds(policy, 0, 0)).toBe(5)
    expect(Backoff.delayAfterSeconds(policy, 600, 0)).toBe(300)
    expect(Backoff.delayAfterSeconds(policy, 50_000, 0.999999)).toBe(3600)
  })
})
