/**
 * What a hostile client or network gets from the server, over real sockets on loopback: one body
 * parse (depth limit, no `__proto__`), `__proto__` in a query, credentials checked before the body is
 * read, the hosted form's small body limit, the connection cap, slow-request timeouts, the `Host`
 * allow-list, ambiguous form cookies, and Node's own answers in the envelope with `nosniff`.
 * Every wait is bounded; nothing asserts on timings, only on what the server answers and closes.
 */
import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import { basic, call, envelope } from "@paylinks/testing/HttpCall"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as PaylinksServer from "../src/PaylinksServer.js"
import * as Readiness from "../src/Readiness.js"
import { InMemoryServices } from "./helpers.js"

const KEY = "rzp_test_hardening1"
const SECRET = "secret-hardening-1234567890"
const AUTH = basic(KEY, SECRET)

interface Started {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

const start = async (options: PaylinksServer.Options = {}): Promise<Started> => {
  const scope = await Effect.runPromise(Scope.make())
  const running = await Effect.runPromise(
    Effect.gen(function* () {
      const context = yield* Layer.buildWithScope(Layer.merge(InMemoryServices, Readiness.layerAlways), scope)
      const merchants = yield* Effect.provide(Merchants, context)
      yield* merchants.seedKey(KEY, SECRET, "Acme")
      return yield* PaylinksServer.make({ port: 0, logger: () => {}, ...options }).pipe(
        Effect.provide(context),
        Scope.extend(scope)
      )
    })
  )
  return {
    url: running.url,
    port: running.port,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

interface Raw {
  /** Everything the server wrote before it closed the connection (or before the bound ran out). */
  readonly text: string
  readonly closed: boolean
  readonly status: number | undefined
  readonly headers: Record<string, string>
  readonly body: string
}

const parse = (text: string, closed: boolean): Raw => {
  const end = text.indexOf("\r\n\r\n")
  const head = end === -1 ? text : text.slice(0, end)
  const [statusLine, ...lines] = head.split("\r\n")
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const at = line.indexOf(":")
    if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim()
  }
  const status = /^HTTP\/1\.1 ([0-9]{3})/.exec(statusLine ?? "")?.[1]
  return {
    text,
    closed,
    status: status === undefined ? undefined : Number(status),
    headers,
    body: end === -1 ? "" : text.slice(end + 4)
  }
}

/**
 * Opens a connection, writes `request` (and never more), and collects what comes back until the
 * server closes the connection or `boundMillis` pass.
 */
const exchange = (port: number, request: string | Buffer, boundMillis = 5_000): Promise<Raw> =>
  new Promise((resolve) => {
    const socket = Net.connect(port, "127.0.0.1")
    let text = ""
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve(parse(text, closed))
    }
    const timer = setTimeout(() => finish(false), boundMillis)
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8")
    })
    socket.on("error", () => finish(true))
    socket.on("close", () => finish(true))
    socket.write(request)
  })

const jsonOf = (raw: Raw): unknown => JSON.parse(raw.body)

