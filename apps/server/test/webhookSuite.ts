/**
 * Webhooks and customer notifications end to end: the server with its own dispatcher on a real
 * database, driven over real HTTP. A webhook endpoint registered through the server's
 * `WebhookRegistry` (test mode, a real receiver on loopback) gets `invoice.partially_paid`,
 * `invoice.paid` and `invoice.expired` in order, signed so that the razorpay SDK verifies them (and a
 * Payment Links link, paid on its hosted page, its `payment_link.*` events); a link
 * with a customer puts an SMS and an email in the sandbox inbox (`GET /v1/sandbox/inbox`) and its
 * statuses turn `sent`; with `PAYLINKS_SMTP_*` the email goes to a real SMTP server instead. Run on
 * SQLite and PostgreSQL.
 */
import { expect, layer } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import type { Tenant } from "@paylinks/core/Tenant"
import { basic, call } from "@paylinks/testing/HttpCall"
import * as Dispatcher from "@paylinks/webhooks/Dispatcher"
import * as DispatcherSettings from "@paylinks/webhooks/DispatcherSettings"
import { WebhookRegistry } from "@paylinks/webhooks/WebhookRegistry"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import Razorpay from "razorpay"
import { type Served, serve } from "./helpers.js"
import { payThroughPage } from "./pageClient.js"
import { eventually, type Hit, type Receiver, receiver, smtpServer } from "./receivers.js"

const KEY = "rzp_test_WebhookSuite01"
const SECRET = "secret-of-webhook-suite"
const WEBHOOK_SECRET = "whsec-of-the-suite-endpoint"
const PAYMENT_LINKS_SECRET = "whsec-of-the-payment-links-endpoint"
const SHOP_NAME = "Chai & Co"
/** Polled fast, so that waiting for a delivery costs the suite little. */
const FAST = { PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "50" }

interface Fixture extends Served {
  readonly database: Effect.Effect<string, never, Scope.Scope>
  readonly receiver: Receiver
  readonly tenant: Tenant
  readonly auth: string
  /** A second merchant, with a name of its own, for the notifications. */
  readonly shopAuth: string
}

class Suite extends Context.Tag("test/WebhookSuite")<Suite, Fixture>() {}

const fixture = (database: Effect.Effect<string, never, Scope.Scope>) =>
  Layer.scoped(
    Suite,
    Effect.gen(function* () {
      const url = yield* database
      const served = yield* Effect.orDie(
        serve(url, ["--key-id", KEY, "--key-secret", SECRET, "--dispatcher", "on"], {}, FAST)
      )
      const merchants = yield* Effect.provide(Merchants, served.context)
      const principal = yield* Effect.orDie(merchants.authenticate(KEY, SECRET))
      const shop = yield* merchants.create(SHOP_NAME)
      const shopKey = yield* Effect.orDie(merchants.issueKey(shop.id, "test"))
      const hooks = yield* receiver
      const registry = yield* Effect.provide(WebhookRegistry, served.context)
      yield* Effect.orDie(
        registry.add(principal.tenant, {
          url: `${hooks.url}/razorpay/webhook`,
          secret: WEBHOOK_SECRET,
          events: ["invoice.partially_paid", "invoice.paid", "invoice.expired", "invoice.cancelled"]
        })
      )
      return {
        ...served,
        database,
        receiver: hooks,
        tenant: principal.tenant,
        auth: basic(KEY, SECRET),
        shopAuth: basic(shopKey.key.keyId, shopKey.secret)
      }
    })
  )

