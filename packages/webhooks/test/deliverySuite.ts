/**
 * The webhook delivery suite, run against every storage (Delivery.test.ts, Postgres.test.ts). End to end: the real use-cases write events to a real storage's outbox, the
 * dispatcher relays and POSTs them to a real HTTP receiver on loopback, and the receiver checks the
 * signatures with the official `razorpay` SDK. Time is the Effect TestClock, moved by the tests.
 */
import { describe, expect, it } from "@effect/vitest"
import { Outbox } from "@paylinks/core/Outbox"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import { WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import { webhookEventNames } from "@paylinks/core/WebhookEndpoints"
import { PaymentLinkEntity, toPaymentLinkEntity } from "@paylinks/contract/PaymentLinkWire"
import { InvoiceEntity, toEntity, toOrderEntity, toPaymentEntity } from "@paylinks/contract/Wire"
import * as Contracts from "@paylinks/core/Contracts"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import Razorpay from "razorpay"
import * as Dispatcher from "../src/Dispatcher.js"
import { USER_AGENT } from "../src/HttpSender.js"
import { WebhookRegistry } from "../src/WebhookRegistry.js"
import {
  merchant,
  type Received,
  receiver,
  type StorageLayer,
  stack,
  startClock,
  T0,
  eventually,
  realSleep,
  testSettings
} from "./helpers.js"

const HOUR = 3600
const customer = { name: "Gaurav Kumar", email: "gaurav@example.com", contact: "+919876543210" }

const parse = (body: string) => JSON.parse(body) as Record<string, any>

export const deliverySuite = (name: string, storage: () => StorageLayer) =>
  describe(`webhook delivery (${name})`, () => {
    it.scoped("delivers every event, signed, with Razorpay's envelope and the full entity, in event order", () =>
      Effect.gen(function* () {
        yield* startClock
        const hooks = yield* receiver()
        const principal = yield* merchant()
        const tenant = principal.tenant
        const links = yield* PaymentLinks
        const registry = yield* WebhookRegistry
        const all = yield* registry.add(tenant, {
          url: hooks.url,
          secret: "whsec_all",
          events: ["invoice.partially_paid", "invoice.paid", "invoice.expired", "invoice.cancelled"]
        })
        const defaults = yield* registry.add(tenant, { url: `${hooks.url}?defaults`, secret: "whsec_default" })
        // Every event Razorpay sends: the invoices' three and the Payment Links' four (a legacy cancel sends nothing).
        expect(defaults.events).toEqual([
          "invoice.partially_paid",
          "invoice.paid",
          "invoice.expired",
          "payment_link.paid",
          "payment_link.partially_paid",
          "payment_link.cancelled",
          "payment_link.expired"
        ])

        const partial = yield* links.create(principal, {
          type: "link",
          amount: 50000,
          currency: "INR",
          description: "Consulting",
          receipt: "R-1",
          partial_payment: true,
          customer,
          notes: { order: "42" }
        })
        yield* TestClock.adjust("1 minute")
        const partlyPaid = yield* links.pay(tenant, partial.id, { amount: 20000, method: "upi" })
        yield* TestClock.adjust("1 minute")
        const paid = yield* links.pay(tenant, partial.id, { amount: 30000, method: "card" })
        const toCancel = yield* links.create(principal, { type: "link", amount: 1000 })
        const cancelled = yield* links.cancel(tenant, toCancel.id)
        const toExpire = yield* links.create(principal, {
          type: "link",
          amount: 2500,
          expire_by: T0 + 180 + HOUR
        })
        yield* links.advanceTestClock(tenant, 2 * HOUR)
        const expired = yield* links.get(tenant, toExpire.id)
        expect(expired.status).toBe("expired")

        const report = yield* (yield* Dispatcher.Dispatcher).runOnce
        // partially_paid, paid, cancelled and expired to the opt-in endpoint; all but cancelled to the default one.
        expect(report).toMatchObject({ relayed: 4, attempted: 7, delivered: 7 })
        expect(hooks.received).toHaveLength(7)

        for (const request of hooks.received) {
          const secret = isDefaults(request) ? "whsec_default" : "whsec_all"
          expect(request.headers["content-type"]).toBe("application/json")
          expect(request.headers["user-agent"]).toBe(USER_AGENT)
          expect(USER_AGENT).toMatch(/^paylinks-webhooks\/\d+\.\d+\.\d+/)
          const signature = String(request.headers["x-razorpay-signature"])
          expect(signature).toMatch(/^[0-9a-f]{64}$/)
          expect(Razorpay.validateWebhookSignature(request.raw.toString("utf8"), signature, secret)).toBe(true)
          expect(Razorpay.validateWebhookSignature(request.raw.toString("utf8"), signature, "another secret")).toBe(
            false
          )
          expect(request.eventId).toMatch(/^evt_[0-9A-Za-z]{14}$/)
        }

        const toAll = hooks.received.filter((request) => !isDefaults(request))
        const toDefaults = hooks.received.filter(isDefaults)
        // Per link, events arrive in the order they happened; across links there is no order to keep.
        const eventsOf = (requests: ReadonlyArray<Received>) =>
          requests
            .map((request) => parse(request.body))
            .map((body) => `${body.payload.invoice.entity.id} ${body.event}`)
        expect(eventsOf(toAll).filter((line) => line.startsWith(partial.id))).toEqual([
          `${partial.id} invoice.partially_paid`,
          `${partial.id} invoice.paid`
        ])
        expect(eventsOf(toAll).sort()).toEqual(
          [
            `${partial.id} invoice.partially_paid`,
            `${partial.id} invoice.paid`,
            `${toCancel.id} invoice.cancelled`,
            `${toExpire.id} invoice.expired`
          ].sort()
        )
        expect(eventsOf(toDefaults).sort()).toEqual(
          [
            `${partial.id} invoice.partially_paid`,
            `${partial.id} invoice.paid`,
            `${toExpire.id} invoice.expired`
          ].sort()
        )
        const byEvent = (requests: ReadonlyArray<Received>, event: string) =>
          requests.find((request) => parse(request.body).event === event)!
        // One id per event: both endpoints see the same id (and the same bytes) for the same event.
        expect(new Set(toAll.map((request) => request.eventId)).size).toBe(4)
        for (const event of ["invoice.partially_paid", "invoice.paid", "invoice.expired"]) {
          expect(byEvent(toDefaults, event).eventId).toBe(byEvent(toAll, event).eventId)
          expect(byEvent(toDefaults, event).body).toBe(byEvent(toAll, event).body)
        }

        const [onPartial, onPaid, onCancel, onExpire] = [
          "invoice.partially_paid",
          "invoice.paid",
          "invoice.cancelled",
          "invoice.expired"
        ].map((event) => parse(byEvent(toAll, event).body))
        expect(Object.keys(onPartial!)).toEqual(["entity", "account_id", "event", "contains", "payload", "created_at"])
        expect(onPartial).toMatchObject({ entity: "event", account_id: tenant.merchantId, created_at: T0 + 60 })
        expect(onPartial!.contains).toEqual(["payment", "order", "invoice"])
        expect(Object.keys(onPartial!.payload)).toEqual(["payment", "order", "invoice"])
        expect(onPartial!.payload.invoice.entity).toEqual(toEntity(partlyPaid))
        expect(onPartial!.payload.payment.entity).toMatchObject({
          id: partlyPaid.payments[0]!.id,
          entity: "payment",
          amount: 20000,
          currency: "INR",
          status: "captured",
          order_id: partial.orderId,
          invoice_id: partial.id,
          method: "upi",
          captured: true,
          email: customer.email,
          contact: customer.contact,
          created_at: T0 + 60
        })
        expect(onPartial!.payload.order.entity).toMatchObject({
          id: partial.orderId,
          entity: "order",
          amount: 50000,
          amount_paid: 20000,
          amount_due: 30000,
          receipt: "R-1",
          status: "attempted",
          attempts: 1
        })
        expect(onPaid!.payload.invoice.entity).toEqual(toEntity(paid))
        expect(onPaid!.payload.invoice.entity.status).toBe("paid")
        expect(onPaid!.payload.payment.entity).toMatchObject({
          amount: 30000,
          method: "card",
          id: paid.payments[1]!.id
        })
        expect(onPaid!.payload.order.entity).toMatchObject({
          status: "paid",
          amount_paid: 50000,
          amount_due: 0,
          attempts: 2
        })
        expect(onCancel!.contains).toEqual(["invoice"])
        expect(Object.keys(onCancel!.payload)).toEqual(["invoice"])
        expect(onCancel!.payload.invoice.entity).toEqual(toEntity(cancelled))
        expect(onExpire!.contains).toEqual(["invoice"])
        expect(onExpire!.payload.invoice.entity.status).toBe("expired")
        expect(onExpire!.payload.invoice.entity.expired_at).toBe(T0 + 180 + HOUR)
        expect(onExpire!.created_at).toBe(T0 + 180 + HOUR)
        // Every invoice entity is the API's entity (docs/http-api.md#the-invoice-entity), key for key.
        for (const body of [onPartial, onPaid, onCancel, onExpire])
          expect(Object.keys(body!.payload.invoice.entity)).toEqual(
            Object.keys(Schema.decodeUnknownSync(InvoiceEntity)(body!.payload.invoice.entity))
          )

        // Everything is settled: another run sends nothing, and each delivery logged one successful attempt.
        expect(yield* (yield* Dispatcher.Dispatcher).runOnce).toEqual({
          relayed: 0,
          notified: 0,
          attempted: 0,
          delivered: 0
        })
        const log = yield* registry.deliveries(tenant, { endpointId: all.id })
        expect(log.map((delivery) => [delivery.event, delivery.status, delivery.attempts])).toEqual([
          ["invoice.expired", "succeeded", 1],
          ["invoice.cancelled", "succeeded", 1],
          ["invoice.paid", "succeeded", 1],
          ["invoice.partially_paid", "succeeded", 1]
        ])
        for (const delivery of log) {
          expect(delivery.attemptLog).toHaveLength(1)
          expect(delivery.attemptLog[0]).toMatchObject({ statusCode: 200, error: null })
          expect(delivery.attemptLog[0]!.latencyMs).toBeGreaterThanOrEqual(0)
        }
      }).pipe(Effect.provide(stack(storage())))
    )

    it.scoped(
      "delivers a Payment Links link's payment_link.* events, signed, with payment_link, order and payment",
      () =>
        Effect.gen(function* () {
          yield* startClock
          const hooks = yield* receiver()
          const principal = yield* merchant()
          const tenant = principal.tenant
          const links = yield* PaymentLinks
          const registry = yield* WebhookRegistry
          const rules = Contracts.paymentLinks
          // `*` registers every event, as the default endpoint gets every Razorpay event; one endpoint takes paid only.
          const every = yield* registry.add(tenant, { url: `${hooks.url}?every`, secret: "whsec_every", events: "*" })
          expect(every.events).toEqual(webhookEventNames)
          const defaults = yield* registry.add(tenant, { url: `${hooks.url}?defaults`, secret: "whsec_default" })
          expect(defaults.events).toContain("payment_link.cancelled")
          const paidOnly = yield* registry.add(tenant, {
            url: `${hooks.url}?paid`,
            secret: "whsec_paid",
            events: "payment_link.paid"
          })
          expect(paidOnly.events).toEqual(["payment_link.paid"])

          const partial = yield* links.create(
            principal,
            { amount: 50000, accept_partial: true, reference_id: "PL-1", customer, notes: { order: "7" } },
            undefined,
            rules
          )
          expect(partial.id).toMatch(/^plink_/)
          yield* TestClock.adjust("1 minute")
          const partlyPaid = yield* links.pay(tenant, partial.id, { amount: 20000, method: "upi" }, rules)
          yield* TestClock.adjust("1 minute")
          const paid = yield* links.pay(tenant, partial.id, { amount: 30000, method: "card" }, rules)
          const toCancel = yield* links.create(principal, { amount: 1000 }, undefined, rules)
          const cancelled = yield* links.cancel(tenant, toCancel.id, rules)
          const toExpire = yield* links.create(
            principal,
            { amount: 2500, expire_by: T0 + 180 + HOUR },
            undefined,
            rules
          )
          yield* links.advanceTestClock(tenant, 2 * HOUR)
          const expired = yield* links.get(tenant, toExpire.id, rules)
          expect(expired.status).toBe("expired")

          const report = yield* (yield* Dispatcher.Dispatcher).runOnce
          // Four events to `*` and to the default endpoint, the paid one to the paid-only endpoint.
          expect(report).toMatchObject({ relayed: 4, attempted: 9, delivered: 9 })
          expect(hooks.received).toHaveLength(9)
          const to = (query: string) => hooks.received.filter((request) => request.url.endsWith(`?${query}`))
          expect(to("defaults").map((request) => request.body)).toEqual(to("every").map((request) => request.body))
          const secrets: Record<string, string> = {
            every: "whsec_every",
            defaults: "whsec_default",
            paid: "whsec_paid"
          }
          for (const request of hooks.received) {
            const secret = secrets[request.url.split("?")[1]!]!
            const signature = String(request.headers["x-razorpay-signature"])
            expect(Razorpay.validateWebhookSignature(request.raw.toString("utf8"), signature, secret)).toBe(true)
            expect(Razorpay.validateWebhookSignature(request.raw.toString("utf8"), signature, "whsec_other")).toBe(
              false
            )
            expect(request.headers["content-type"]).toBe("application/json")
            expect(request.eventId).toMatch(/^evt_[0-9A-Za-z]{14}$/)
          }

          const bodies = to("every").map((request) => parse(request.body))
          const linkOf = (body: Record<string, any>) => body.payload.payment_link.entity.id
          // Per link in the order they happened.
          expect(bodies.filter((body) => linkOf(body) === partial.id).map((body) => body.event)).toEqual([
            "payment_link.partially_paid",
            "payment_link.paid"
          ])
          const byEvent = (event: string) => bodies.find((body) => body.event === event)!
          const [onPartial, onPaid, onCancel, onExpire] = [
            "payment_link.partially_paid",
            "payment_link.paid",
            "payment_link.cancelled",
            "payment_link.expired"
          ].map(byEvent)
          for (const [body, link] of [
            [onPartial, partlyPaid],
            [onPaid, paid]
          ] as const) {
            expect(Object.keys(body!)).toEqual(["entity", "account_id", "event", "contains", "payload", "created_at"])
            expect(body).toMatchObject({ entity: "event", account_id: tenant.merchantId })
            expect(body!.contains).toEqual(["payment_link", "order", "payment"])
            expect(Object.keys(body!.payload)).toEqual(["payment_link", "order", "payment"])
            expect(body!.payload.payment_link.entity).toEqual(toPaymentLinkEntity(link))
            expect(body!.payload.order.entity).toEqual(toOrderEntity(link))
            expect(body!.payload.payment.entity).toEqual(toPaymentEntity(link, link.payments.at(-1)!))
          }
          expect(onPartial!.created_at).toBe(T0 + 60)
          expect(onPartial!.payload.payment_link.entity).toMatchObject({
            id: partial.id,
            status: "partially_paid",
            amount_paid: 20000,
            reference_id: "PL-1"
          })
          expect(onPartial!.payload.payment.entity).toMatchObject({ amount: 20000, method: "upi", status: "captured" })
          expect(onPaid!.payload.payment_link.entity).toMatchObject({ status: "paid", amount_paid: 50000 })
          expect(onPaid!.payload.order.entity).toMatchObject({ id: partial.orderId, status: "paid", amount_due: 0 })
          expect(onCancel!.contains).toEqual(["payment_link"])
          expect(Object.keys(onCancel!.payload)).toEqual(["payment_link"])
          expect(onCancel!.payload.payment_link.entity).toEqual(toPaymentLinkEntity(cancelled))
          expect(onExpire!.contains).toEqual(["payment_link"])
          expect(onExpire!.payload.payment_link.entity).toMatchObject({
            id: toExpire.id,
            status: "expired",
            expired_at: T0 + 180 + HOUR
          })
          for (const body of bodies)
            Schema.decodeUnknownSync(PaymentLinkEntity, { onExcessProperty: "error" })(body.payload.payment_link.entity)
          // The paid-only endpoint got the same event, the same bytes.
          expect(to("paid").map((request) => request.body)).toEqual(
            to("every")
              .filter((request) => parse(request.body).event === "payment_link.paid")
              .map((r) => r.body)
          )
          const log = yield* registry.deliveries(tenant, { endpointId: every.id })
          expect(log.map((delivery) => [delivery.event, delivery.status]).sort()).toEqual(
            [
              ["payment_link.cancelled", "succeeded"],
              ["payment_link.expired", "succeeded"],
              ["payment_link.paid", "succeeded"],
              ["payment_link.partially_paid", "succeeded"]
            ].sort()
          )
        }).pipe(Effect.provide(stack(storage())))
    )

    it.scoped(
      "a receiver failing 3 times is retried with growing, jittered backoff and delivered once it answers 2xx",
      () =>
        Effect.gen(function* () {
          yield* startClock
          const hooks = yield* receiver((_request, index) => (index < 3 ? 500 : 204))
          const principal = yield* merchant()
          const links = yield* PaymentLinks
          const dispatcher = yield* Dispatcher.Dispatcher
          const deliveries = yield* WebhookDeliveries
          const endpoint = yield* (yield* WebhookRegistry).add(principal.tenant, { url: hooks.url, secret: "s" })
          const link = yield* links.create(principal, { type: "link", amount: 1000 })
          yield* links.pay(principal.tenant, link.id, {})

          const delivery = () =>
            Effect.map(deliveries.list(principal.tenant, { endpointId: endpoint.id }), (found) => found[0]!)
          let now = T0
          const nominal = [10, 20, 40]
          for (let failure = 0; failure < 3; failure++) {
            expect((yield* dispatcher.runOnce).attempted).toBe(1)
            const pending = yield* delivery()
            expect(pending).toMatchObject({ status: "pending", attempts: failure + 1, lastError: "HTTP 500" })
            // Equal jitter: within the upper half of the nominal delay, never sooner.
            const wait = pending.nextAttemptAt - now
            expect(wait).toBeGreaterThanOrEqual(nominal[failure]! / 2)
            expect(wait).toBeLessThanOrEqual(nominal[failure]!)
            // Not a moment before it is due.
            yield* TestClock.setTime((pending.nextAttemptAt - 1) * 1000)
            expect((yield* dispatcher.runOnce).attempted).toBe(0)
            now = pending.nextAttemptAt
            yield* TestClock.setTime(now * 1000)
          }
          expect(yield* dispatcher.runOnce).toMatchObject({ attempted: 1, delivered: 1 })
          const done = yield* delivery()
          expect(done).toMatchObject({ status: "succeeded", attempts: 4, deliveredAt: now, lastError: null })
          const attempts = yield* deliveries.attempts(principal.tenant, done.id)
          expect(attempts.map((attempt) => [attempt.statusCode, attempt.error])).toEqual([
            [500, "HTTP 500"],
            [500, "HTTP 500"],
            [500, "HTTP 500"],
            [204, null]
          ])
          expect(attempts.map((attempt) => attempt.attemptedAt)).toEqual([...attempts.map((a) => a.attemptedAt)].sort())
          // The same event, byte for byte, every time; nothing after the success.
          expect(new Set(hooks.received.map((request) => request.eventId)).size).toBe(1)
          expect(new Set(hooks.received.map((request) => request.body)).size).toBe(1)
          yield* TestClock.adjust("1 day")
          expect((yield* dispatcher.runOnce).attempted).toBe(0)
          expect(hooks.received).toHaveLength(4)
        }).pipe(Effect.provide(stack(storage())))
    )

    it.scoped(
      "a receiver down for 24 hours disables the endpoint with the reason; redeliver works once re-enabled",
      () =>
        Effect.gen(function* () {
          yield* startClock
          const hooks = yield* receiver(() => 503)
          const principal = yield* merchant()
          const tenant = principal.tenant
          const links = yield* PaymentLinks
          const dispatcher = yield* Dispatcher.Dispatcher
          const registry = yield* WebhookRegistry
          const deliveries = yield* WebhookDeliveries
          const endpoint = yield* registry.add(tenant, { url: hooks.url, secret: "s" })
          const link = yield* links.create(principal, { type: "link", amount: 1000 })
          yield* links.pay(tenant, link.id, {})

          let rounds = 0
          for (;;) {
            yield* dispatcher.runOnce
            rounds++
            const [current] = yield* deliveries.list(tenant, { endpointId: endpoint.id })
            if (current!.status !== "pending") break
            expect(current!.nextAttemptAt).toBeLessThanOrEqual(T0 + 24 * HOUR)
            yield* TestClock.setTime(current!.nextAttemptAt * 1000)
          }
          const [failed] = yield* deliveries.list(tenant, { endpointId: endpoint.id })
          expect(failed!.status).toBe("failed")
          expect(failed!.attempts).toBe(rounds)
          // Backoff grows to its one-hour cap: far fewer attempts than a fixed short interval would make.
          expect(rounds).toBeGreaterThan(20)
          expect(rounds).toBeLessThan(60)
          const attempts = yield* deliveries.attempts(tenant, failed!.id)
          expect(attempts.at(-1)!.attemptedAt).toBe(T0 + 24 * HOUR)
          expect(attempts.every((attempt) => attempt.statusCode === 503)).toBe(true)

          const disabled = yield* registry.get(tenant, endpoint.id)
          expect(disabled.enabled).toBe(false)
          expect(disabled.disabledAt).toBe(T0 + 24 * HOUR)
          expect(disabled.disabledReason).toBe(
            "No successful delivery within 24 hours of the event (last error: HTTP 503); the endpoint was disabled"
          )

          // While disabled, new events are not sent to it.
          const later = yield* links.create(principal, { type: "link", amount: 2000 })
          yield* links.cancel(tenant, later.id)
          yield* links.pay(tenant, (yield* links.create(principal, { type: "link", amount: 3000 })).id, {})
          const before = hooks.received.length
          yield* dispatcher.runOnce
          expect(hooks.received).toHaveLength(before)

          // Back up and re-enabled: redelivering the event sends it again and it is delivered.
          hooks.answer = () => 200
          const enabled = yield* registry.update(tenant, endpoint.id, { enabled: true })
          expect(enabled).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null })
          expect(yield* registry.redeliver(tenant, { eventId: failed!.eventId })).toBe(1)
          expect(yield* dispatcher.runOnce).toMatchObject({ attempted: 1, delivered: 1 })
          expect(hooks.received.at(-1)!.eventId).toBe(failed!.eventId)
          const [redelivered] = yield* deliveries.list(tenant, { eventId: failed!.eventId })
          expect(redelivered).toMatchObject({ status: "succeeded", attempts: rounds + 1 })

          // A time range replays every event recorded in it, delivered ones included.
          const range = { from: T0, to: T0 + 48 * HOUR }
          const count = yield* registry.redeliver(tenant, range)
          expect(count).toBe(2)
          expect(yield* dispatcher.runOnce).toMatchObject({ attempted: 2, delivered: 2 })
        }).pipe(Effect.provide(stack(storage())))
    )

    it.scoped("a relay that claims the outbox and dies delays nothing past its lease, and loses nothing", () =>
      Effect.gen(function* () {
        yield* startClock
        const hooks = yield* receiver()
        const principal = yield* merchant()
        const links = yield* PaymentLinks
        const dispatcher = yield* Dispatcher.Dispatcher
        yield* (yield* WebhookRegistry).add(principal.tenant, { url: hooks.url, secret: "s" })
        const link = yield* links.create(principal, { type: "link", amount: 1000 })
        yield* links.pay(principal.tenant, link.id, {})
        // The crash: a relay claims every pending entry, then never completes them.
        const claimed = yield* (yield* Outbox).claim("crashed-relay", T0, 100, 60)
        expect(claimed.map((entry) => entry.event._tag)).toEqual(["LinkIssued", "LinkPaid"])
        expect(yield* dispatcher.runOnce).toMatchObject({ relayed: 0, attempted: 0 })
        yield* TestClock.adjust("61 seconds")
        expect(yield* dispatcher.runOnce).toMatchObject({ relayed: 1, attempted: 1, delivered: 1 })
        expect(hooks.received.map((request) => parse(request.body).event)).toEqual(["invoice.paid"])
      }).pipe(Effect.provide(stack(storage())))
    )

    it.scoped("a dispatcher that dies mid-attempt holds the delivery until its lease ends; then it is delivered", () =>
      Effect.gen(function* () {
        yield* startClock
        const hooks = yield* receiver(() => "hang")
        const principal = yield* merchant()
        const links = yield* PaymentLinks
        const dispatcher = yield* Dispatcher.Dispatcher
        yield* (yield* WebhookRegistry).add(principal.tenant, { url: hooks.url, secret: "s" })
        const link = yield* links.create(principal, { type: "link", amount: 1000 })
        yield* links.pay(principal.tenant, link.id, {})
        // The crash: another dispatcher is mid-attempt when everything it runs is torn down.
        const doomedScope = yield* Scope.make()
        const doomed = yield* Dispatcher.make(testSettings({ workerId: "doomed" })).pipe(Scope.extend(doomedScope))
        const crashing = yield* Effect.fork(doomed.runOnce)
        yield* eventually(() => hooks.received.length === 1)
        yield* Scope.close(doomedScope, Exit.void)
        yield* Fiber.interrupt(crashing)
        hooks.answer = () => 200
        // Still leased to the dead attempt: nobody else may send it now.
        expect((yield* dispatcher.runOnce).attempted).toBe(0)
        yield* TestClock.adjust("61 seconds")
        expect(yield* dispatcher.runOnce).toMatchObject({ attempted: 1, delivered: 1 })
        expect(hooks.received.map((request) => request.eventId)).toEqual([
          hooks.received[0]!.eventId,
          hooks.received[0]!.eventId
        ])
      }).pipe(Effect.provide(stack(storage())))
    )

    it.scoped("an endpoint that hangs is given up after the timeout; other endpoints are not held up", () =>
      Effect.gen(function* () {
        yield* startClock
        const slow = yield* receiver(() => "hang")
        const fast = yield* receiver()
        const principal = yield* merchant()
        const links = yield* PaymentLinks
        const registry = yield* WebhookRegistry
        const slowEndpoint = yield* registry.add(principal.tenant, { url: slow.url, secret: "s" })
        yield* registry.add(principal.tenant, { url: fast.url, secret: "f" })
        for (let i = 0; i < 5; i++) {
          const link = yield* links.create(principal, { type: "link", amount: 1000 + i })
          yield* links.pay(principal.tenant, link.id, {})
        }
        // The background loop's passes: each starts what it claims and returns at once.
        const dispatcher = yield* Dispatcher.make(testSettings({ workerId: "poller" }))
        const deliveries = yield* WebhookDeliveries
        while (fast.received.length < 5) {
          yield* dispatcher.poll
          yield* realSleep(5)
        }
        // The fast endpoint got all five while the slow one holds its 2 slots, and never more.
        yield* eventually(() => slow.openCount() === 2)
        expect(slow.maxOpen()).toBe(2)
        const slowDeliveries = () => deliveries.list(principal.tenant, { endpointId: slowEndpoint.id })
        expect((yield* slowDeliveries()).every((delivery) => delivery.attempts === 0)).toBe(true)
        // Five seconds on, the two attempts time out and are scheduled again.
        yield* TestClock.adjust("5 seconds")
        for (;;) {
          const failed = (yield* slowDeliveries()).filter((delivery) => delivery.attempts === 1)
          if (failed.length === 2) {
            expect(failed.every((delivery) => delivery.lastError === "No response within 5000 ms")).toBe(true)
            break
          }
          yield* realSleep(5)
        }
        expect(slow.maxOpen()).toBe(2)
      }).pipe(Effect.provide(stack(storage())))
    )
  })

/** Both endpoints are the one receiver; the second one's URL has a `?defaults` query. */
const isDefaults = (request: Received) => request.url.endsWith("?defaults")
