/**
 * The HTTP adapter over real HTTP on 127.0.0.1, on the in-memory storage adapters: authentication,
 * routing, bodies and their limit, idempotency, the request log, documents and health. The API's
 * behaviour on real storage (every endpoint, filter and text) is tested end to end in apps/server.
 */
import { describe, expect, layer } from "@effect/vitest"
import { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import { Merchants } from "@paylinks/core/Merchants"
import { basic, call, envelope } from "@paylinks/testing/HttpCall"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Readiness from "../src/Readiness.js"
import type * as RequestLog from "../src/RequestLog.js"
import { Served, servedLayer } from "./helpers.js"

const KEY = "rzp_test_nodeserverA1"
const SECRET = "secret-A-1234567890abcdef"
const AUTH = basic(KEY, SECRET)
const OTHER_KEY = "rzp_test_nodeserverB1"
const OTHER_AUTH = basic(OTHER_KEY, "secret-B")

const setup = Effect.gen(function* () {
  const served = yield* Served
  const merchants = Effect.provide(Merchants, served.context)
  const m = yield* merchants
  yield* m.seedKey(KEY, SECRET, "Acme")
  yield* m.seedKey(OTHER_KEY, "secret-B", "Other")
  return served
})

const routeNotFound = envelope("The requested URL was not found on the server.", { origin: "NA" })
const invalidJson = envelope("The request body is not a valid JSON object")

layer(servedLayer(), { excludeTestServices: true })("the HTTP adapter", (it) => {
  describe("authentication", () => {
    it.effect("answers the three 401 texts, with NA origin", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const failed = envelope("Authentication failed", { origin: "NA" })
        for (const auth of [
          undefined,
          `basic ${Buffer.from(`${KEY}:${SECRET}`).toString("base64")}`,
          "Bearer abc",
          "Basic",
          "Basic !!!not-base64!!!",
          `Basic ${Buffer.from(KEY).toString("base64")}`,
          `Basic ${Buffer.from(`:${SECRET}`).toString("base64")}`
        ]) {
          const answer = yield* Effect.promise(() => call(url, "GET", "/v1/invoices", { auth }))
          expect(answer.status, String(auth)).toBe(401)
          expect(answer.json).toEqual(failed)
        }
        const unknown = yield* Effect.promise(() =>
          call(url, "GET", "/v1/invoices", { auth: basic("rzp_test_doesnotexist", SECRET) })
        )
        expect(unknown.status).toBe(401)
        expect(unknown.json).toEqual(envelope("The api key provided is invalid", { origin: "NA" }))
        const wrong = yield* Effect.promise(() => call(url, "GET", "/v1/invoices", { auth: basic(KEY, `${SECRET}x`) }))
        expect(wrong.status).toBe(401)
        expect(wrong.json).toEqual(envelope("The api secret provided is invalid", { origin: "NA" }))
        const ok = yield* Effect.promise(() => call(url, "GET", "/v1/invoices", { auth: AUTH }))
        expect(ok.status).toBe(200)
      })
    )

    it.effect("a revoked key stops working at once", () =>
      Effect.gen(function* () {
        const { url, context } = yield* setup
        const merchants = yield* Effect.provide(Merchants, context)
        yield* merchants.seedKey("rzp_test_revokeme1", "s3cret", "Revoked")
        const before = yield* Effect.promise(() =>
          call(url, "GET", "/v1/invoices", { auth: basic("rzp_test_revokeme1", "s3cret") })
        )
        expect(before.status).toBe(200)
        yield* merchants.revokeKey("rzp_test_revokeme1")
        const after = yield* Effect.promise(() =>
          call(url, "GET", "/v1/invoices", { auth: basic("rzp_test_revokeme1", "s3cret") })
        )
        expect(after.status).toBe(401)
        expect(after.json).toEqual(envelope("The api key provided is invalid", { origin: "NA" }))
      })
    )
  })

  describe("routing", () => {
    it.effect("unknown routes and wrong methods are Razorpay's 400, with or without credentials", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const cases: Array<[string, string]> = [
          ["GET", "/v1/nothing"],
          ["GET", "/"],
          ["GET", "/v1/invoices/"],
          ["DELETE", "/v1/invoices/inv_00000000000000"],
          ["PUT", "/v1/invoices"],
          ["GET", "/v1/invoices/inv_00000000000000/cancel"],
          ["POST", "/v1/invoices/inv_00000000000000/notify_by"],
          ["HEAD", "/v1/nothing"],
          ["OPTIONS", "/v1/invoices"],
          ["GET", "/v1/INVOICES"],
          ["GET", "/healthz/extra"]
        ]
        for (const [method, path] of cases)
          for (const auth of [undefined, AUTH]) {
            const answer = yield* Effect.promise(() => call(url, method, path, { auth }))
            expect(answer.status, `${method} ${path}`).toBe(400)
            if (method !== "HEAD") expect(answer.json, `${method} ${path}`).toEqual(routeNotFound)
          }
      })
    )

    it.effect("every response carries an X-Request-Id; a sane one from the client is kept", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const ids = new Set<string>()
        for (const [method, path, auth] of [
          ["GET", "/healthz", undefined],
          ["GET", "/v1/nothing", undefined],
          ["GET", "/v1/invoices", undefined],
          ["GET", "/v1/invoices", AUTH]
        ] as const) {
          const answer = yield* Effect.promise(() => call(url, method, path, { auth }))
          const id = answer.headers.get("x-request-id")
          expect(id).toMatch(/^req_[0-9a-f]{32}$/)
          ids.add(id!)
        }
        expect(ids.size).toBe(4)
        const kept = yield* Effect.promise(() =>
          call(url, "GET", "/healthz", { headers: { "x-request-id": "trace-123.abc" } })
        )
        expect(kept.headers.get("x-request-id")).toBe("trace-123.abc")
        const replaced = yield* Effect.promise(() =>
          call(url, "GET", "/healthz", { headers: { "x-request-id": "bad id with spaces" } })
        )
        expect(replaced.headers.get("x-request-id")).toMatch(/^req_/)
      })
    )
  })

  describe("request bodies", () => {
    it.effect("a body that is not a JSON object is refused with Razorpay's text", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        for (const raw of ['{"type":"link",', "[1,2]", '"link"', "null", "42", "{'a':1}", "\u00ff\u00fe"]) {
          for (const path of ["/v1/invoices", "/v1/invoices/inv_00000000000000"]) {
            const method = path === "/v1/invoices" ? "POST" : "PATCH"
            const answer = yield* Effect.promise(() =>
              call(url, method, path, { auth: AUTH, raw, headers: { "content-type": "application/json" } })
            )
            expect(answer.status, `${method} ${raw}`).toBe(400)
            expect(answer.json, `${method} ${raw}`).toEqual(invalidJson)
          }
        }
      })
    )

    it.effect("an empty body is an empty object; unknown fields are named", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const empty = yield* Effect.promise(() => call(url, "POST", "/v1/invoices", { auth: AUTH }))
        expect(empty.status).toBe(400)
        expect(empty.json).toEqual(envelope("The type field is required.", { field: "type" }))
        const one = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 1000, foo: 1 } })
        )
        expect(one.json).toEqual(envelope("foo is/are not required and should not be sent", { field: "foo" }))
        const two = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 1000, foo: 1, bar: 2 } })
        )
        expect(two.json).toEqual(envelope("foo, bar is/are not required and should not be sent"))
      })
    )

    it.effect("accepts a form-encoded body, as curl -d sends it", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const answer = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", {
            auth: AUTH,
            raw: "type=link&amount=1500&currency=INR&receipt=123&notes[order]=42&customer[name]=Asha+K&customer[email]=asha%40example.com&partial_payment=1",
            headers: { "content-type": "application/x-www-form-urlencoded" }
          })
        )
        expect(answer.status).toBe(200)
        expect(answer.json).toMatchObject({
          amount: 1500,
          receipt: "123",
          notes: { order: "42" },
          customer: { name: "Asha K", email: "asha@example.com", contact: null },
          partial_payment: true
        })
        const wrongType = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", {
            auth: AUTH,
            raw: "type=link&amount=12.5",
            headers: { "content-type": "application/x-www-form-urlencoded" }
          })
        )
        expect(wrongType.json).toEqual(envelope("The amount must be an integer.", { field: "amount" }))
      })
    )

    it.effect("bodies up to 1 MiB are read; one byte more is 413, by Content-Length or while streaming", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const json = '{"type":"link","amount":1000}'
        const exact = json + " ".repeat(1024 * 1024 - json.length)
        const ok = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, raw: exact, headers: { "content-type": "application/json" } })
        )
        expect(ok.status).toBe(200)
        const tooLarge = envelope("The request body is too large", { origin: "NA" })
        const over = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", {
            auth: AUTH,
            raw: `${exact} `,
            headers: { "content-type": "application/json" }
          })
        )
        expect(over.status).toBe(413)
        expect(over.json).toEqual(tooLarge)
        expect(over.headers.get("connection")).toBe("close")
        // No Content-Length: the server counts while reading and stops at the limit.
        const streamed = yield* Effect.promise(async () => {
          const chunk = new TextEncoder().encode("x".repeat(64 * 1024))
          let sent = 0
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              // Far more than the limit, to show that the server does not wait for the end.
              if (sent++ < 512) controller.enqueue(chunk)
              else controller.close()
            }
          })
          const response = await fetch(`${url}/v1/invoices`, {
            method: "POST",
            headers: { authorization: AUTH, "content-type": "application/json" },
            body,
            duplex: "half"
          } as RequestInit)
          return { status: response.status, json: await response.json(), sent }
        })
        expect(streamed.status).toBe(413)
        expect(streamed.json).toEqual(tooLarge)
        expect(streamed.sent).toBeLessThan(512)
        // Without credentials the limit holds too (the body is never read past it).
        const anonymous = yield* Effect.promise(() => call(url, "POST", "/v1/invoices", { raw: `${exact} ` }))
        expect(anonymous.status).toBe(413)
      })
    )
  })

  describe("Idempotency-Key", () => {
    it.effect("replays the first answer byte for byte, once per key and tenant", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const key = `create-${Date.now()}`
        const headers = { "idempotency-key": key, "content-type": "application/json" }
        const first = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", {
            auth: AUTH,
            raw: '{"type":"link","amount":2500,"receipt":"idem"}',
            headers
          })
        )
        expect(first.status).toBe(200)
        expect(first.json.idempotency_key).toBe(key)
        expect(first.headers.get("idempotent-replayed")).toBeNull()
        // The same request as data (other key order, other whitespace) is the same request.
        const again = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", {
            auth: AUTH,
            raw: '{ "receipt": "idem", "amount": 2500, "type": "link" }',
            headers
          })
        )
        expect(again.status).toBe(200)
        expect(again.text).toBe(first.text)
        expect(again.headers.get("idempotent-replayed")).toBe("true")
        const list = yield* Effect.promise(() => call(url, "GET", "/v1/invoices?receipt=idem", { auth: AUTH }))
        expect(list.json.count).toBe(1)
        const mismatch = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 2600 }, headers })
        )
        expect(mismatch.status).toBe(400)
        expect(mismatch.json).toEqual(envelope("Idempotency key already used with a different request"))
        // Another tenant's key space is its own.
        const other = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: OTHER_AUTH, body: { type: "link", amount: 2600 }, headers })
        )
        expect(other.status).toBe(200)
        // Without the header, Razorpay's behaviour: two requests, two links.
        const plainA = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 2500 } })
        )
        const plainB = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 2500 } })
        )
        expect(plainA.json.id).not.toBe(plainB.json.id)
        expect(plainA.json.idempotency_key).toBeNull()
      })
    )

    it.effect("a refusal is replayed too; a cancel replays its success", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const headers = { "idempotency-key": `refusal-${Date.now()}` }
        const first = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 5 }, headers })
        )
        expect(first.status).toBe(400)
        expect(first.json).toEqual(envelope("The amount must be at least INR 1.00", { field: "amount" }))
        const again = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 5 }, headers })
        )
        expect(again.status).toBe(400)
        expect(again.text).toBe(first.text)
        expect(again.headers.get("idempotent-replayed")).toBe("true")

        const created = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body: { type: "link", amount: 1000 } })
        )
        const cancelKey = { "idempotency-key": `cancel-${Date.now()}` }
        const path = `/v1/invoices/${created.json.id}/cancel`
        const cancelled = yield* Effect.promise(() => call(url, "POST", path, { auth: AUTH, headers: cancelKey }))
        expect(cancelled.status).toBe(200)
        const replayed = yield* Effect.promise(() => call(url, "POST", path, { auth: AUTH, headers: cancelKey }))
        expect(replayed.status).toBe(200)
        expect(replayed.text).toBe(cancelled.text)
        const fresh = yield* Effect.promise(() => call(url, "POST", path, { auth: AUTH }))
        expect(fresh.json).toEqual(envelope("Operation not allowed for Invoice in cancelled status."))
      })
    )

    it.effect("checks the key's length, and answers 409 while the same key is being processed", () =>
      Effect.gen(function* () {
        const { url, context } = yield* setup
        const tooLong = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", {
            auth: AUTH,
            body: { type: "link", amount: 1000 },
            headers: { "idempotency-key": "k".repeat(256) }
          })
        )
        expect(tooLong.status).toBe(400)
        expect(tooLong.json).toEqual(envelope("The Idempotency-Key header may not be greater than 255 characters."))
        const longest = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", {
            auth: AUTH,
            body: { type: "link", amount: 1000 },
            headers: { "idempotency-key": `${Date.now()}`.padEnd(255, "k") }
          })
        )
        expect(longest.status).toBe(200)

        // Another request holds the key (claimed, not yet answered).
        const merchants = yield* Effect.provide(Merchants, context)
        const store = yield* Effect.provide(IdempotencyStore, context)
        const caller = yield* merchants.authenticate(KEY, SECRET)
        const key = `busy-${Date.now()}`
        const body = { type: "link", amount: 1000 }
        const { requestHash } = yield* Effect.promise(() => import("@paylinks/contract/Idempotency"))
        const claim = yield* store.begin(
          caller.tenant,
          key,
          requestHash("POST", "/v1/invoices", body),
          Math.floor(Date.now() / 1000)
        )
        expect(claim._tag).toBe("Claimed")
        const busy = yield* Effect.promise(() =>
          call(url, "POST", "/v1/invoices", { auth: AUTH, body, headers: { "idempotency-key": key } })
        )
        expect(busy.status).toBe(409)
        expect(busy.json.error).toMatchObject({ code: "BAD_REQUEST_ERROR", source: "NA" })
        expect(busy.json.error.description).toContain("Idempotency-Key")
      })
    )
  })

  describe("the request log", () => {
    it.effect("one JSON line per request, with merchant and request id, never a secret", () =>
      Effect.gen(function* () {
        const { url, lines, context } = yield* setup
        const merchants = yield* Effect.provide(Merchants, context)
        const caller = yield* merchants.authenticate(KEY, SECRET)
        const before = lines.length
        const ok = yield* Effect.promise(() => call(url, "GET", "/v1/invoices?receipt=secret-receipt", { auth: AUTH }))
        const refused = yield* Effect.promise(() =>
          call(url, "GET", "/v1/invoices", { auth: basic(KEY, "wrong-secret-value") })
        )
        // The log line is written when the response closes; give the event loop a turn.
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
        const mine = lines.slice(before).filter((line): line is RequestLog.RequestLine => line.msg === "request")
        expect(mine).toHaveLength(2)
        expect(mine[0]).toMatchObject({
          level: "info",
          method: "GET",
          path: "/v1/invoices",
          status: 200,
          merchant_id: caller.tenant.merchantId,
          request_id: ok.headers.get("x-request-id")
        })
        expect(typeof mine[0]!.latency_ms).toBe("number")
        expect(mine[1]).toMatchObject({
          status: 401,
          merchant_id: null,
          request_id: refused.headers.get("x-request-id")
        })
        const text = JSON.stringify(lines)
        for (const secret of [SECRET, "wrong-secret-value", "Basic ", AUTH.slice(6), "secret-receipt"])
          expect(text).not.toContain(secret)
      })
    )
  })

  describe("documents and health", () => {
    it.effect("serves the OpenAPI document, the docs page, liveness and readiness without credentials", () =>
      Effect.gen(function* () {
        const { url } = yield* setup
        const openapi = yield* Effect.promise(() => call(url, "GET", "/openapi.json"))
        expect(openapi.status).toBe(200)
        expect(openapi.headers.get("content-type")).toContain("application/json")
        expect(openapi.json.openapi).toBe("3.1.0")
        expect(Object.keys(openapi.json.paths)).toContain("/v1/invoices/{id}/cancel")
        const docs = yield* Effect.promise(() => call(url, "GET", "/docs"))
        expect(docs.status).toBe(200)
        expect(docs.headers.get("content-type")).toContain("text/html")
        expect(docs.text).toContain("Cancel a Payment Link")
        expect(docs.text).not.toMatch(/(src|href)="https?:/i)
        const healthz = yield* Effect.promise(() => call(url, "GET", "/healthz"))
        expect(healthz.status).toBe(200)
        expect(healthz.json).toEqual({ status: "ok" })
        const readyz = yield* Effect.promise(() => call(url, "GET", "/readyz"))
        expect(readyz.status).toBe(200)
        expect(readyz.json).toEqual({ status: "ok" })
      })
    )
  })
})