const http = (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
  Effect.flatMap(Suite, (suite) => Effect.promise(() => call(suite.url, method, path, options)))

const ok = (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
  Effect.gen(function* () {
    const answer = yield* http(method, path, options)
    expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(200)
    return answer.json
  })

/** The webhooks received for one link, one per event id, in the order they arrived. */
const hitsFor = (hooks: Receiver, linkId: string): Array<Hit> => {
  const seen = new Set<string>()
  return hooks.hits.filter((hit) => {
    const eventId = String(hit.headers["x-razorpay-event-id"])
    if (hit.json?.payload?.invoice?.entity?.id !== linkId || seen.has(eventId)) return false
    seen.add(eventId)
    return true
  })
}

const expectSigned = (hit: Hit) => {
  const signature = hit.headers["x-razorpay-signature"]
  expect(typeof signature).toBe("string")
  expect(Razorpay.validateWebhookSignature(hit.raw, signature as string, WEBHOOK_SECRET)).toBe(true)
  expect(Razorpay.validateWebhookSignature(hit.raw, signature as string, `${WEBHOOK_SECRET}x`)).toBe(false)
  expect(hit.headers["content-type"]).toBe("application/json")
  expect(hit.headers["x-razorpay-event-id"]).toMatch(/^evt_[0-9A-Za-z]{14}$/)
  expect(hit.path).toBe("/razorpay/webhook")
}

export const webhookSuite = (label: string, database: Effect.Effect<string, never, Scope.Scope>) =>
  layer(fixture(database), { excludeTestServices: true, timeout: "90 seconds" })(
    `webhooks and notifications from the server's dispatcher on ${label}`,
    (it) => {
      it.effect("a link paid in two parts: invoice.partially_paid then invoice.paid, signed, with the entities", () =>
        Effect.gen(function* () {
          const suite = yield* Suite
          expect(suite.printed).toContain("notifications: email: sandbox inbox, sms: sandbox inbox")
          const link = yield* ok("POST", "/v1/invoices", {
            auth: suite.auth,
            body: { type: "link", amount: 10000, partial_payment: true, receipt: "two-parts", description: "Tea" }
          })
          const first = yield* ok("POST", `/v1/sandbox/invoices/${link.id}/payments`, {
            auth: suite.auth,
            body: { amount: 4000 }
          })
          expect(first.invoice.status).toBe("partially_paid")
          const second = yield* ok("POST", `/v1/sandbox/invoices/${link.id}/payments`, { auth: suite.auth, body: {} })
          expect(second.invoice.status).toBe("paid")

          const hits = yield* eventually(
            `invoice.partially_paid and invoice.paid for ${link.id}`,
            Effect.sync(() => {
              const found = hitsFor(suite.receiver, link.id)
              return found.length >= 2 ? found : undefined
            })
          )
          expect(hits.map((hit) => hit.json.event)).toEqual(["invoice.partially_paid", "invoice.paid"])
          for (const hit of hits) expectSigned(hit)
          const [partial, paid] = hits as [Hit, Hit]
          expect(partial.headers["x-razorpay-event-id"]).not.toBe(paid.headers["x-razorpay-event-id"])
          expect(partial.json).toMatchObject({
            entity: "event",
            account_id: suite.tenant.merchantId,
            event: "invoice.partially_paid",
            contains: ["payment", "order", "invoice"]
          })
          expect(partial.json.payload.invoice.entity).toMatchObject({
            id: link.id,
            status: "partially_paid",
            amount_paid: 4000,
            amount_due: 6000
          })
          expect(partial.json.payload.payment.entity).toMatchObject({
            id: first.payment.id,
            amount: 4000,
            invoice_id: link.id,
            status: "captured"
          })
          expect(partial.json.payload.order.entity).toMatchObject({ id: link.order_id, status: "attempted" })
          expect(paid.json.payload.payment.entity).toMatchObject({ id: second.payment.id, amount: 6000 })
          expect(paid.json.payload.order.entity).toMatchObject({ id: link.order_id, status: "paid" })
          // The invoice as it stood after the event: here, as the API shows it now.
          expect(paid.json.payload.invoice.entity).toEqual(
            yield* ok("GET", `/v1/invoices/${link.id}`, { auth: suite.auth })
          )

          // The delivery log has both, settled as succeeded at the first attempt with the receiver's 200 (the
          // receiver answers before the dispatcher records it).
          const registry = yield* Effect.provide(WebhookRegistry, suite.context)
          const eventIds = hits.map((hit) => String(hit.headers["x-razorpay-event-id"]))
          const log = yield* eventually(
            "both deliveries settled",
            Effect.map(registry.deliveries(suite.tenant, {}), (entries) => {
              const mine = eventIds.map((eventId) => entries.find((entry) => entry.eventId === eventId))
              return mine.every((entry) => entry?.status === "succeeded") ? mine : undefined
            })
          )
          expect(log.map((entry) => entry?.event)).toEqual(["invoice.partially_paid", "invoice.paid"])
          for (const entry of log) {
            expect(entry).toMatchObject({ linkId: link.id, attempts: 1 })
            expect(entry!.attemptLog).toHaveLength(1)
            expect(entry!.attemptLog[0]).toMatchObject({ statusCode: 200, error: null })
          }
        })
      )

      it.effect("advancing the sandbox clock past expire_by delivers invoice.expired", () =>
        Effect.gen(function* () {
          const suite = yield* Suite
          const clock = yield* ok("GET", "/v1/sandbox/clock", { auth: suite.auth })
          const link = yield* ok("POST", "/v1/invoices", {
            auth: suite.auth,
            body: { type: "link", amount: 5000, expire_by: clock.now + 16 * 60 }
          })
          yield* ok("POST", "/v1/sandbox/clock", { auth: suite.auth, body: { advance_by: 20 * 60 } })
          const [expired] = yield* eventually(
            `invoice.expired for ${link.id}`,
            Effect.sync(() => {
              const found = hitsFor(suite.receiver, link.id)
              return found.length >= 1 ? found : undefined
            })
          )
          expectSigned(expired!)
          expect(expired!.json).toMatchObject({ event: "invoice.expired", contains: ["invoice"] })
          expect(expired!.json.payload.invoice.entity).toMatchObject({
            id: link.id,
            status: "expired",
            expired_at: link.expire_by
          })
          expect(expired!.json.payload.payment).toBeUndefined()
        })
      )

      it.effect(
        "a Payment Links link paid on its page, cancelled, expired: payment_link.* events, signed, with the entities",
        () =>
          Effect.gen(function* () {
            const suite = yield* Suite
            const auth = suite.auth
            const registry = yield* Effect.provide(WebhookRegistry, suite.context)
            yield* Effect.orDie(
              registry.add(suite.tenant, {
                url: `${suite.receiver.url}/payment-links/webhook`,
                secret: PAYMENT_LINKS_SECRET,
                events: "payment_link.paid,payment_link.partially_paid,payment_link.cancelled,payment_link.expired"
              })
            )
            const clock = yield* ok("GET", "/v1/sandbox/clock", { auth })
            const link = yield* ok("POST", "/v1/payment_links", {
              auth,
              body: { amount: 10000, accept_partial: true, reference_id: "v2-two-parts", description: "Tea" }
            })
            const toCancel = yield* ok("POST", "/v1/payment_links", { auth, body: { amount: 1000 } })
            const toExpire = yield* ok("POST", "/v1/payment_links", {
              auth,
              body: { amount: 5000, expire_by: clock.now + 16 * 60 }
            })
            const first = yield* Effect.promise(() =>
              payThroughPage(link.short_url, { choice: "part", amount: "40", method: "upi" })
            )
            expect(first.status, first.html).toBe(200)
            const second = yield* Effect.promise(() => payThroughPage(link.short_url, { choice: "full" }))
            expect(second.status, second.html).toBe(200)
            yield* ok("POST", `/v1/payment_links/${toCancel.id}/cancel`, { auth })
            yield* ok("POST", "/v1/sandbox/clock", { auth, body: { advance_by: 20 * 60 } })

            const v2Hits = (linkId: string) => {
              const seen = new Set<string>()
              return suite.receiver.hits.filter((hit) => {
                const eventId = String(hit.headers["x-razorpay-event-id"])
                if (hit.json?.payload?.payment_link?.entity?.id !== linkId || seen.has(eventId)) return false
                seen.add(eventId)
                return true
              })
            }
            const hits = yield* eventually(
              `payment_link.* events for ${link.id}, ${toCancel.id} and ${toExpire.id}`,
              Effect.sync(() => {
                const found = [link.id, toCancel.id, toExpire.id].map(v2Hits)
                return found[0]!.length >= 2 && found[1]!.length >= 1 && found[2]!.length >= 1 ? found : undefined
              })
            )
            const [paidHits, cancelHits, expireHits] = hits as [Array<Hit>, Array<Hit>, Array<Hit>]
            expect(paidHits.map((hit) => hit.json.event)).toEqual(["payment_link.partially_paid", "payment_link.paid"])
            for (const hit of [...paidHits, ...cancelHits, ...expireHits]) {
              const signature = String(hit.headers["x-razorpay-signature"])
              expect(Razorpay.validateWebhookSignature(hit.raw, signature, PAYMENT_LINKS_SECRET)).toBe(true)
              expect(Razorpay.validateWebhookSignature(hit.raw, signature, WEBHOOK_SECRET)).toBe(false)
              expect(hit.path).toBe("/payment-links/webhook")
              expect(hit.json).toMatchObject({ entity: "event", account_id: suite.tenant.merchantId })
              expect(hit.json.payload.invoice).toBeUndefined()
            }
            // The invoice endpoint (invoice events only) got none of them.
            expect(hitsFor(suite.receiver, link.id)).toEqual([])
            expect(
              suite.receiver.hits.filter(
                (hit) => hit.path === "/razorpay/webhook" && hit.json?.event?.startsWith("payment_link.")
              )
            ).toEqual([])

            const fetched = yield* ok("GET", `/v1/payment_links/${link.id}`, { auth })
            const [partial, paid] = paidHits as [Hit, Hit]
            for (const [hit, status, index] of [
              [partial, "partially_paid", 0],
              [paid, "paid", 1]
            ] as const) {
              expect(hit.json.contains).toEqual(["payment_link", "order", "payment"])
              expect(Object.keys(hit.json.payload)).toEqual(["payment_link", "order", "payment"])
              expect(hit.json.payload.payment_link.entity).toMatchObject({
                id: link.id,
                status,
                reference_id: "v2-two-parts"
              })
              expect(hit.json.payload.payment.entity).toMatchObject({
                id: fetched.payments[index].payment_id,
                amount: index === 0 ? 4000 : 6000,
                order_id: link.order_id,
                status: "captured"
              })
              expect(hit.json.payload.order.entity).toMatchObject({ id: link.order_id })
            }
            // The link as it stood after the event: here, as the API shows it now.
            expect(paid.json.payload.payment_link.entity).toEqual(fetched)
            expect(cancelHits.map((hit) => hit.json.event)).toEqual(["payment_link.cancelled"])
            expect(cancelHits[0]!.json.contains).toEqual(["payment_link"])
            expect(cancelHits[0]!.json.payload.payment_link.entity).toEqual(
              yield* ok("GET", `/v1/payment_links/${toCancel.id}`, { auth })
            )
            expect(expireHits.map((hit) => hit.json.event)).toEqual(["payment_link.expired"])
            expect(expireHits[0]!.json.contains).toEqual(["payment_link"])
            expect(expireHits[0]!.json.payload.payment_link.entity).toMatchObject({
              id: toExpire.id,
              status: "expired",
              expired_at: toExpire.expire_by
            })
          })
      )

      it.effect(
        "a link with a customer: SMS and email in the sandbox inbox, statuses turn sent, notify_by resends",
        () =>
          Effect.gen(function* () {
            const suite = yield* Suite
            const auth = suite.shopAuth
            const link = yield* ok("POST", "/v1/invoices", {
              auth,
              body: {
                type: "link",
                amount: 29995,
                description: "Masala chai for the office",
                receipt: "chai-42",
                customer: { name: "Asha Rao", email: "asha@example.com", contact: "+919876543210" }
              }
            })
            expect(link).toMatchObject({ sms_status: "pending", email_status: "pending" })

            const inbox = (query: string) => ok("GET", `/v1/sandbox/inbox?invoice_id=${link.id}${query}`, { auth })
            const messages = yield* eventually(
              `an SMS and an email for ${link.id}`,
              Effect.map(inbox(""), (found) => (found.count >= 2 ? found.items : undefined))
            )
            const sms = messages.find((message: any) => message.channel === "sms")
            const email = messages.find((message: any) => message.channel === "email")
            expect(sms).toMatchObject({
              entity: "sandbox_message",
              invoice_id: link.id,
              to: "+919876543210",
              subject: null
            })
            expect(sms.text).toContain(SHOP_NAME)
            expect(sms.text).toContain("INR 299.95")
            expect(sms.text).toContain(link.short_url)
            expect(email).toMatchObject({
              invoice_id: link.id,
              to: "asha@example.com",
              subject: `Payment request from ${SHOP_NAME}: INR 299.95`
            })
            expect(email.text).toContain("Hello Asha Rao,")
            expect(email.text).toContain(`${SHOP_NAME} has sent you a payment request.`)
            expect(email.text).toContain("Amount: INR 299.95")
            expect(email.text).toContain(`Pay here: ${link.short_url}`)
            expect((yield* inbox("&channel=sms")).items).toEqual([sms])

            const sent = yield* eventually(
              `sms_status and email_status sent for ${link.id}`,
              Effect.map(ok("GET", `/v1/invoices/${link.id}`, { auth }), (found) =>
                found.sms_status === "sent" && found.email_status === "sent" ? found : undefined
              )
            )
            expect(sent.status).toBe("issued")
            // Another merchant's inbox does not have them.
            expect((yield* ok("GET", `/v1/sandbox/inbox?invoice_id=${link.id}`, { auth: suite.auth })).count).toBe(0)

            expect(yield* ok("POST", `/v1/invoices/${link.id}/notify_by/email`, { auth })).toEqual({ success: true })
            const resent = yield* eventually(
              `a second email for ${link.id}`,
              Effect.map(inbox("&channel=email"), (found) => (found.count >= 2 ? found.items : undefined))
            )
            expect(resent[0].text).toBe(email.text)
            yield* eventually(
              `email_status sent again for ${link.id}`,
              Effect.map(ok("GET", `/v1/invoices/${link.id}`, { auth }), (found) =>
                found.email_status === "sent" ? found : undefined
              )
            )
          })
      )

      it.effect("with PAYLINKS_SMTP_* the email goes to the SMTP server, the SMS still to the inbox", () =>
        Effect.gen(function* () {
          const suite = yield* Suite
          const smtp = yield* smtpServer
          // A database of its own: the suite's dispatcher must not take this server's outbox.
          const url = yield* suite.database
          const mailing = yield* serve(
            url,
            ["--key-id", "rzp_test_WebhookSmtp0001", "--key-secret", "smtp-suite-secret", "--dispatcher", "on"],
            {},
            {
              ...FAST,
              PAYLINKS_SMTP_HOST: "127.0.0.1",
              PAYLINKS_SMTP_PORT: String(smtp.port),
              PAYLINKS_SMTP_FROM: "Payments <pay@paylinks.test>"
            }
          )
          expect(mailing.printed).toContain(`notifications: email: smtp 127.0.0.1:${smtp.port}, sms: sandbox inbox`)
          const auth = basic("rzp_test_WebhookSmtp0001", "smtp-suite-secret")
          const request = (method: string, path: string, body?: unknown) =>
            Effect.promise(() => call(mailing.url, method, path, { auth, ...(body === undefined ? {} : { body }) }))
          const link = (yield* request("POST", "/v1/invoices", {
            type: "link",
            amount: 15000,
            customer: { name: "Ravi", email: "ravi@example.com", contact: "+919812345678" }
          })).json
          expect(link.email_status).toBe("pending")

          const mail = yield* eventually(
            "the email at the SMTP server",
            Effect.sync(() => smtp.mails.find((found) => found.to.includes("ravi@example.com")))
          )
          expect(mail.from).toBe("pay@paylinks.test")
          expect(mail.data).toContain("Subject: Payment request from paylinks merchant: INR 150.00")
          expect(mail.data).toContain(link.short_url)
          const sms = yield* eventually(
            "the SMS in the inbox",
            Effect.map(request("GET", `/v1/sandbox/inbox?invoice_id=${link.id}`), (answer) =>
              answer.json.count >= 1 ? answer.json.items : undefined
            )
          )
          expect(sms.map((message: any) => message.channel)).toEqual(["sms"])
          yield* eventually(
            "email_status and sms_status sent",
            Effect.map(request("GET", `/v1/invoices/${link.id}`), (answer) =>
              answer.json.email_status === "sent" && answer.json.sms_status === "sent" ? answer.json : undefined
            )
          )
          // The inbox never got the email.
          expect((yield* request("GET", `/v1/sandbox/inbox?invoice_id=${link.id}&channel=email`)).json.count).toBe(0)
          expect(smtp.mails.filter((found) => found.to.includes("ravi@example.com"))).toHaveLength(1)
        }).pipe(Effect.scoped)
      )

      it.effect("--dispatcher off: the server consumes nothing; a dispatcher elsewhere finds all the work", () =>
        Effect.gen(function* () {
          const suite = yield* Suite
          const url = yield* suite.database
          const quiet = yield* serve(url, ["--key-id", "rzp_test_WebhookQuiet001", "--key-secret", "quiet-secret"])
          expect(quiet.printed).toContain(
            "webhooks and notifications: not delivered by this process (dispatcher off); run paylinks-dispatcher"
          )
          const auth = basic("rzp_test_WebhookQuiet001", "quiet-secret")
          const created = yield* Effect.promise(() =>
            call(quiet.url, "POST", "/v1/invoices", {
              auth,
              body: { type: "link", amount: 1000, customer: { email: "q@example.com", contact: "+919800000001" } }
            })
          )
          expect(created.status).toBe(200)
          // The outbox still holds both notifications: a dispatcher on the same services finds and sends them.
          const report = yield* Effect.scoped(
            Effect.flatMap(Dispatcher.make(DispatcherSettings.make()), (dispatcher) => dispatcher.runOnce).pipe(
              Effect.provide(quiet.context)
            )
          )
          expect(report.notified).toBe(2)
          const after = yield* Effect.promise(() => call(quiet.url, "GET", `/v1/invoices/${created.json.id}`, { auth }))
          expect(after.json).toMatchObject({ sms_status: "sent", email_status: "sent" })
        }).pipe(Effect.scoped)
      )
    }
  )
