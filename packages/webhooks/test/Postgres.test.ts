/**
 * On the real PostgreSQL (`PAYLINKS_TEST_PG_URL`): the delivery suite, and two dispatchers with their
 * own connection pools sharing one database, as two server processes would.
 */
import { describe, expect, it } from "@effect/vitest"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import { WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Dispatcher } from "../src/Dispatcher.js"
import { WebhookRegistry } from "../src/WebhookRegistry.js"
import { deliverySuite } from "./deliverySuite.js"
import { freshPgSchema, merchant, pgStorage, receiver, requirePg, stack, startClock } from "./helpers.js"

const enabled = requirePg("packages/webhooks/test/Postgres.test.ts")

if (enabled) deliverySuite("PostgreSQL", () => Layer.unwrapScoped(Effect.map(freshPgSchema, pgStorage)))

describe.skipIf(!enabled)("two dispatchers on one PostgreSQL", () => {
  it.scoped("every event is attempted exactly once, never by both at the same time, in per-link order", () =>
    Effect.gen(function* () {
      yield* startClock
      const url = yield* freshPgSchema
      const hooks = yield* receiver()
      // Each answer takes a moment, so that the two dispatchers' attempts overlap in time.
      hooks.holdMs = 20
      const first = yield* Layer.build(
        stack(pgStorage(url), { settings: { workerId: "dispatcher-1", perEndpointConcurrency: 4 } })
      )
      const second = yield* Layer.build(
        stack(pgStorage(url), { settings: { workerId: "dispatcher-2", perEndpointConcurrency: 4 } })
      )

      const LINKS = 20
      const { tenant, endpointId } = yield* Effect.gen(function* () {
        const principal = yield* merchant()
        const links = yield* PaymentLinks
        const endpoint = yield* (yield* WebhookRegistry).add(principal.tenant, { url: hooks.url, secret: "s" })
        for (let i = 0; i < LINKS; i++) {
          const link = yield* links.create(principal, { type: "link", amount: 10000, partial_payment: true })
          yield* links.pay(principal.tenant, link.id, { amount: 4000 })
          yield* links.pay(principal.tenant, link.id, { amount: 6000 })
        }
        return { tenant: principal.tenant, endpointId: endpoint.id }
      }).pipe(Effect.provide(first))

      const runOnce = (context: typeof first) =>
        Effect.flatMap(Dispatcher, (d) => d.runOnce).pipe(Effect.provide(context))
      let rounds = 0
      while (hooks.received.length < 2 * LINKS && rounds < 50) {
        yield* Effect.all([runOnce(first), runOnce(second)], { concurrency: 2 })
        rounds++
      }

      expect(hooks.received).toHaveLength(2 * LINKS)
      expect(new Set(hooks.received.map((request) => request.eventId)).size).toBe(2 * LINKS)
      expect(hooks.maxOpenPerEvent()).toBe(1)
      // Per link: partially_paid was delivered (answered) before paid was sent.
      const perLink = new Map<string, Array<string>>()
      for (const request of hooks.received) {
        const body = JSON.parse(request.body)
        const id = body.payload.invoice.entity.id as string
        perLink.set(id, [...(perLink.get(id) ?? []), body.event])
      }
      expect(perLink.size).toBe(LINKS)
      for (const events of perLink.values()) expect(events).toEqual(["invoice.partially_paid", "invoice.paid"])

      const log = yield* Effect.flatMap(WebhookDeliveries, (deliveries) =>
        deliveries.list(tenant, { endpointId, limit: 1000 })
      ).pipe(Effect.provide(second))
      expect(log).toHaveLength(2 * LINKS)
      expect(log.every((delivery) => delivery.status === "succeeded" && delivery.attempts === 1)).toBe(true)
    })
  )
})
