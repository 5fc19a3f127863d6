/**
 * The hosted page's live mode with a payment gateway plugged in (a `PaymentGateway` that records its
 * checkouts), over real HTTP on the in-memory adapters: the customer is sent to the gateway's
 * checkout for an amount the domain accepts, and nothing is captured until the gateway reports it.
 * Test mode keeps paying in the sandbox. The page without a gateway is tested end to end in apps/server.
 */
import { expect, layer } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import { GatewayUnavailable, PaymentGateway, type PaymentGatewayShape } from "@paylinks/core/PaymentGateway"
import { basic, call } from "@paylinks/testing/HttpCall"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PaylinksServer from "../src/PaylinksServer.js"
import * as Readiness from "../src/Readiness.js"
import { InMemoryServices } from "./helpers.js"

const CHECKOUT = "https://checkout.gateway.test"

interface Checkout {
  readonly linkId: string
  readonly amount: number
  readonly method: string
  readonly returnUrl: string
}

interface Fixture {
  readonly url: string
  readonly live: string
  readonly test: string
  readonly checkouts: Array<Checkout>
  /** Makes the gateway refuse the next checkouts (it is down). */
  readonly down: { value: boolean }
}

class Suite extends Context.Tag("test/GatewaySuite")<Suite, Fixture>() {}

const fixture = Layer.scoped(
  Suite,
  Effect.gen(function* () {
    const checkouts: Array<Checkout> = []
    const down = { value: false }
    const gateway: PaymentGatewayShape = {
      configured: true,
      checkoutOrigins: [CHECKOUT],
      checkout: (link, request) =>
        down.value
          ? Effect.fail(new GatewayUnavailable({ description: "The gateway is down for maintenance." }))
          : Effect.sync(() => {
              checkouts.push({ linkId: link.id, ...request })
              return { redirectUrl: `${CHECKOUT}/pay/${link.id}?amount=${request.amount}` }
            })
    }
    const context = yield* Layer.build(
      Layer.mergeAll(InMemoryServices, Readiness.layerAlways, Layer.succeed(PaymentGateway, gateway))
    )
    const running = yield* PaylinksServer.make({ port: 0, logger: () => {} }).pipe(Effect.provide(context))
    const merchants = Context.get(context, Merchants)
    const seeded = yield* merchants.seedKey("rzp_test_gatewaySuite1", "secret-test", "Gateway Shop")
    const live = yield* Effect.orDie(merchants.issueKey(seeded.merchant.id, "live"))
    return {
      url: running.url,
      live: basic(live.key.keyId, live.secret),
      test: basic("rzp_test_gatewaySuite1", "secret-test"),
      checkouts,
      down
    }
  })
)

const createLink = (auth: string, body: Record<string, unknown>) =>
  Effect.gen(function* () {
    const { url } = yield* Suite
    const answer = yield* Effect.promise(() =>
      call(url, "POST", "/v1/invoices", { auth, body: { type: "link", ...body } })
    )
    expect(answer.status, answer.text).toBe(200)
    return answer.json
  })

/**
 * Opens the link's page on this server (its `short_url` names the public host, as behind a proxy)
 * and posts its form with `fields`, from the page's origin, redirects not followed.
 */
const payThroughPage = (link: { readonly short_url: string }, fields: Record<string, string> = {}) =>
  Effect.flatMap(Suite, (suite) =>
    Effect.promise(async () => {
      const shortUrl = `${suite.url}${new URL(link.short_url).pathname}`
      const page = await fetch(shortUrl)
      const html = await page.text()
      const token = /name="token" value="([^"]+)"/.exec(html)?.[1]
      const due = /name="due" value="([^"]+)"/.exec(html)?.[1]
      if (token === undefined || due === undefined) throw new Error(`no form on ${shortUrl}`)
      const posted = await fetch(shortUrl, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: (page.headers.get("set-cookie") ?? "").split(";")[0]!,
          origin: new URL(shortUrl).origin
        },
        body: new URLSearchParams({ token, due, ...fields }).toString()
      })
      return { page, html, status: posted.status, location: posted.headers.get("location"), body: await posted.text() }
    })
  )

const amountPaid = (auth: string, id: string) =>
  Effect.gen(function* () {
    const { url } = yield* Suite
    return (yield* Effect.promise(() => call(url, "GET", `/v1/invoices/${id}`, { auth }))).json.amount_paid
  })

layer(fixture, { excludeTestServices: true })("the hosted page with a payment gateway", (it) => {
  it.effect(
    "a live link's form sends the customer to the gateway's checkout for the amount due; nothing is captured",
    () =>
      Effect.gen(function* () {
        const suite = yield* Suite
        const link = yield* createLink(suite.live, { amount: 250000 })
        const result = yield* payThroughPage(link)
        expect(result.page.headers.get("content-security-policy")).toContain(`form-action 'self' ${CHECKOUT};`)
        expect(result.html).toContain("<form")
        const body = result.html.replace(/<style>[\s\S]*?<\/style>/, "")
        expect(body).not.toContain("sandbox")
        expect(body).not.toContain("Test mode")
        expect(result.html).toContain("Pay ₹2,500.00</button>")
        expect(result.status).toBe(303)
        expect(result.location).toBe(`${CHECKOUT}/pay/${link.id}?amount=250000`)
        expect(suite.checkouts.at(-1)).toEqual({
          linkId: link.id,
          amount: 250000,
          method: "card",
          returnUrl: link.short_url
        })
        expect(yield* amountPaid(suite.live, link.id)).toBe(0)
      })
  )

  it.effect("the gateway only sees instalments the domain accepts", () =>
    Effect.gen(function* () {
      const suite = yield* Suite
      const link = yield* createLink(suite.live, {
        amount: 100000,
        partial_payment: true,
        first_payment_min_amount: 40000
      })
      const before = suite.checkouts.length
      const refused = yield* payThroughPage(link, { choice: "part", amount: "100" })
      expect(refused.status).toBe(400)
      expect(refused.body).toContain("The first payment must be at least INR 400.00.")
      expect(suite.checkouts.length).toBe(before)
      const accepted = yield* payThroughPage(link, { choice: "part", amount: "450.50" })
      expect(accepted.status).toBe(303)
      expect(suite.checkouts.at(-1)).toMatchObject({ linkId: link.id, amount: 45050 })
    })
  )

  it.effect("a gateway that is down is a page saying so; nothing is charged", () =>
    Effect.gen(function* () {
      const suite = yield* Suite
      const link = yield* createLink(suite.live, { amount: 5000 })
      suite.down.value = true
      const result = yield* payThroughPage(link).pipe(Effect.ensuring(Effect.sync(() => (suite.down.value = false))))
      expect(result.status).toBe(503)
      expect(result.body).toContain("The gateway is down for maintenance.")
      expect(yield* amountPaid(suite.live, link.id)).toBe(0)
    })
  )

  it.effect("a test-mode link still pays in the sandbox, never through the gateway", () =>
    Effect.gen(function* () {
      const suite = yield* Suite
      const link = yield* createLink(suite.test, { amount: 7000 })
      const before = suite.checkouts.length
      const result = yield* payThroughPage(link)
      expect(result.html).toContain("(sandbox)")
      expect(result.status).toBe(200)
      expect(result.body).toContain("Payment successful")
      expect(suite.checkouts.length).toBe(before)
      expect(yield* amountPaid(suite.test, link.id)).toBe(7000)
    })
  )
})
