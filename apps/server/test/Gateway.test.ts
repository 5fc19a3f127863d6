/**
 * An operator's payment gateway, plugged into the server (`Server.make`'s `paymentGateway`): live
 * links' pages send the customer to it. Without one (every other suite), live links cannot be paid.
 */
import * as Path from "node:path"
import { expect, it } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import { PaymentGateway } from "@paylinks/core/PaymentGateway"
import { basic, call } from "@paylinks/testing/HttpCall"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { serve, tempDir } from "./helpers.js"
import { openPage, payThroughPage } from "./pageClient.js"

it.live("a plugged-in gateway takes live payments from the hosted page", () =>
  Effect.gen(function* () {
    const started: Array<{ readonly id: string; readonly amount: number }> = []
    const gateway = Layer.succeed(PaymentGateway, {
      configured: true,
      checkoutOrigins: ["https://pay.gateway.example"],
      checkout: (link, request) =>
        Effect.sync(() => {
          started.push({ id: link.id, amount: request.amount })
          return { redirectUrl: `https://pay.gateway.example/checkout/${link.id}` }
        })
    })
    const served = yield* serve(`sqlite:${Path.join(tempDir(), "paylinks.db")}`, [], { paymentGateway: gateway })
    const merchants = yield* Effect.provide(Merchants, served.context)
    const merchant = yield* merchants.create("Live Shop")
    const key = yield* Effect.orDie(merchants.issueKey(merchant.id, "live"))
    const auth = basic(key.key.keyId, key.secret)
    const created = yield* Effect.promise(() =>
      call(served.url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 12345 } })
    )
    const link = created.json
    const page = yield* Effect.promise(() => openPage(link.short_url))
    // The form may lead to the gateway: the browser follows the post's redirect there.
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self' https://pay.gateway.example;")
    expect(page.form).toBeDefined()
    const posted = yield* Effect.promise(() => payThroughPage(link.short_url))
    expect(posted.status).toBe(303)
    expect(posted.location).toBe(`https://pay.gateway.example/checkout/${link.id}`)
    expect(started).toEqual([{ id: link.id, amount: 12345 }])
    const fetched = yield* Effect.promise(() => call(served.url, "GET", `/v1/invoices/${link.id}`, { auth }))
    expect(fetched.json.status).toBe("issued")
  }).pipe(Effect.scoped)
)
