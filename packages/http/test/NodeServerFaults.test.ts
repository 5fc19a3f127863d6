/**
 * The adapter on a contract of its own: faults become the 500 envelope (logged with the request id,
 * never sent), a fault gives an idempotency key back, HTML endpoints and extra routes are served, and
 * a handler table that misses an endpoint does not compile.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { describe, expect, layer } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import { basic, call, envelope } from "@paylinks/testing/HttpCall"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Authorization, CurrentPrincipal } from "@paylinks/contract/Api"
import * as NodeServer from "../src/NodeServer.js"
import type * as RequestLog from "../src/RequestLog.js"
import * as Wire from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import { InMemoryServices } from "./helpers.js"

class Secured extends HttpApiGroup.make("secured")
  .add(HttpApiEndpoint.post("boom", "/boom").addSuccess(Schema.Struct({ ok: Schema.Boolean })))
  .add(HttpApiEndpoint.get("odd", "/odd").addSuccess(Schema.Struct({ ok: Schema.Boolean })))
  .add(HttpApiEndpoint.get("whoami", "/whoami").addSuccess(Schema.Struct({ merchant: Schema.String })))
  .add(
    HttpApiEndpoint.get("refuse", "/refuse/:id")
      .setPath(Schema.Struct({ id: Schema.String }))
      .addSuccess(Schema.Struct({ ok: Schema.Boolean }))
  )
  .middleware(Authorization)
  .prefix("/t") {}

class Pages extends HttpApiGroup.make("pages")
  .add(
    HttpApiEndpoint.get("page", "/p/:code")
      .setPath(Schema.Struct({ code: Schema.String }))
      .addSuccess(HttpApiSchema.Text({ contentType: "text/html" }))
  )
  .add(HttpApiEndpoint.get("dated", "/dated").addSuccess(Schema.Struct({ at: Schema.DateFromString }))) {}

class TestApi extends HttpApi.make("test").add(Secured).add(Pages).addError(Wire.BadRequest) {}

const calls = { boom: 0 }

const handlers: NodeServer.Handlers<typeof TestApi, Merchants | CurrentPrincipal> = {
  secured: {
    boom: () =>
      Effect.suspend(() => {
        calls.boom++
        return Effect.die(new Error("database exploded at /var/secret/path"))
      }),
    // A failure that is neither a wire error nor a domain refusal is a fault too.
    odd: () => Effect.fail({ _tag: "Weird", secret: "hunter2" } as unknown as Wire.ApiError),
    whoami: () => Effect.map(CurrentPrincipal, (principal) => ({ merchant: principal.tenant.merchantId })),
    refuse: (request) => Effect.fail(WireErrors.badRequest(`${request.path.id} refused`, "id"))
  },
  pages: {
    page: (request) => Effect.succeed(`<h1>${request.path.code}</h1>`),
    dated: () => Effect.succeed({ at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) })
  }
}

// @ts-expect-error a handler table that misses an endpoint of the contract does not compile
const _incomplete: NodeServer.Handlers<typeof TestApi, never> = { secured: { boom: () => Effect.die("") }, pages: {} }

interface FaultServer {
  readonly url: string
  readonly lines: Array<RequestLog.Line>
}
class Faulty extends Context.Tag("test/Faulty")<Faulty, FaultServer>() {}

const FaultyLive = Layer.scoped(
  Faulty,
  Effect.gen(function* () {
    const lines: Array<RequestLog.Line> = []
    const context = yield* Layer.build(InMemoryServices)
    const merchants = yield* Effect.provide(Merchants, context)
    yield* merchants.seedKey("rzp_test_faulty1", "secret", "Faulty")
    const running = yield* NodeServer.make({
      api: TestApi,
      handlers,
      routes: [
        {
          method: "GET",
          path: "/raw/:name",
          handle: (request) =>
            Effect.succeed(
              NodeServer.rawResponse(
                302,
                { location: `/p/${request.path.name ?? ""}`, "content-type": "text/plain" },
                ""
              )
            )
        }
      ],
      logger: (line) => lines.push(line)
    }).pipe(Effect.provide(context))
    return { url: running.url, lines }
  })
)

const AUTH = basic("rzp_test_faulty1", "secret")
const SERVER_ERROR = {
  error: {
    code: "SERVER_ERROR",
    description: "The server encountered an error. The incident has been reported to admins.",
    source: "NA",
    step: "NA",
    reason: "NA",
    metadata: {}
  }
}

layer(FaultyLive, { excludeTestServices: true })("a server on its own contract", (it) => {
  describe("faults", () => {
    it.effect("a defect is a 500 in the envelope, logged with the request id, with nothing of it on the wire", () =>
      Effect.gen(function* () {
        const { url, lines } = yield* Faulty
        const answer = yield* Effect.promise(() => call(url, "POST", "/t/boom", { auth: AUTH }))
        expect(answer.status).toBe(500)
        expect(answer.json).toEqual(SERVER_ERROR)
        expect(answer.text).not.toContain("exploded")
        const requestId = answer.headers.get("x-request-id")
        const fault = lines.find((line) => line.msg === "fault" && line.request_id === requestId)
        expect(fault).toBeDefined()
        expect((fault as RequestLog.FaultLine).cause).toContain("database exploded")
        const odd = yield* Effect.promise(() => call(url, "GET", "/t/odd", { auth: AUTH }))
        expect(odd.status).toBe(500)
        expect(odd.json).toEqual(SERVER_ERROR)
        expect(odd.text).not.toContain("hunter2")
      })
    )

    it.effect("a fault gives the idempotency key back: the retry runs again", () =>
      Effect.gen(function* () {
        const { url } = yield* Faulty
        const before = calls.boom
        const headers = { "idempotency-key": `boom-${Date.now()}` }
        const first = yield* Effect.promise(() => call(url, "POST", "/t/boom", { auth: AUTH, headers }))
        const second = yield* Effect.promise(() => call(url, "POST", "/t/boom", { auth: AUTH, headers }))
        expect(first.status).toBe(500)
        expect(second.status).toBe(500)
        expect(second.headers.get("idempotent-replayed")).toBeNull()
        expect(calls.boom - before).toBe(2)
      })
    )

    it.effect("malformed HTTP is answered with the envelope too", () =>
      Effect.gen(function* () {
        const { url } = yield* Faulty
        const { port } = new URL(url)
        const text = yield* Effect.promise(
          () =>
            new Promise<string>((resolve, reject) => {
              import("node:net").then(({ connect }) => {
                const socket = connect(Number(port), "127.0.0.1", () => socket.write("NOT HTTP AT ALL\r\n\r\n"))
                let data = ""
                socket.on("data", (chunk) => {
                  data += chunk.toString()
                })
                socket.on("end", () => resolve(data))
                socket.on("error", reject)
              }, reject)
            })
        )
        expect(text).toMatch(/^HTTP\/1\.1 400 /)
        expect(text).toMatch(/\r\nx-request-id: req_[0-9a-f]{32}\r\n/)
        const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))
        expect(body).toEqual(envelope("The request could not be read."))
      })
    )
  })

  describe("handlers", () => {
    it.effect("find the caller in CurrentPrincipal, and render their own refusals", () =>
      Effect.gen(function* () {
        const { url } = yield* Faulty
        const whoami = yield* Effect.promise(() => call(url, "GET", "/t/whoami", { auth: AUTH }))
        expect(whoami.status).toBe(200)
        expect(whoami.json.merchant).toMatch(/^acc_/)
        const refused = yield* Effect.promise(() => call(url, "GET", "/t/refuse/x%2Fy", { auth: AUTH }))
        expect(refused.status).toBe(400)
        expect(refused.json).toEqual(envelope("x/y refused", { field: "id" }))
        const anonymous = yield* Effect.promise(() => call(url, "GET", "/t/whoami"))
        expect(anonymous.status).toBe(401)
      })
    )

    it.effect("serve text endpoints with their content type, encode non-JSON types, and pass raw responses", () =>
      Effect.gen(function* () {
        const { url } = yield* Faulty
        const page = yield* Effect.promise(() => call(url, "GET", "/p/abc"))
        expect(page.status).toBe(200)
        expect(page.headers.get("content-type")).toBe("text/html")
        expect(page.text).toBe("<h1>abc</h1>")
        const dated = yield* Effect.promise(() => call(url, "GET", "/dated"))
        expect(dated.json).toEqual({ at: "2024-01-02T03:04:05.000Z" })
        const raw = yield* Effect.promise(() => fetch(`${url}/raw/abc`, { redirect: "manual" }))
        expect(raw.status).toBe(302)
        expect(raw.headers.get("location")).toBe("/p/abc")
      })
    )
  })
})