const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`

const tooDeep = envelope("The request body may not nest objects or arrays more than 32 levels deep.")
const forbiddenKey = envelope("The request body may not contain the key __proto__.")

describe("hardening", () => {
  let server: Started
  beforeAll(async () => {
    server = await start({ authFailureLimit: { failures: 3, perSeconds: 3600 } })
  })
  afterAll(() => server.close())

  const createLink = async (notes: string) => {
    const created = await call(server.url, "POST", "/v1/invoices", {
      auth: AUTH,
      raw: `{"type":"link","amount":1000,"notes":${notes}}`,
      headers: { "content-type": "application/json" }
    })
    return created
  }

  describe("one body parse", () => {
    it("a deep body is a 400 on every route that reads one, with or without Idempotency-Key — never a 500", async () => {
      const link = await createLink("{}")
      expect(link.status).toBe(200)
      const id = link.json.id as string
      const paths = [
        "/v1/invoices",
        `/v1/invoices/${id}`,
        `/v1/invoices/${id}/cancel`,
        `/v1/invoices/${id}/notify_by/sms`,
        `/v1/sandbox/invoices/${id}/payments`,
        "/v1/sandbox/clock"
      ]
      for (const path of paths)
        for (const key of [undefined, `deep-${path}`]) {
          const method = path === `/v1/invoices/${id}` ? "PATCH" : "POST"
          const answer = await call(server.url, method, path, {
            auth: AUTH,
            raw: deep(4000),
            headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) }
          })
          expect([path, answer.status, answer.json]).toEqual([path, 400, tooDeep])
        }
      // Brackets inside strings are text, not nesting; 32 levels are still read.
      const bracketText = await createLink(`{"k":"${"[{".repeat(100)}"}`)
      expect(bracketText.status).toBe(200)
      const atLimit = await call(server.url, "POST", "/v1/invoices", { auth: AUTH, raw: `{"x":${deep(31)}}` })
      expect(atLimit.json.error.description).not.toBe(tooDeep.error.description)
      const overLimit = await call(server.url, "POST", "/v1/invoices", { auth: AUTH, raw: `{"x":${deep(32)}}` })
      expect(overLimit.json).toEqual(tooDeep)
      // The hosted form's body goes through the same parse.
      const hosted = await call(server.url, "POST", `/i/${(link.json.short_url as string).split("/i/")[1]}`, {
        raw: deep(4000).slice(0, 4000),
        headers: { "content-type": "application/json" }
      })
      expect(hosted.status).toBe(400)
    })

    it("a __proto__ key is refused in JSON (plain or escaped) and form bodies; constructor and prototype are kept", async () => {
      for (const notes of ['{"__proto__":"p","constructor":"c"}', '{"\\u005f_proto__":"p"}'])
        expect((await createLink(notes)).json).toEqual(forbiddenKey)
      const nested = await call(server.url, "POST", "/v1/invoices", {
        auth: AUTH,
        raw: '{"type":"link","amount":1000,"customer":{"name":"x","__proto__":{"a":1}}}'
      })
      expect(nested.json).toEqual(forbiddenKey)
      const form = await call(server.url, "POST", "/v1/invoices", {
        auth: AUTH,
        raw: "type=link&amount=1000&notes[__proto__]=p",
        headers: { "content-type": "application/x-www-form-urlencoded" }
      })
      expect(form.json).toEqual(forbiddenKey)
      const kept = await createLink('{"constructor":"c","prototype":"p","toString":"t"}')
      expect(kept.status).toBe(200)
      expect(kept.json.notes).toEqual({ constructor: "c", prototype: "p", toString: "t" })
      const fetched = await call(server.url, "GET", `/v1/invoices/${kept.json.id}`, { auth: AUTH })
      expect(fetched.json.notes).toEqual({ constructor: "c", prototype: "p", toString: "t" })
      const patched = await call(server.url, "PATCH", `/v1/invoices/${kept.json.id}`, {
        auth: AUTH,
        raw: '{"notes":{"__proto__":"x"}}'
      })
      expect(patched.json).toEqual(forbiddenKey)
      const after = await call(server.url, "GET", `/v1/invoices/${kept.json.id}`, { auth: AUTH })
      expect(after.json.notes).toEqual({ constructor: "c", prototype: "p", toString: "t" })
    })

    it("a __proto__ query parameter is a parameter like constructor", async () => {
      const viaConstructor = await call(server.url, "GET", "/v1/invoices?constructor=1", { auth: AUTH })
      const viaProto = await call(server.url, "GET", "/v1/invoices?__proto__=1", { auth: AUTH })
      expect(viaConstructor.status).toBe(400)
      expect(viaProto.status).toBe(viaConstructor.status)
      expect(viaProto.json.error.description).toBe(
        viaConstructor.json.error.description.replace("constructor", "__proto__")
      )
    })
  })

  describe("refused on the head", () => {
    const post = (path: string, headers: Record<string, string>, declared = 1024 * 1024) =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n${Object.entries(
        headers
      )
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("")}\r\n{"type":`

    it("missing, malformed and wrong credentials get their 401 before the body arrives, and the connection is closed", async () => {
      const cases = [{}, { authorization: "Basic !!!" }, { authorization: basic(KEY, "wrong") }]
      for (const headers of cases) {
        const answer = await exchange(server.port, post("/v1/invoices", headers, 50_000))
        expect(answer.status).toBe(401)
        expect(answer.closed).toBe(true)
        expect(answer.headers["x-request-id"]).toBeDefined()
      }
      // The limiter (3 failures) is spent: the next one is a 429, again before the body.
      const limited = await exchange(server.port, post("/v1/invoices", { authorization: AUTH }, 50_000))
      expect(limited.status).toBe(429)
      expect(limited.closed).toBe(true)
    })

    it("the hosted form takes a few KiB: 120 slow connections declaring 1 MiB are each answered 413 at once and closed", async () => {
      const answers = await Promise.all(
        Array.from({ length: 120 }, () =>
          exchange(
            server.port,
            post("/i/abcdefghij", {}, 1024 * 1024).replace("application/json", "application/x-www-form-urlencoded")
          )
        )
      )
      for (const answer of answers) {
        expect(answer.status).toBe(413)
        expect(answer.closed).toBe(true)
        expect(jsonOf(answer)).toEqual(envelope("The request body is too large", { origin: "NA" }))
      }
    })

    it("only the configured hosts are answered; a missing Host is the envelope too", async () => {
      const foreign = await exchange(server.port, "GET /v1/invoices HTTP/1.1\r\nHost: rebind.evil.example\r\n\r\n")
      expect(foreign.status).toBe(421)
      expect(jsonOf(foreign)).toEqual(envelope("The requested host is not served here.", { origin: "NA" }))
      expect(foreign.headers["x-request-id"]).toBeDefined()
      // The hosted form too, with an Origin to match (the rebinding page's own).
      const form = await exchange(
        server.port,
        "POST /i/abcdefghij HTTP/1.1\r\nHost: rebind.evil.example:4010\r\nOrigin: http://rebind.evil.example:4010\r\n" +
          "content-type: application/x-www-form-urlencoded\r\ncontent-length: 11\r\n\r\nchoice=full"
      )
      expect(form.status).toBe(421)
      const missing = await exchange(server.port, "GET /healthz HTTP/1.1\r\n\r\n")
      expect(missing.status).toBe(400)
      expect(jsonOf(missing)).toEqual(envelope("The request could not be read."))
      expect(missing.headers["x-request-id"]).toBeDefined()
      for (const host of ["localhost:1", "127.0.0.1", "[::1]:80", "LOCALHOST."]) {
        const ok = await exchange(server.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
        expect([host, ok.status]).toEqual([host, 200])
      }
      const configured = await start({ publicHosts: ["https://pay.example.com/base"] })
      try {
        const named = await exchange(
          configured.port,
          "GET /healthz HTTP/1.1\r\nHost: pay.example.com:443\r\nConnection: close\r\n\r\n"
        )
        expect(named.status).toBe(200)
        const other = await exchange(configured.port, "GET /healthz HTTP/1.1\r\nHost: example.com\r\n\r\n")
        expect(other.status).toBe(421)
      } finally {
        await configured.close()
      }
    })

    it("a form post with two paylinks_form cookies is refused before its body is read", async () => {
      const answer = await exchange(
        server.port,
        post(
          "/i/abcdefghij",
          { cookie: "paylinks_form=aaaaaaaaaaaaaaaaaaaaaaaa; paylinks_form=bbbbbbbbbbbbbbbbbbbbbbbb" },
          200
        )
      )
      expect(answer.status).toBe(400)
      expect(jsonOf(answer)).toEqual(
        envelope("The request carries the cookie paylinks_form more than once.", { origin: "NA" })
      )
      expect(answer.closed).toBe(true)
    })
  })

  describe("Node's own answers", () => {
    it("malformed HTTP, oversized headers and an unknown Expect get the envelope with X-Request-Id and nosniff", async () => {
      const cases: Array<[string, number]> = [
        ["GARBAGE\r\n\r\n", 400],
        [`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nx-big: ${"a".repeat(70_000)}\r\n\r\n`, 400],
        ["GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: teapot\r\n\r\n", 417]
      ]
      for (const [request, status] of cases) {
        const answer = await exchange(server.port, request)
        expect(answer.status).toBe(status)
        expect((jsonOf(answer) as { error: { code: string } }).error.code).toBe("BAD_REQUEST_ERROR")
        expect(answer.headers["x-request-id"]).toMatch(/^req_/)
        expect(answer.headers["x-content-type-options"]).toBe("nosniff")
        expect(answer.closed).toBe(true)
      }
    })

    it("every JSON answer carries X-Content-Type-Options: nosniff", async () => {
      for (const [method, path, auth] of [
        ["GET", "/v1/invoices", AUTH],
        ["GET", "/v1/invoices", undefined],
        ["GET", "/nowhere", undefined],
        ["GET", "/healthz", undefined]
      ] as const) {
        const answer = await call(server.url, method, path, { auth })
        expect([path, answer.headers.get("x-content-type-options")]).toEqual([path, "nosniff"])
      }
    })
  })

  describe("connections", () => {
    it("past the connection cap a connection is answered 503 in the envelope and closed", async () => {
      const capped = await start({ maxConnections: 3 })
      const held: Array<Net.Socket> = []
      try {
        for (let i = 0; i < 3; i++)
          held.push(
            await new Promise<Net.Socket>((resolve) => {
              const socket = Net.connect(capped.port, "127.0.0.1", () => resolve(socket))
            })
          )
        const refused = await exchange(capped.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        expect(refused.status).toBe(503)
        expect(jsonOf(refused)).toEqual({
          error: {
            code: "SERVER_ERROR",
            description: "The server is busy. Retry later.",
            source: "NA",
            step: "NA",
            reason: "NA",
            metadata: {}
          }
        })
        expect(refused.closed).toBe(true)
        for (const socket of held) socket.destroy()
        // Once connections go, new ones are served again.
        let again: Raw | undefined
        for (let i = 0; i < 50 && again?.status !== 200; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          again = await exchange(capped.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        }
        expect(again?.status).toBe(200)
      } finally {
        for (const socket of held) socket.destroy()
        await capped.close()
      }
    })

    it("a slow head and a slow body are cut with 408 in the envelope", async () => {
      const strict = await start({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 })
      try {
        const [head, body] = await Promise.all([
          exchange(strict.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", 10_000),
          exchange(
            strict.port,
            "POST /i/abcdefghij HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 100\r\n\r\nchoice=",
            10_000
          )
        ])
        for (const answer of [head, body]) {
          expect(answer.status).toBe(408)
          expect(jsonOf(answer)).toEqual(envelope("The request was not received in time.", { origin: "NA" }))
          expect(answer.closed).toBe(true)
        }
      } finally {
        await strict.close()
      }
    })
  })
})
