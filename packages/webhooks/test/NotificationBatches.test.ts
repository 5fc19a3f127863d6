/**
 * A backlog of notifications: each link's notifications of a pass run one after the other on one slot, and the
 * entries they are done with are completed together once their confirmations are stored.
 */
import { describe, expect, it } from "@effect/vitest"
import { Inbox } from "@paylinks/core/Inbox"
import { Outbox } from "@paylinks/core/Outbox"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Dispatcher } from "../src/Dispatcher.js"
import {
  freshPgSchema,
  merchant,
  pgStorage,
  pgUrl,
  sqliteStorage,
  startClock,
  T0,
  type StorageLayer
} from "./helpers.js"
import { stack } from "./helpers.js"

const customer = { name: "Gaurav Kumar", email: "gaurav@example.com", contact: "+919876543210" }

const storages: ReadonlyArray<readonly [string, () => StorageLayer]> = [
  ["SQLite", () => sqliteStorage()],
  ...(pgUrl ? [["PostgreSQL", () => Layer.unwrapScoped(Effect.map(freshPgSchema, pgStorage))] as const] : [])
]

for (const [name, storage] of storages) {
  describe(`a backlog of notifications on ${name}`, () => {
    it.scoped("every link's SMS and email are sent once each and confirmed; every entry is completed", () =>
      Effect.gen(function* () {
        yield* startClock
        const principal = yield* merchant()
        const links = yield* PaymentLinks
        const created = []
        for (let i = 0; i < 25; i++)
          created.push(yield* links.create(principal, { type: "link", amount: 1000 + i, customer }))
        // Fewer slots than links, a batch that splits the links' entries across passes.
        const report = yield* (yield* Dispatcher).runOnce
        expect(report.notified).toBe(50)
        const inbox = yield* (yield* Inbox).list(principal.tenant, { limit: 100 })
        expect(inbox).toHaveLength(50)
        for (const link of created) {
          const messages = inbox.filter((message) => message.linkId === link.id)
          expect(messages.map((message) => message.channel).sort()).toEqual(["email", "sms"])
          const after = yield* links.get(principal.tenant, link.id)
          expect([after.smsStatus, after.emailStatus]).toEqual(["sent", "sent"])
        }
        // Nothing is left to claim, not even once every lease has run out.
        expect(yield* (yield* Outbox).claim("dispatcher-b", T0 + 86_400, 1_000, 60)).toEqual([])
        // A second run finds nothing to send again.
        expect((yield* (yield* Dispatcher).runOnce).notified).toBe(0)
        expect(yield* (yield* Inbox).list(principal.tenant, { limit: 100 })).toHaveLength(50)
      }).pipe(Effect.provide(stack(storage(), { settings: { notificationConcurrency: 2, batchSize: 7 } })))
    )

    it.scoped("a notification confirmed whose entry was not completed is not sent again", () =>
      Effect.gen(function* () {
        yield* startClock
        const principal = yield* merchant()
        const links = yield* PaymentLinks
        const link = yield* links.create(principal, { type: "link", amount: 1000, customer })
        const outbox = yield* Outbox
        // A dispatcher that stored the SMS's confirmation and died before completing its entry.
        const claimed = yield* outbox.claim("dispatcher-dead", T0, 10, 60)
        expect(claimed.map((entry) => entry.event._tag)).toContain("NotificationRequested")
        yield* links.markNotificationSent(principal.tenant, link.id, "sms")
        // Its lease runs out; the live dispatcher relays what is left.
        for (const entry of claimed) yield* outbox.retryLater(entry.sequence, T0, "lease ran out")
        yield* (yield* Dispatcher).runOnce
        const inbox = yield* (yield* Inbox).list(principal.tenant, { limit: 100 })
        expect(inbox.map((message) => message.channel)).toEqual(["email"])
        const after = yield* links.get(principal.tenant, link.id)
        expect([after.smsStatus, after.emailStatus]).toEqual(["sent", "sent"])
        expect(yield* outbox.claim("dispatcher-b", T0 + 86_400, 1_000, 60)).toEqual([])
      }).pipe(Effect.provide(stack(storage())))
    )
  })
}
