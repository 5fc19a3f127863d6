/**
 * `GET /v1/sandbox/inbox` over real HTTP on the in-memory adapters: the caller's test-mode messages
 * newest first, the filters and their refusals, and the live-key and no-key answers. That messages
 * arrive there from the dispatcher is tested end to end in apps/server.
 */
import { expect, layer } from "@effect/vitest"
import { PaymentLinkId } from "@paylinks/core/Ids"
import { Inbox } from "@paylinks/core/Inbox"
import { Merchants } from "@paylinks/core/Merchants"
import type { Channel } from "@paylinks/core/PaymentLink"
import * as Tenant from "@paylinks/core/Tenant"
import { basic, call, envelope } from "@paylinks/testing/HttpCall"
import * as Effect from "effect/Effect"
import { Served, servedLayer } from "./helpers.js"

const KEY = "rzp_test_inboxSuiteA01"
const SECRET = "secret-of-inbox-suite-a"
const OTHER_KEY = "rzp_test_inboxSuiteB01"
const OTHER_SECRET = "secret-of-inbox-suite-b"
const LINK_1 = PaymentLinkId.make("inv_InboxLink00001")
const LINK_2 = PaymentLinkId.make("inv_InboxLink00002")

const MESSAGE_KEYS = ["id", "entity", "invoice_id", "channel", "to", "subject", "text", "created_at"]

/** The keys (seeding is idempotent, so every test may ask). */
const setup = Effect.gen(function* () {
  const served = yield* Served
  const merchants = yield* Effect.provide(Merchants, served.context)
  const a = yield* merchants.seedKey(KEY, SECRET, "Acme")
  const b = yield* merchants.seedKey(OTHER_KEY, OTHER_SECRET, "Bolt")
  const live = yield* Effect.orDie(merchants.issueKey(a.merchant.id, "live"))
  return {
    url: served.url,
    merchantA: a.merchant.id,
    merchantB: b.merchant.id,
    aTest: basic(KEY, SECRET),
    aLive: basic(live.key.keyId, live.secret),
    bTest: basic(OTHER_KEY, OTHER_SECRET)
  }
})

layer(servedLayer(), { excludeTestServices: true })("GET /v1/sandbox/inbox", (it) => {
  it.effect("lists the caller's test-mode messages newest first, filtered by channel, link and count", () =>
    Effect.gen(function* () {
      const { url, aTest, bTest, merchantA, merchantB } = yield* setup
      const inbox = yield* Effect.flatMap(Served, (served) => Effect.provide(Inbox, served.context))
      const store = (tenant: Tenant.Tenant, linkId: PaymentLinkId, channel: Channel, text: string, at: number) =>
        inbox.store(
          {
            tenant,
            linkId,
            channel,
            to: channel === "sms" ? "+919876543210" : "asha@example.com",
            subject: channel === "email" ? `Subject: ${text}` : null,
            text
          },
          at
        )
      const aTestTenant = Tenant.make(merchantA, "test")
      yield* store(aTestTenant, LINK_1, "sms", "first", 1_700_000_001)
      yield* store(aTestTenant, LINK_1, "email", "second", 1_700_000_002)
      yield* store(aTestTenant, LINK_2, "sms", "third", 1_700_000_003)
      yield* store(Tenant.make(merchantA, "live"), LINK_2, "sms", "live one", 1_700_000_004)
      yield* store(Tenant.make(merchantB, "test"), LINK_1, "email", "other merchant", 1_700_000_005)
      const get = (query: string, auth = aTest) =>
        Effect.promise(() => call(url, "GET", `/v1/sandbox/inbox${query}`, { auth }))

      const all = yield* get("")
      expect(all.status, all.text).toBe(200)
      expect(all.headers.get("content-type")).toBe("application/json; charset=utf-8")
      expect(all.json.entity).toBe("collection")
      expect(all.json.count).toBe(3)
      expect(all.json.items.map((item: any) => item.text)).toEqual(["third", "second", "first"])
      for (const item of all.json.items) expect(Object.keys(item)).toEqual(MESSAGE_KEYS)
      expect(all.json.items[1]).toMatchObject({
        entity: "sandbox_message",
        invoice_id: LINK_1,
        channel: "email",
        to: "asha@example.com",
        subject: "Subject: second",
        text: "second",
        created_at: 1_700_000_002
      })
      expect(all.json.items[1].id).toMatch(/^msg_[0-9A-Za-z]{14}$/)
      expect(all.json.items[0]).toMatchObject({ channel: "sms", subject: null, to: "+919876543210" })

      const texts = (answer: { json: any }) => answer.json.items.map((item: any) => item.text)
      expect(texts(yield* get("?channel=sms"))).toEqual(["third", "first"])
      expect(texts(yield* get("?channel=email"))).toEqual(["second"])
      expect(texts(yield* get(`?invoice_id=${LINK_1}`))).toEqual(["second", "first"])
      expect(texts(yield* get(`?invoice_id=${LINK_1}&channel=sms`))).toEqual(["first"])
      expect(texts(yield* get("?count=2"))).toEqual(["third", "second"])
      expect(yield* get("?invoice_id=inv_nothingHere001")).toMatchObject({
        status: 200,
        json: { entity: "collection", count: 0, items: [] }
      })
      // Another merchant sees only its own.
      expect(texts(yield* get("", bTest))).toEqual(["other merchant"])
    })
  )

  it.effect("refuses bad filters with Razorpay's envelope", () =>
    Effect.gen(function* () {
      const { url, aTest } = yield* setup
      const get = (query: string) =>
        Effect.promise(() => call(url, "GET", `/v1/sandbox/inbox${query}`, { auth: aTest }))
      const cases: Array<[string, ReturnType<typeof envelope>]> = [
        ["?channel=fax", envelope("The selected channel is invalid.", { field: "channel" })],
        ["?count=101", envelope("The count may not be greater than 100.", { field: "count" })],
        ["?count=0", envelope("The count must be at least 1.", { field: "count" })],
        ["?count=ten", envelope("The count must be an integer.", { field: "count" })],
        ["?link=inv_x", envelope("link is/are not required and should not be sent", { field: "link" })]
      ]
      for (const [query, expected] of cases) {
        const answer = yield* get(query)
        expect(answer.status, query).toBe(400)
        expect(answer.json, query).toEqual(expected)
      }
    })
  )

  it.effect("a live key is told the route does not exist; no key is a 401", () =>
    Effect.gen(function* () {
      const { url, aLive } = yield* setup
      const live = yield* Effect.promise(() => call(url, "GET", "/v1/sandbox/inbox", { auth: aLive }))
      expect(live.status).toBe(400)
      expect(live.json).toEqual(envelope("The requested URL was not found on the server.", { origin: "NA" }))
      const anonymous = yield* Effect.promise(() => call(url, "GET", "/v1/sandbox/inbox"))
      expect(anonymous.status).toBe(401)
      expect(anonymous.json).toEqual(envelope("Authentication failed", { origin: "NA" }))
    })
  )
})
