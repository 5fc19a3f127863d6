/**
 * The background loop never sleeps while due work waits: with a poll interval of a minute, everything
 * arrives in a small fraction of it. Real time, a real receiver on loopback, a SQLite file; what is
 * asserted is what arrived, the deadline only bounds a test that would otherwise wait for the poll.
 */
import { describe, expect, it } from "@effect/vitest"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import type { Principal } from "@paylinks/core/Merchants"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { WebhookRegistry } from "../src/WebhookRegistry.js"
import { eventually, loopStack, merchant, receiver, sqliteStorage, stack, tempDatabase } from "./helpers.js"

const EVENTS = 200
/** Far longer than the test may take: no delivery here can come from a poll. */
const POLL = { pollIntervalMs: 60_000, perEndpointConcurrency: 4 }

/** `count` links created and paid: one `invoice.paid` event each. */
const paidLinks = (principal: Principal, count: number) =>
  Effect.gen(function* () {
    const links = yield* PaymentLinks
    for (let i = 0; i < count; i++) {
      const link = yield* links.create(principal, { type: "link", amount: 1000 + i })
      yield* links.pay(principal.tenant, link.id, {})
    }
  })

const distinct = (eventIds: ReadonlyArray<string>) => new Set(eventIds).size

describe("the dispatcher's loop wakes on work, not on its poll interval", () => {
  it.scopedLive(
    "a backlog made before it started drains: a finished attempt starts the next",
    () =>
      Effect.gen(function* () {
        const hooks = yield* receiver()
        const database = tempDatabase()
        // The backlog, written with no dispatcher running (as after a crash).
        yield* Effect.gen(function* () {
          const principal = yield* merchant()
          yield* (yield* WebhookRegistry).add(principal.tenant, { url: hooks.url, secret: "s" })
          yield* paidLinks(principal, EVENTS)
        }).pipe(Effect.provide(stack(sqliteStorage(database))))
        yield* Effect.gen(function* () {
          yield* eventually(() => hooks.received.length >= EVENTS)
        }).pipe(Effect.provide(Layer.fresh(loopStack(sqliteStorage(database), { settings: POLL }))))
        expect(distinct(hooks.received.map((request) => request.eventId))).toBe(EVENTS)
        expect(hooks.maxOpen()).toBeLessThanOrEqual(4)
      }),
    20_000
  )

  it.scopedLive(
    "events committed in this process and a redelivery are sent at once",
    () =>
      Effect.gen(function* () {
        const hooks = yield* receiver()
        const principal = yield* merchant()
        const registry = yield* WebhookRegistry
        const endpoint = yield* registry.add(principal.tenant, { url: hooks.url, secret: "s" })
        // The loop has made its first pass (nothing to do) and would now sleep a minute.
        yield* Effect.sleep("50 millis")
        yield* paidLinks(principal, EVENTS)
        yield* eventually(() => hooks.received.length >= EVENTS)
        expect(distinct(hooks.received.map((request) => request.eventId))).toBe(EVENTS)
        const first = hooks.received[0]!.eventId
        expect(yield* registry.redeliver(principal.tenant, { eventId: first }, { endpointId: endpoint.id })).toBe(1)
        yield* eventually(() => hooks.received.length === EVENTS + 1)
        expect(hooks.received[EVENTS]!.eventId).toBe(first)
      }).pipe(Effect.provide(loopStack(sqliteStorage(), { settings: POLL }))),
    20_000
  )

  it.scopedLive(
    "a retry this process scheduled is made when it comes due",
    () =>
      Effect.gen(function* () {
        // The first attempt fails; the retry comes 1 to 2 seconds later (a 2 s base), long before the next poll.
        const hooks = yield* receiver((_request, index) => (index === 0 ? 503 : 200))
        const principal = yield* merchant()
        yield* (yield* WebhookRegistry).add(principal.tenant, { url: hooks.url, secret: "s" })
        yield* Effect.sleep("50 millis")
        yield* paidLinks(principal, 1)
        yield* eventually(() => hooks.received.length === 2)
        expect(hooks.received[1]!.eventId).toBe(hooks.received[0]!.eventId)
      }).pipe(
        Effect.provide(
          loopStack(sqliteStorage(), { settings: { ...POLL, backoff: { baseSeconds: 2, maxSeconds: 2 } } })
        )
      ),
    20_000
  )
})
