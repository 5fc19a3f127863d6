import { describe, expect, it } from "@effect/vitest"
import * as AuthRateLimit from "../src/AuthRateLimit.js"

/** A limiter on a clock the test moves. */
const limiterAt = (settings: AuthRateLimit.Settings) => {
  const clock = { ms: 0 }
  return { limiter: AuthRateLimit.make(settings, () => clock.ms), clock }
}

describe("AuthRateLimit", () => {
  it("lets an address fail `failures` times, then blocks it until a token comes back", () => {
    const { limiter, clock } = limiterAt({ failures: 3, perSeconds: 30 })
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor("10.0.0.1", "rzp_test_a")).toBeUndefined()
      limiter.failed("10.0.0.1", "rzp_test_a")
    }
    // One token every 10 s.
    expect(limiter.blockedFor("10.0.0.1", "rzp_test_a")).toBe(10)
    expect(limiter.blockedFor("10.0.0.1", undefined)).toBe(10)
    clock.ms = 4_000
    expect(limiter.blockedFor("10.0.0.1", undefined)).toBe(6)
    clock.ms = 10_000
    expect(limiter.blockedFor("10.0.0.1", undefined)).toBeUndefined()
    limiter.failed("10.0.0.1", undefined)
    expect(limiter.blockedFor("10.0.0.1", undefined)).toBe(10)
  })

  it("never blocks an address for another's failures", () => {
    const { limiter } = limiterAt({ failures: 2, perSeconds: 60 })
    for (let i = 0; i < 5; i++) limiter.failed("10.0.0.1", undefined)
    expect(limiter.blockedFor("10.0.0.1", undefined)).toBeDefined()
    expect(limiter.blockedFor("10.0.0.2", undefined)).toBeUndefined()
  })

  it("a key id guessed at from many addresses blocks those that failed, not its owner", () => {
    const { limiter } = limiterAt({ failures: 3, perSeconds: 60 })
    for (let i = 0; i < 3; i++) limiter.failed(`10.0.1.${i}`, "rzp_test_victim")
    // The guessers (one failure each, far from their own limit) are refused on that key id...
    expect(limiter.blockedFor("10.0.1.0", "rzp_test_victim")).toBeDefined()
    // ...but not on another one, and the owner, who never failed, is not refused at all.
    expect(limiter.blockedFor("10.0.1.0", "rzp_test_other")).toBeUndefined()
    expect(limiter.blockedFor("192.168.7.7", "rzp_test_victim")).toBeUndefined()
  })

  it("stays within maxTracked entries, dropping idle buckets first", () => {
    const { limiter, clock } = limiterAt({ failures: 2, perSeconds: 2, maxTracked: 3 })
    limiter.failed("a", undefined)
    limiter.failed("a", undefined)
    clock.ms = 5_000
    // "a" is full again by now; "b".."d" are fresh failures and push it out, not each other.
    limiter.failed("b", undefined)
    limiter.failed("b", undefined)
    limiter.failed("c", undefined)
    limiter.failed("c", undefined)
    limiter.failed("d", undefined)
    limiter.failed("d", undefined)
    expect(limiter.blockedFor("b", undefined)).toBeDefined()
    expect(limiter.blockedFor("c", undefined)).toBeDefined()
    expect(limiter.blockedFor("d", undefined)).toBeDefined()
    // Past the bound with active buckets only, the oldest goes.
    limiter.failed("e", undefined)
    limiter.failed("e", undefined)
    expect(limiter.blockedFor("b", undefined)).toBeUndefined()
    expect(limiter.blockedFor("e", undefined)).toBeDefined()
  })

  it("parses <failures>/<seconds> and off", () => {
    expect(AuthRateLimit.parse("20/60")).toEqual({ failures: 20, perSeconds: 60 })
    expect(AuthRateLimit.parse(" OFF ")).toBe("off")
    for (const bad of ["", "20", "0/60", "20/0", "-1/60", "1.5/60", "20/60s", "20 / 60"])
      expect(AuthRateLimit.parse(bad), bad).toBeUndefined()
  })
})
