import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as ExpirySweep from "../src/ExpirySweep.js"
import * as IdGenerator from "../src/IdGenerator.js"
import { PaymentLinkId } from "../src/Ids.js"
import * as InMemory from "../src/InMemory.js"
import { Merchants } from "../src/Merchants.js"
import * as PaymentGateway from "../src/PaymentGateway.js"
import { PaymentLinkRepository } from "../src/PaymentLinkRepository.js"
import * as PaymentLinks from "../src/PaymentLinks.js"
import type * as Tenant from "../src/Tenant.js"
import { TestClocks } from "../src/TestClocks.js"
import * as Validation from "../src/Validation.js"

const TestLayer = PaymentLinks.layer.pipe(
  Layer.provideMerge(InMemory.layer),
  Layer.provideMerge(PaymentLinks.linkSettings("http://localhost:4010")),
  Layer.provideMerge(IdGenerator.layerSequential)
)

const T0 = 1_700_000_000
const HOUR = 3600
const DAY = 86_400

const setup = Effect.gen(function* () {
  yield* TestClock.adjust(`${T0} seconds`)
  const merchants = yield* Merchants
  yield* merchants.seedKey("rzp_test_sweepA1", "secret-a", "Acme")
  yield* merchants.seedKey("rzp_test_sweepB1", "secret-b", "Bolt")
  return {
    links: yield* PaymentLinks.PaymentLinks,
    a: yield* merchants.authenticate("rzp_test_sweepA1", "secret-a"),
    b: yield* merchants.authenticate("rzp_test_sweepB1", "secret-b")
  }
})

const expiredEvents = (tenant: Tenant.Tenant, id: string) =>
  Effect.gen(function* () {
    const repository = yield* PaymentLinkRepository
    const events = yield* repository.eventsOf(tenant, PaymentLinkId.make(id))
    return events.filter((row) => row.event._tag === "LinkExpired").length
  })

describe("ExpirySweep", () => {
  it.effect("a tick expires at most maxPerTick links; the rest wait for the next tick", () =>
    Effect.gen(function* () {
      const { links, a } = yield* setup
      const created = []
      for (let i = 0; i < 7; i++)
        created.push(yield* links.create(a, { type: "link", amount: 100, expire_by: T0 + HOUR + i }))
      yield* TestClock.adjust(`${DAY} seconds`)
      expect(yield* ExpirySweep.tick({ batchSize: 2, maxPerTick: 5 })).toBe(5)
      expect(yield* ExpirySweep.tick({ batchSize: 2, maxPerTick: 5 })).toBe(2)
      expect(yield* ExpirySweep.tick({ batchSize: 2, maxPerTick: 5 })).toBe(0)
      for (const link of created) expect(yield* expiredEvents(a.tenant, link.id)).toBe(1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a tenant whose test clock runs ahead is swept on its own clock, before real time gets there", () =>
    Effect.gen(function* () {
      const { links, a, b } = yield* setup
      // The clock moves first; these links are created on the advanced clock and come due later.
      yield* links.advanceTestClock(a.tenant, DAY)
      const ahead = yield* links.create(a, { type: "link", amount: 100, expire_by: T0 + DAY + HOUR })
      const other = yield* links.create(b, { type: "link", amount: 100, expire_by: T0 + HOUR })
      const clocks = yield* TestClocks
      expect((yield* clocks.listAdvanced).map((clock) => clock.tenant.merchantId)).toEqual([a.tenant.merchantId])

      // Real time T0 + 2h: merchant A's clock reads T0 + 1d + 2h, past `ahead`'s expire_by; B's link too.
      yield* TestClock.adjust(`${2 * HOUR} seconds`)
      expect(yield* ExpirySweep.tick()).toBe(2)
      expect(yield* expiredEvents(a.tenant, ahead.id)).toBe(1)
      expect(yield* expiredEvents(b.tenant, other.id)).toBe(1)
      expect(yield* ExpirySweep.tick()).toBe(0)
      expect(yield* expiredEvents(a.tenant, ahead.id)).toBe(1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a link due on real time but not on another tenant's clock is left alone", () =>
    Effect.gen(function* () {
      const { links, a, b } = yield* setup
      yield* links.advanceTestClock(a.tenant, HOUR)
      const notDue = yield* links.create(b, { type: "link", amount: 100, expire_by: T0 + 2 * HOUR })
      yield* TestClock.adjust(`${HOUR + 60} seconds`)
      expect(yield* ExpirySweep.tick()).toBe(0)
      expect((yield* links.get(b.tenant, notDue.id)).status).toBe("issued")
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("validateClockAdvance", () => {
  const problems = (input: Record<string, unknown>) =>
    Either.match(Validation.validateClockAdvance(input), {
      onLeft: (error) => error.problems.map((problem) => [problem.field, problem.description]),
      onRight: (seconds) => seconds
    })

  it("accepts whole seconds, forward only, and names every problem", () => {
    expect(problems({ advance_by: 3600 })).toBe(3600)
    expect(problems({ advance_by: 0 })).toBe(0)
    expect(problems({})).toEqual([["advance_by", "The advance_by field is required."]])
    expect(problems({ advance_by: "60" })).toEqual([["advance_by", "The advance_by must be an integer."]])
    expect(problems({ advance_by: 1.5 })).toEqual([["advance_by", "The advance_by must be an integer."]])
    expect(problems({ advance_by: -1 })).toEqual([["advance_by", "The advance_by must be at least 0."]])
    expect(problems({ advance_by: Validation.MAX_CLOCK_ADVANCE_SECONDS + 1 })).toEqual([
      ["advance_by", `The advance_by may not be greater than ${Validation.MAX_CLOCK_ADVANCE_SECONDS}.`]
    ])
    expect(problems({ advance_by: 1, at: 2 })).toEqual([["at", "at is/are not required and should not be sent"]])
  })
})

describe("PaymentGateway.none", () => {
  it.effect("is not configured and refuses every checkout with the text the hosted page shows", () =>
    Effect.gen(function* () {
      const gateway = yield* PaymentGateway.PaymentGateway
      expect(gateway.configured).toBe(false)
      const { links, a } = yield* setup
      const link = yield* links.create(a, { type: "link", amount: 100 })
      const refused = yield* Effect.flip(
        gateway.checkout(link, { amount: link.amountDue, method: "card", returnUrl: link.shortUrl })
      )
      expect(refused.message).toBe(PaymentGateway.NOT_CONFIGURED)
    }).pipe(Effect.provide(Layer.merge(TestLayer, PaymentGateway.layerNone)))
  )
})