const notReady = Layer.succeed(Readiness.Readiness, { check: Effect.succeed(false) })

layer(servedLayer(notReady), { excludeTestServices: true })("a server whose storage is unreachable", (it) => {
  it.effect("answers /readyz with 503 in the envelope, and /healthz with 200", () =>
    Effect.gen(function* () {
      const { url } = yield* Served
      const readyz = yield* Effect.promise(() => call(url, "GET", "/readyz"))
      expect(readyz.status).toBe(503)
      expect(readyz.json).toEqual({
        error: {
          code: "SERVER_ERROR",
          description: "The storage is not reachable.",
          source: "NA",
          step: "NA",
          reason: "NA",
          metadata: {}
        }
      })
      const healthz = yield* Effect.promise(() => call(url, "GET", "/healthz"))
      expect(healthz.status).toBe(200)
    })
  )
})

describe("Readiness.fromPing", () => {
  layer(Layer.empty)((it) => {
    it.effect("is ready while the ping succeeds, not when it fails or dies", () =>
      Effect.gen(function* () {
        const check = (ping: Effect.Effect<unknown, unknown>) =>
          Effect.flatMap(Layer.build(Readiness.fromPing(ping)), (context) =>
            Effect.flatMap(Effect.provide(Readiness.Readiness, context), (r) => r.check)
          ).pipe(Effect.scoped)
        expect(yield* check(Effect.void)).toBe(true)
        expect(yield* check(Effect.fail("down"))).toBe(false)
        expect(yield* check(Effect.die("boom"))).toBe(false)
      })
    )
  })
})
