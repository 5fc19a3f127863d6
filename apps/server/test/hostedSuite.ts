/**
 * The sandbox API, the hosted page over plain HTTP, and expiry by test clock, end to end against the
 * real server on a real database. Run on SQLite and PostgreSQL.
 */
import { expect, layer } from "@effect/vitest"
import { PaymentLinkId } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import type { Tenant } from "@paylinks/core/Tenant"
import { basic, call, envelope } from "@paylinks/testing/HttpCall"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import Razorpay from "razorpay"
import RazorpayUtils from "razorpay/dist/utils/razorpay-utils.js"
import { type Served, serve } from "./helpers.js"
import { openPage, payThroughPage, postForm, visibleText } from "./pageClient.js"

const KEY_A = "rzp_test_HostedSuiteA01"
const SECRET_A = "secret-of-hosted-suite-a"

interface Fixture extends Served {
  readonly aTest: string
  readonly aLive: string
  readonly bTest: string
  readonly tenantA: Tenant
  readonly tenantALive: Tenant
  readonly tenantB: Tenant
}

class Suite extends Context.Tag("test/HostedSuite")<Suite, Fixture>() {}

const fixture = (database: Effect.Effect<string, never, Scope.Scope>) =>
  Layer.scoped(
    Suite,
    Effect.gen(function* () {
      const served = yield* Effect.orDie(
        Effect.flatMap(database, (url) => serve(url, ["--key-id", KEY_A, "--key-secret", SECRET_A]))
      )
      const merchants = yield* Effect.provide(Merchants, served.context)
      const a = yield* merchants.authenticate(KEY_A, SECRET_A).pipe(Effect.orDie)
      const live = yield* merchants.issueKey(a.tenant.merchantId, "live").pipe(Effect.orDie)
      const aLive = yield* merchants.authenticate(live.key.keyId, live.secret).pipe(Effect.orDie)
      const other = yield* merchants.create("Bolt <Stores> & Co")
      const otherKey = yield* merchants.issueKey(other.id, "test").pipe(Effect.orDie)
      const b = yield* merchants.authenticate(otherKey.key.keyId, otherKey.secret).pipe(Effect.orDie)
      return {
        ...served,
        aTest: basic(KEY_A, SECRET_A),
        aLive: basic(live.key.keyId, live.secret),
        bTest: basic(otherKey.key.keyId, otherKey.secret),
        tenantA: a.tenant,
        tenantALive: aLive.tenant,
        tenantB: b.tenant
      }
    })
  )

