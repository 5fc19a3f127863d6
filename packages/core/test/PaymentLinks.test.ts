import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as IdGenerator from "../src/IdGenerator.js"
import * as InMemory from "../src/InMemory.js"
import { Merchants } from "../src/Merchants.js"
import * as PaymentLinks from "../src/PaymentLinks.js"

const TestLayer = PaymentLinks.layer.pipe(
  Layer.provideMerge(InMemory.layer),
  Layer.provideMerge(PaymentLinks.linkSettings("http://localhost:4010")),
  Layer.provideMerge(IdGenerator.layerSequential)
)

const DAY = 86_400

const setup = Effect.gen(function* () {
  yield* TestClock.adjust(`${1_700_000_000} seconds`)
  const merchants = yield* Merchants
  const { merchant } = yield* merchants.seedKey("rzp_test_abc123", "secret", "Acme")
  const principal = yield* merchants.authenticate("rzp_test_abc123", "secret")
  return { merchant, principal, links: yield* PaymentLinks.PaymentLinks }
})

describe("PaymentLinks use-cases (in-memory)", () => {
  it.effect("create → cancel → cancel again is refused and changes nothing", () =>
    Effect.gen(function* () {
      const { principal, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 29995, description: "Shoes" })
      expect(link.status).toBe("issued")
      expect(link.issuedAt).toBe(1_700_000_000)
      expect(link.amountDue).toBe(29995)
      const cancelled = yield* links.cancel(principal.tenant, link.id)
      expect(cancelled.status).toBe("cancelled")
      expect(cancelled.cancelledAt).toBe(1_700_000_000)
      const again = yield* Effect.flip(links.cancel(principal.tenant, link.id))
      expect(again.message).toBe("Operation not allowed for Invoice in cancelled status.")
      const stored = yield* links.get(principal.tenant, link.id)
      expect(stored).toEqual(cancelled)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a link past expire_by reads as expired and refuses cancel and pay", () =>
    Effect.gen(function* () {
      const { principal, links } = yield* setup
      const link = yield* links.create(principal, { type: "link", amount: 100, expire_by: 1_700_000_000 + DAY })
      yield* TestClock.adjust(`${DAY} seconds`)
      const read = yield* links.get(principal.tenant, link.id)
      expect(read.status).toBe("expired")
      expect(read.expiredAt).toBe(1_700_000_000 + DAY)
      const cancel = yield* Effect.flip(links.cancel(principal.tenant, link.id))
      expect(cancel.message).toBe("Operation not allowed for Invoice in expired status.")
      const pay = yield* Effect.flip(links.pay(principal.tenant, link.id, {}))
      expect(pay.message).toBe("Operation not allowed for Invoice in expired status.")
      expect(yield* links.expireDue(100)).toBe(1)
      expect(yield* links.expireDue(100)).toBe(0)
    }).pipe(Effect.provide(TestLayer))
  )
})