const http = (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
  Effect.flatMap(Suite, (suite) => Effect.promise(() => call(suite.url, method, path, options)))

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

const createLink = (body: Record<string, unknown>, auth?: string) =>
  Effect.gen(function* () {
    const suite = yield* Suite
    const answer = yield* http("POST", "/v1/invoices", { auth: auth ?? suite.aTest, body: { type: "link", ...body } })
    expect(answer.status, answer.text).toBe(200)
    return answer.json
  })

const fetchLink = (id: string, auth?: string) =>
  Effect.gen(function* () {
    const suite = yield* Suite
    const answer = yield* http("GET", `/v1/invoices/${id}`, { auth: auth ?? suite.aTest })
    expect(answer.status, answer.text).toBe(200)
    return answer.json
  })

/** The tags of a link's lifecycle events in the outbox, in order (notifications come and go on their own). */
const eventsOf = (tenant: Tenant, id: string) =>
  Effect.gen(function* () {
    const suite = yield* Suite
    const repository = yield* Effect.provide(PaymentLinkRepository, suite.context)
    const rows = yield* repository.eventsOf(tenant, PaymentLinkId.make(id))
    return rows.map((row) => row.event._tag).filter((tag) => tag.startsWith("Link"))
  })

const notFoundRoute = envelope("The requested URL was not found on the server.", { origin: "NA" })

const PAYMENT_KEYS = [
  "id",
  "entity",
  "amount",
  "currency",
  "status",
  "order_id",
  "invoice_id",
  "international",
  "method",
  "amount_refunded",
  "refund_status",
  "captured",
  "description",
  "card_id",
  "bank",
  "wallet",
  "vpa",
  "email",
  "contact",
  "notes",
  "fee",
  "tax",
  "error_code",
  "error_description",
  "created_at"
]

/** The headers every HTML answer of the page carries. */
const expectPageHeaders = (headers: Headers, label: string) => {
  expect(headers.get("content-type"), label).toBe("text/html; charset=utf-8")
  const csp = headers.get("content-security-policy") ?? ""
  expect(csp, label).toMatch(/(^|; )default-src 'none'(;|$)/)
  expect(csp, label).toMatch(/(^|; )style-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/)
  expect(csp, label).toMatch(/(^|; )form-action 'self'/)
  expect(csp, label).toMatch(/(^|; )frame-ancestors 'none'(;|$)/)
  expect(csp, label).not.toMatch(/script-src|unsafe-inline|unsafe-eval/)
  expect(headers.get("x-content-type-options"), label).toBe("nosniff")
  expect(headers.get("referrer-policy"), label).toBe("same-origin")
}

export const hostedSuite = (label: string, database: Effect.Effect<string, never, Scope.Scope>) =>
  layer(fixture(database), { excludeTestServices: true, timeout: "60 seconds" })(
    `sandbox and hosted page on ${label}`,
    (it) => {
      it.effect("a sandbox payment captures the amount due by default and answers the payment and the link", () =>
        Effect.gen(function* () {
          const { aTest, tenantA } = yield* Suite
          const link = yield* createLink({
            amount: 50000,
            description: "Headphones",
            customer: { name: "Asha", email: "asha@example.com", contact: "+919876543210" },
            notes: { order: "42" }
          })
          const paid = yield* http("POST", `/v1/sandbox/invoices/${link.id}/payments`, { auth: aTest, body: {} })
          expect(paid.status, paid.text).toBe(200)
          expect(Object.keys(paid.json)).toEqual(["entity", "payment", "invoice"])
          expect(paid.json.entity).toBe("sandbox_payment")
          const payment = paid.json.payment
          expect(Object.keys(payment)).toEqual(PAYMENT_KEYS)
          expect(payment).toMatchObject({
            entity: "payment",
            amount: 50000,
            currency: "INR",
            status: "captured",
            order_id: link.order_id,
            invoice_id: link.id,
            method: "card",
            captured: true,
            // Razorpay's description of a link's payment, and the link's notes: the webhook's payment entity.
            description: `Invoice #${link.id}`,
            email: "asha@example.com",
            contact: "+919876543210",
            notes: { order: "42" }
          })
          expect(payment.id).toMatch(/^pay_[0-9A-Za-z]{14}$/)
          expect(paid.json.invoice).toMatchObject({
            status: "paid",
            amount_paid: 50000,
            amount_due: 0,
            payment_id: payment.id
          })
          expect(paid.json.invoice).toEqual(yield* fetchLink(link.id))
          expect(yield* eventsOf(tenantA, link.id)).toEqual(["LinkIssued", "LinkPaid"])
        })
      )

      it.effect("sandbox payments follow the domain's rules: partial instalments, over-payment, methods, fields", () =>
        Effect.gen(function* () {
          const { aTest, bTest } = yield* Suite
          const link = yield* createLink({ amount: 100000, partial_payment: true, first_payment_min_amount: 30000 })
          const pay = (body: Record<string, unknown>, auth = aTest) =>
            http("POST", `/v1/sandbox/invoices/${link.id}/payments`, { auth, body })
          expect((yield* pay({ amount: 20000 })).json).toEqual(
            envelope("The first payment must be at least INR 300.00.", { field: "amount" })
          )
          expect((yield* pay({ amount: 100001 })).json).toEqual(
            envelope("Payment amount exceeds the amount due.", { field: "amount" })
          )
          expect((yield* pay({ amount: 40000, method: "cash" })).json).toEqual(
            envelope("The selected method is invalid.", { field: "method" })
          )
          expect((yield* pay({ amount: 40000, tip: 1 })).json).toEqual(
            envelope("tip is/are not required and should not be sent", { field: "tip" })
          )
          expect((yield* pay({ amount: 40000 }, bTest)).json).toEqual(envelope("The id provided does not exist"))
          const first = yield* pay({ amount: 40000, method: "upi" })
          expect(first.json.payment).toMatchObject({ amount: 40000, method: "upi" })
          expect(first.json.invoice).toMatchObject({ status: "partially_paid", amount_paid: 40000, amount_due: 60000 })
          const second = yield* pay({})
          expect(second.json.payment.amount).toBe(60000)
          expect(second.json.invoice).toMatchObject({ status: "paid", amount_paid: 100000, amount_due: 0 })
          expect((yield* pay({})).json).toEqual(envelope("Operation not allowed for Invoice in paid status."))
          const malformed = yield* http("POST", "/v1/sandbox/invoices/inv_bad/payments", { auth: aTest, body: {} })
          expect(malformed.json).toEqual(envelope("bad is not a valid id"))
        })
      )

      it.effect("an Idempotency-Key on a sandbox payment pays once and replays the answer", () =>
        Effect.gen(function* () {
          const { aTest } = yield* Suite
          const link = yield* createLink({ amount: 10000, partial_payment: true })
          const pay = () =>
            http("POST", `/v1/sandbox/invoices/${link.id}/payments`, {
              auth: aTest,
              body: { amount: 2500 },
              headers: { "idempotency-key": `sandbox-${link.id}` }
            })
          const first = yield* pay()
          const again = yield* pay()
          expect(again.status).toBe(200)
          expect(again.text).toBe(first.text)
          expect(again.headers.get("idempotent-replayed")).toBe("true")
          expect((yield* fetchLink(link.id)).amount_paid).toBe(2500)
        })
      )

      it.effect("live keys are told the sandbox routes do not exist; no key is a 401", () =>
        Effect.gen(function* () {
          const { aLive } = yield* Suite
          const liveLink = yield* createLink({ amount: 10000 }, aLive)
          for (const [method, path, body] of [
            ["POST", `/v1/sandbox/invoices/${liveLink.id}/payments`, {}],
            ["GET", "/v1/sandbox/clock", undefined],
            ["POST", "/v1/sandbox/clock", { advance_by: 60 }]
          ] as const) {
            const answer = yield* http(method, path, { auth: aLive, body })
            expect([answer.status, answer.json], `${method} ${path}`).toEqual([400, notFoundRoute])
            const anonymous = yield* http(method, path, { body })
            expect(anonymous.status, `${method} ${path} without a key`).toBe(401)
          }
          expect((yield* fetchLink(liveLink.id, aLive)).status).toBe("issued")
        })
      )

      it.effect("the test clock: read, advanced, validated, per merchant", () =>
        Effect.gen(function* () {
          const { bTest } = yield* Suite
          const before = Math.floor(Date.now() / 1000)
          const read = yield* http("GET", "/v1/sandbox/clock", { auth: bTest })
          expect(read.status).toBe(200)
          expect(Object.keys(read.json)).toEqual(["entity", "offset", "now"])
          expect(read.json.entity).toBe("test_clock")
          const offset = read.json.offset as number
          expect(read.json.now - offset).toBeGreaterThanOrEqual(before)
          expect(read.json.now - offset).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
          const advanced = yield* http("POST", "/v1/sandbox/clock", { auth: bTest, body: { advance_by: 7200 } })
          expect(advanced.status, advanced.text).toBe(200)
          expect(advanced.json.offset).toBe(offset + 7200)
          expect(advanced.json.now - advanced.json.offset).toBeGreaterThanOrEqual(before)
          expect((yield* http("GET", "/v1/sandbox/clock", { auth: bTest })).json.offset).toBe(offset + 7200)
          const refusals: ReadonlyArray<readonly [unknown, ReturnType<typeof envelope>]> = [
            [{}, envelope("The advance_by field is required.", { field: "advance_by" })],
            [{ advance_by: "60" }, envelope("The advance_by must be an integer.", { field: "advance_by" })],
            [{ advance_by: -1 }, envelope("The advance_by must be at least 0.", { field: "advance_by" })],
            [
              { advance_by: 1, extra: 1 },
              envelope("extra is/are not required and should not be sent", { field: "extra" })
            ]
          ]
          for (const [body, expected] of refusals) {
            const refused = yield* http("POST", "/v1/sandbox/clock", { auth: bTest, body })
            expect([refused.status, refused.json], JSON.stringify(body)).toEqual([400, expected])
          }
          expect((yield* http("GET", "/v1/sandbox/clock", { auth: bTest })).json.offset).toBe(offset + 7200)
        })
      )

      it.effect("advancing a merchant's test clock expires exactly its due links, once, with their events", () =>
        Effect.gen(function* () {
          const suite = yield* Suite
          const clockOf = (auth: string) => Effect.map(http("GET", "/v1/sandbox/clock", { auth }), (a) => a.json.now)
          const nowA = yield* clockOf(suite.aTest)
          const nowB = yield* clockOf(suite.bTest)
          const soon = yield* createLink({ amount: 1000, expire_by: nowA + 20 * 60 })
          const partly = yield* createLink({ amount: 1000, partial_payment: true, expire_by: nowA + 50 * 60 })
          yield* http("POST", `/v1/sandbox/invoices/${partly.id}/payments`, {
            auth: suite.aTest,
            body: { amount: 400 }
          })
          const later = yield* createLink({ amount: 1000, expire_by: nowA + 3 * 3600 })
          const paid = yield* createLink({ amount: 1000, expire_by: nowA + 20 * 60 })
          yield* http("POST", `/v1/sandbox/invoices/${paid.id}/payments`, { auth: suite.aTest, body: {} })
          const live = yield* createLink(
            { amount: 1000, expire_by: Math.floor(Date.now() / 1000) + 20 * 60 },
            suite.aLive
          )
          const other = yield* createLink({ amount: 1000, expire_by: nowB + 20 * 60 }, suite.bTest)

          const advanced = yield* http("POST", "/v1/sandbox/clock", { auth: suite.aTest, body: { advance_by: 3600 } })
          expect(advanced.status, advanced.text).toBe(200)
          // Already stored: the repository holds them as expired, with the event, before anyone reads them.
          const repository = yield* Effect.provide(PaymentLinkRepository, suite.context)
          for (const link of [soon, partly]) {
            const stored = yield* repository.findById(suite.tenantA, PaymentLinkId.make(link.id))
            expect(stored._tag === "Some" && stored.value.status, link.id).toBe("expired")
          }
          expect(yield* eventsOf(suite.tenantA, soon.id)).toEqual(["LinkIssued", "LinkExpired"])
          expect(yield* eventsOf(suite.tenantA, partly.id)).toEqual(["LinkIssued", "LinkPartiallyPaid", "LinkExpired"])
          expect(yield* fetchLink(soon.id)).toMatchObject({ status: "expired", expired_at: soon.expire_by })
          expect(yield* fetchLink(partly.id)).toMatchObject({ status: "expired", amount_paid: 400 })
          expect((yield* fetchLink(later.id)).status).toBe("issued")
          expect(yield* eventsOf(suite.tenantA, paid.id)).toEqual(["LinkIssued", "LinkPaid"])
          expect((yield* fetchLink(live.id, suite.aLive)).status).toBe("issued")
          expect(yield* eventsOf(suite.tenantALive, live.id)).toEqual(["LinkIssued"])
          expect((yield* fetchLink(other.id, suite.bTest)).status).toBe("issued")
          expect(yield* eventsOf(suite.tenantB, other.id)).toEqual(["LinkIssued"])

          // Once: advancing again, or a sweep, emits nothing more.
          yield* http("POST", "/v1/sandbox/clock", { auth: suite.aTest, body: { advance_by: 60 } })
          expect(yield* eventsOf(suite.tenantA, soon.id)).toEqual(["LinkIssued", "LinkExpired"])
          expect(yield* eventsOf(suite.tenantA, partly.id)).toEqual(["LinkIssued", "LinkPartiallyPaid", "LinkExpired"])
          const refused = yield* http("POST", `/v1/sandbox/invoices/${soon.id}/payments`, {
            auth: suite.aTest,
            body: {}
          })
          expect(refused.json).toEqual(envelope("Operation not allowed for Invoice in expired status."))
        })
      )

      it.effect(
        "the page: merchant, amount, receipt, expiry and every supplied string as text, with strict headers",
        () =>
          Effect.gen(function* () {
            const { bTest } = yield* Suite
            const payload = `<script>alert("x")</script><img src=x onerror=alert(1)>`
            const link = yield* createLink(
              {
                amount: 123456,
                receipt: `R-<b>1</b>`,
                description: `Order ${payload} & "quotes"`,
                customer: { name: `<i>Ravi</i> 'R'` }
              },
              bTest
            )
            const page = yield* promise(() => openPage(link.short_url))
            expect(page.status).toBe(200)
            expectPageHeaders(page.headers, "page")
            expect(page.html).not.toContain("<script")
            expect(page.html).not.toContain("<img")
            expect(page.html).not.toContain("<b>1</b>")
            expect(page.html).not.toContain("<i>Ravi")
            const text = visibleText(page.html)
            expect(text).toContain("Bolt <Stores> & Co")
            expect(text).toContain("₹1,234.56")
            expect(text).toContain(`Order ${payload} & "quotes"`)
            expect(text).toContain("R-<b>1</b>")
            expect(text).toContain(`<i>Ravi</i> 'R'`)
            expect(text).toContain("Test mode")
            const expiry = new Date(link.expire_by * 1000)
            expect(page.html).toContain(`datetime="${expiry.toISOString()}"`)
            expect(text).toContain(`${expiry.getUTCFullYear()}`)
            // The form cookie is HttpOnly and not sent on cross-site posts.
            expect(page.headers.get("set-cookie")).toMatch(
              /^paylinks_form=[A-Za-z0-9_-]+; Path=\/i\/; HttpOnly; SameSite=Lax$/
            )
            expect(page.form).toBeDefined()
          })
      )

      it.effect("an unknown or malformed code is a 404 page, with the same headers", () =>
        Effect.gen(function* () {
          const suite = yield* Suite
          for (const code of ["AAAAAAAA", "nope", "A".repeat(9)]) {
            const page = yield* promise(() => openPage(`${suite.url}/i/${code}`))
            expect(page.status, code).toBe(404)
            expectPageHeaders(page.headers, code)
            expect(visibleText(page.html)).toContain("Payment link not found")
            const posted = yield* promise(() => postForm(`${suite.url}/i/${code}`, { token: "x" }))
            expect(posted.status, code).toBe(404)
            expectPageHeaders(posted.headers, `POST ${code}`)
          }
        })
      )

      it.effect(
        "a form post without its cookie and token, with another browser's cookie, or from elsewhere pays nothing",
        () =>
          Effect.gen(function* () {
            const link = yield* createLink({ amount: 5000 })
            const page = yield* promise(() => openPage(link.short_url))
            const own = new URL(link.short_url).origin
            const stranger = yield* promise(() => openPage(link.short_url))
            const attempts = [
              { label: "no token, no cookie", fields: {}, options: {} },
              { label: "token, no cookie", fields: page.form!, options: { origin: own } },
              { label: "cookie, no token", fields: {}, options: { cookie: page.cookie, origin: own } },
              {
                label: "another browser's cookie",
                fields: page.form!,
                options: { cookie: stranger.cookie, origin: own }
              },
              {
                label: "a forged token",
                fields: { ...page.form!, token: `${page.form!.token.slice(0, -4)}AAAA` },
                options: { cookie: page.cookie, origin: own }
              },
              {
                label: "another origin",
                fields: page.form!,
                options: { cookie: page.cookie, origin: "https://evil.example" }
              }
            ]
            for (const attempt of attempts) {
              const posted = yield* promise(() => postForm(link.short_url, attempt.fields, attempt.options))
              expect(posted.status, attempt.label).toBe(403)
              expectPageHeaders(posted.headers, attempt.label)
              expect(visibleText(posted.html), attempt.label).toContain("nothing was paid")
            }
            expect((yield* fetchLink(link.id)).amount_paid).toBe(0)
            // The genuine form still works.
            const genuine = yield* promise(() =>
              postForm(link.short_url, page.form!, { cookie: page.cookie, origin: own })
            )
            expect(genuine.status).toBe(200)
            expect((yield* fetchLink(link.id)).status).toBe("paid")
          })
      )

      it.effect("submitting one form twice, even at once, pays once and answers both alike", () =>
        Effect.gen(function* () {
          const link = yield* createLink({ amount: 90000, partial_payment: true })
          const page = yield* promise(() => openPage(link.short_url))
          const origin = new URL(link.short_url).origin
          const fields = { ...page.form!, choice: "part", amount: "100.00", method: "card" }
          const submit = () => postForm(link.short_url, fields, { cookie: page.cookie, origin })
          const [first, second] = yield* promise(() => Promise.all([submit(), submit()]))
          const third = yield* promise(submit)
          expect([first.status, second.status, third.status]).toEqual([200, 200, 200])
          expect(second.html).toBe(first.html)
          expect(third.html).toBe(first.html)
          const fetched = yield* fetchLink(link.id)
          expect([fetched.status, fetched.amount_paid]).toEqual(["partially_paid", 10000])
          // The same form with other details is not a second payment either.
          const changed = yield* promise(() =>
            postForm(link.short_url, { ...fields, amount: "200.00" }, { cookie: page.cookie, origin })
          )
          expect(changed.status).toBe(409)
          expect((yield* fetchLink(link.id)).amount_paid).toBe(10000)
          // A new page is a new form: a second payment.
          const next = yield* promise(() => payThroughPage(link.short_url, { choice: "part", amount: "50" }))
          expect(next.status).toBe(200)
          expect((yield* fetchLink(link.id)).amount_paid).toBe(15000)
        })
      )

      it.effect("resubmitting the form that paid a link in full answers its success page, also 8 at once", () =>
        Effect.gen(function* () {
          const { tenantA } = yield* Suite
          const link = yield* createLink({ amount: 100000 })
          const page = yield* promise(() => openPage(link.short_url))
          const origin = new URL(link.short_url).origin
          const fields = { ...page.form!, choice: "full", method: "card" }
          const submit = () => postForm(link.short_url, fields, { cookie: page.cookie, origin })
          const all = yield* promise(() => Promise.all(Array.from({ length: 8 }, submit)))
          expect(all.map((posted) => posted.status)).toEqual(Array(8).fill(200))
          expect(visibleText(all[0]!.html)).toContain("Payment successful")
          for (const posted of all) expect(posted.html).toBe(all[0]!.html)
          // The answer was lost, or the customer clicked again: the link is paid now, the answer is the same.
          const again = yield* promise(submit)
          expect(again.status).toBe(200)
          expect(again.html).toBe(all[0]!.html)
          expectPageHeaders(again.headers, "resubmitted")
          const fetched = yield* fetchLink(link.id)
          expect([fetched.status, fetched.amount_paid]).toEqual(["paid", 100000])
          expect(yield* eventsOf(tenantA, link.id)).toEqual(["LinkIssued", "LinkPaid"])
        })
      )

      it.effect("resubmitting the form that paid a link with a callback_url answers the same signed redirect", () =>
        Effect.gen(function* () {
          const { tenantA } = yield* Suite
          const link = yield* createLink({ amount: 30000, callback_url: "https://shop.example/done" })
          const page = yield* promise(() => openPage(link.short_url))
          const origin = new URL(link.short_url).origin
          const submit = () => postForm(link.short_url, page.form!, { cookie: page.cookie, origin })
          const all = yield* promise(() => Promise.all(Array.from({ length: 8 }, submit)))
          const first = all[0]!
          expect(first.status).toBe(303)
          expect(first.location).toMatch(/^https:\/\/shop\.example\/done\?razorpay_payment_id=pay_/)
          for (const posted of all) expect([posted.status, posted.location]).toEqual([303, first.location])
          const again = yield* promise(submit)
          expect([again.status, again.location]).toEqual([303, first.location])
          expect((yield* fetchLink(link.id)).status).toBe("paid")
          expect(yield* eventsOf(tenantA, link.id)).toEqual(["LinkIssued", "LinkPaid"])
        })
      )

      it.effect("a refused amount is shown on the page with the form again; nothing is paid", () =>
        Effect.gen(function* () {
          const link = yield* createLink({ amount: 100000, partial_payment: true, first_payment_min_amount: 30000 })
          for (const [amount, text] of [
            ["200", "The first payment must be at least INR 300.00."],
            ["1000.01", "Payment amount exceeds the amount due."],
            ["12.345", "12.345 is not an amount in INR."],
            ["", "Enter the amount you want to pay now"]
          ] as const) {
            const posted = yield* promise(() => payThroughPage(link.short_url, { choice: "part", amount }))
            expect(posted.status, amount).toBe(400)
            expectPageHeaders(posted.headers, amount)
            expect(visibleText(posted.html), amount).toContain(text)
            expect(posted.html, amount).toContain("<form")
          }
          expect((yield* fetchLink(link.id)).amount_paid).toBe(0)
        })
      )

      it.effect(
        "the button pressed decides what is paid: an amount posted with Pay in full is refused, never charged",
        () =>
          Effect.gen(function* () {
            const link = yield* createLink({ amount: 100000, partial_payment: true })
            // The issue's case: "Pay in full" with 350 typed. Also with no choice at all, or one that is not a choice.
            for (const fields of [
              { choice: "full", amount: "350" },
              { amount: "350" },
              { choice: "everything", amount: "350" },
              { choice: "full", amount: " 350 " }
            ]) {
              const label = JSON.stringify(fields)
              const posted = yield* promise(() => payThroughPage(link.short_url, fields))
              expect(posted.status, label).toBe(400)
              expectPageHeaders(posted.headers, label)
              expect(visibleText(posted.html), label).toContain(
                "You entered 350 but chose to pay in full, so nothing was paid."
              )
              // The amount stays in its field, ready for "Pay this amount".
              expect(posted.html, label).toContain('value="350"')
            }
            expect((yield* fetchLink(link.id)).amount_paid).toBe(0)
            // The part button with the amount pays the amount; the full button with the field empty pays what is due.
            expect(
              (yield* promise(() => payThroughPage(link.short_url, { choice: "part", amount: "350" }))).status
            ).toBe(200)
            expect((yield* fetchLink(link.id)).amount_paid).toBe(35000)
            expect((yield* promise(() => payThroughPage(link.short_url, { choice: "full", amount: "" }))).status).toBe(
              200
            )
            expect(yield* fetchLink(link.id)).toMatchObject({ status: "paid", amount_paid: 100000 })
            // A link without partial payments takes no amount either.
            const whole = yield* createLink({ amount: 5000 })
            const crafted = yield* promise(() => payThroughPage(whole.short_url, { choice: "part", amount: "10" }))
            expect(crafted.status).toBe(400)
            expect(visibleText(crafted.html)).toContain("This link can only be paid in full, so nothing was paid.")
            expect((yield* fetchLink(whole.id)).amount_paid).toBe(0)
            expect((yield* promise(() => payThroughPage(whole.short_url))).status).toBe(200)
            expect((yield* fetchLink(whole.id)).amount_paid).toBe(5000)
          })
      )

      it.effect("paid, cancelled and expired links show their state and date, no form, and refuse a post", () =>
        Effect.gen(function* () {
          const suite = yield* Suite
          const now = (yield* http("GET", "/v1/sandbox/clock", { auth: suite.bTest })).json.now
          const paid = yield* createLink({ amount: 1000, partial_payment: true }, suite.bTest)
          const cancelled = yield* createLink({ amount: 1000 }, suite.bTest)
          const expired = yield* createLink({ amount: 1000, expire_by: now + 16 * 60 }, suite.bTest)
          // Forms opened while each link could still be paid.
          const forms = new Map<string, Awaited<ReturnType<typeof openPage>>>()
          for (const link of [paid, cancelled, expired])
            forms.set(link.id, yield* promise(() => openPage(link.short_url)))
          yield* http("POST", `/v1/sandbox/invoices/${paid.id}/payments`, { auth: suite.bTest, body: {} })
          yield* http("POST", `/v1/invoices/${cancelled.id}/cancel`, { auth: suite.bTest })
          yield* http("POST", "/v1/sandbox/clock", { auth: suite.bTest, body: { advance_by: 3600 } })
          for (const [link, status, phrase, at] of [
            [paid, "paid", "was paid in full on", "paid_at"],
            [cancelled, "cancelled", "was cancelled on", "cancelled_at"],
            [expired, "expired", "expired on", "expired_at"]
          ] as const) {
            const current = yield* fetchLink(link.id, suite.bTest)
            expect(current.status).toBe(status)
            const page = yield* promise(() => openPage(link.short_url))
            expect(page.status).toBe(200)
            expect(page.html, status).not.toContain("<form")
            expect(page.form, status).toBeUndefined()
            expect(page.headers.get("set-cookie"), status).toBeNull()
            expect(visibleText(page.html), status).toContain(`This payment link ${phrase}`)
            expect(page.html, status).toContain(`datetime="${new Date(current[at] * 1000).toISOString()}"`)
            const opened = forms.get(link.id)!
            const posted = yield* promise(() =>
              postForm(link.short_url, opened.form!, { cookie: opened.cookie, origin: new URL(link.short_url).origin })
            )
            expect(posted.status, status).toBe(400)
            expectPageHeaders(posted.headers, `POST ${status}`)
            expect(visibleText(posted.html), status).toContain(`Operation not allowed for Invoice in ${status} status.`)
            expect(posted.html, status).not.toContain("<form")
            // Even without a token: there is nothing a post could do.
            const bare = yield* promise(() => postForm(link.short_url, {}))
            expect(bare.status, status).toBe(400)
            expect((yield* fetchLink(link.id, suite.bTest)).amount_paid).toBe(current.amount_paid)
          }
        })
      )

      it.effect("a live link's page says no gateway is configured and takes no payment", () =>
        Effect.gen(function* () {
          const { aLive } = yield* Suite
          const link = yield* createLink({ amount: 2000, description: "Live order" }, aLive)
          const page = yield* promise(() => openPage(link.short_url))
          expect(page.status).toBe(200)
          expectPageHeaders(page.headers, "live page")
          expect(page.html).not.toContain("<form")
          expect(visibleText(page.html)).toContain("no payment gateway is configured")
          expect(visibleText(page.html)).not.toContain("Test mode")
          const posted = yield* promise(() => postForm(link.short_url, {}))
          expect(posted.status).toBe(503)
          expect(visibleText(posted.html)).toContain("No payment gateway is configured")
          expect((yield* fetchLink(link.id, aLive)).amount_paid).toBe(0)
        })
      )

      it.effect("with a callback_url the page redirects with the signed query, which verifies with the SDK", () =>
        Effect.gen(function* () {
          const link = yield* createLink({
            amount: 20000,
            partial_payment: true,
            receipt: "order-77",
            callback_url: "https://shop.example/return?cart=9",
            callback_method: "get"
          })
          const page = yield* promise(() => openPage(link.short_url))
          expect(page.headers.get("content-security-policy")).toMatch(/form-action 'self' https:\/\/shop\.example(;|$)/)
          const posted = yield* promise(() =>
            postForm(
              link.short_url,
              { ...page.form!, choice: "part", amount: "50.00" },
              { cookie: page.cookie, origin: new URL(link.short_url).origin }
            )
          )
          expect(posted.status).toBe(303)
          const location = new URL(posted.location!)
          expect(`${location.origin}${location.pathname}`).toBe("https://shop.example/return")
          const query = Object.fromEntries(location.searchParams)
          const current = yield* fetchLink(link.id)
          expect(query).toEqual({
            cart: "9",
            razorpay_payment_id: current.payment_id,
            razorpay_invoice_id: link.id,
            razorpay_invoice_status: "partially_paid",
            razorpay_invoice_receipt: "order-77",
            razorpay_signature: expect.stringMatching(/^[0-9a-f]{64}$/)
          })
          const verify = (secret: string) =>
            RazorpayUtils.validatePaymentVerification(
              {
                payment_link_id: query.razorpay_invoice_id!,
                payment_link_reference_id: query.razorpay_invoice_receipt!,
                payment_link_status: query.razorpay_invoice_status!,
                payment_id: query.razorpay_payment_id!
              },
              query.razorpay_signature!,
              secret
            )
          expect(verify(SECRET_A)).toBe(true)
          expect(verify(`${SECRET_A}x`)).toBe(false)
          const message = [
            query.razorpay_invoice_id,
            query.razorpay_invoice_receipt,
            query.razorpay_invoice_status,
            query.razorpay_payment_id
          ].join("|")
          expect(Razorpay.validateWebhookSignature(message, query.razorpay_signature!, SECRET_A)).toBe(true)
        })
      )

      it.effect(
        "a Payment Links link is served the same way and redirects with the payment_link query, verified by the SDK",
        () =>
          Effect.gen(function* () {
            const suite = yield* Suite
            const created = yield* http("POST", "/v1/payment_links", {
              auth: suite.aTest,
              body: {
                amount: 20000,
                accept_partial: true,
                reference_id: "plink-order-77",
                callback_url: "https://shop.example/return?cart=9",
                callback_method: "get"
              }
            })
            expect(created.status, created.text).toBe(200)
            const link = created.json
            const page = yield* promise(() => openPage(link.short_url))
            expect(page.form).toBeDefined()
            const posted = yield* promise(() =>
              postForm(
                link.short_url,
                { ...page.form!, choice: "part", amount: "50.00" },
                { cookie: page.cookie, origin: new URL(link.short_url).origin }
              )
            )
            expect(posted.status).toBe(303)
            const query = Object.fromEntries(new URL(posted.location!).searchParams)
            const current = (yield* http("GET", `/v1/payment_links/${link.id}`, { auth: suite.aTest })).json
            expect(current).toMatchObject({ status: "partially_paid", amount_paid: 5000 })
            expect(query).toEqual({
              cart: "9",
              razorpay_payment_id: current.payments[0].payment_id,
              razorpay_payment_link_id: link.id,
              razorpay_payment_link_reference_id: "plink-order-77",
              razorpay_payment_link_status: "partially_paid",
              razorpay_signature: expect.stringMatching(/^[0-9a-f]{64}$/)
            })
            const verify = (secret: string) =>
              RazorpayUtils.validatePaymentVerification(
                {
                  payment_link_id: query.razorpay_payment_link_id!,
                  payment_link_reference_id: query.razorpay_payment_link_reference_id!,
                  payment_link_status: query.razorpay_payment_link_status!,
                  payment_id: query.razorpay_payment_id!
                },
                query.razorpay_signature!,
                secret
              )
            expect(verify(SECRET_A)).toBe(true)
            expect(verify(`${SECRET_A}x`)).toBe(false)
            // Paid in full (from a fresh page: each form is one payment), the page shows the closed state.
            const again = yield* promise(() => openPage(link.short_url))
            const rest = yield* promise(() =>
              postForm(
                link.short_url,
                { ...again.form!, choice: "full" },
                { cookie: again.cookie, origin: new URL(link.short_url).origin }
              )
            )
            expect(rest.status).toBe(303)
            expect(new URL(rest.location!).searchParams.get("razorpay_payment_link_status")).toBe("paid")
            const closed = yield* promise(() => openPage(link.short_url))
            expect(closed.form).toBeUndefined()
          })
      )
    }
  )
