/**
 * The OpenAPI document as the server serves it (`GET /openapi.json`): clean under Redocly's
 * recommended ruleset (the linter runs from the dev dependency, offline), with an example of every
 * request and answer that decodes with the endpoint's schemas and, for a request, passes core's
 * validation; integer query parameters; every status the server answers and both body encodings it
 * reads declared.
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import * as HttpApi from "@effect/platform/HttpApi"
import { expect, layer } from "@effect/vitest"
import { Api } from "@paylinks/contract/Api"
import * as SandboxWire from "@paylinks/contract/SandboxWire"
import * as Wire from "@paylinks/contract/Wire"
import * as Money from "@paylinks/core/Money"
import * as Validation from "@paylinks/core/Validation"
import { Merchants } from "@paylinks/core/Merchants"
import { basic, call } from "@paylinks/testing/HttpCall"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as Admission from "../src/server/Admission.js"
import { Served, servedLayer } from "./helpers.js"

const REDOCLY = createRequire(import.meta.url).resolve("@redocly/cli/bin/cli.js")

/**
 * Loaded before the linter: any TCP connection or DNS lookup is refused and reported on stderr, so a
 * linter that phoned home (telemetry, update checks, remote rulesets) fails the test.
 */
const NO_NETWORK = `data:text/javascript,${encodeURIComponent(`
import net from "node:net"
import dns from "node:dns"
const refuse = (what) => {
  process.stderr.write("NETWORK ATTEMPT: " + what + "\\n")
  throw new Error("no network here")
}
net.Socket.prototype.connect = function (...args) { refuse(JSON.stringify(args[0])) }
dns.lookup = (host) => refuse(host)
dns.promises.lookup = async (host) => refuse(host)
`)}`

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const node = (args: ReadonlyArray<string>, cwd: string): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", NO_NETWORK, ...args],
      {
        cwd,
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: cwd,
          TMPDIR: cwd,
          CI: "true",
          NO_COLOR: "1",
          REDOCLY_TELEMETRY: "off",
          REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
          REDOCLY_SUPPRESS_NOTIFICATIONS: "true"
        }
      },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })
    )
  })

type Json = Record<string, any>

const operations = (spec: Json): Array<{ readonly path: string; readonly method: string; readonly op: Json }> =>
  Object.entries<Json>(spec.paths).flatMap(([path, item]) =>
    Object.entries<Json>(item).map(([method, op]) => ({ path, method, op }))
  )

/** Each endpoint of the contract, as `HttpApi.reflect` sees it, by operation id. */
const endpoints = (): Map<
  string,
  {
    readonly method: string
    readonly secured: boolean
    readonly payload: SchemaAST.AST | undefined
    readonly answers: Map<number, SchemaAST.AST | undefined>
  }
> => {
  const out = new Map()
  HttpApi.reflect(Api as unknown as HttpApi.HttpApi.AnyWithProps, {
    onGroup: () => {},
    onEndpoint: ({ group, endpoint, middleware, successes, errors }) => {
      const answers = new Map<number, SchemaAST.AST | undefined>()
      for (const [status, { ast }] of [...successes, ...errors]) answers.set(status, Option.getOrUndefined(ast))
      out.set(`${group.identifier}.${endpoint.name}`, {
        method: endpoint.method,
        secured: middleware.size > 0,
        payload: Option.getOrUndefined(endpoint.payloadSchema)?.ast,
        answers
      })
    }
  })
  return out
}

const T0 = 1_767_225_600
/** What the server answers on the head of any request (`server/Admission.ts`), declared on every operation. */
const BEFORE_ROUTING = [408, 421, 503]
const Envelope = Schema.Struct({ error: Wire.ErrorDetail })
const KEY = "rzp_test_ApiDocument01"
const SECRET = "secret-of-the-document-suite"

/** The example requests through core's validation, as the server checks them. */
const validates: Readonly<Record<string, (body: Record<string, unknown>) => Either.Either<unknown, unknown>>> = {
  "invoices.create": (body) => Validation.validateCreate(body, T0),
  "invoices.update": (body) =>
    Validation.validateUpdate(
      body,
      { amount: 50_000, currency: Money.INR, createdAt: T0, partialPayment: false, firstPaymentMinAmount: null },
      T0 + 86_400
    ),
  "paymentLinks.create": (body) => Validation.validateCreatePaymentLink(body, { now: T0, mode: "test" }),
  "paymentLinks.update": (body) =>
    Validation.validateUpdatePaymentLink(
      body,
      {
        amount: 50_000,
        currency: Money.INR,
        createdAt: T0,
        partialPayment: false,
        firstPaymentMinAmount: null,
        upiLink: false
      },
      T0 + 86_400
    ),
  "sandbox.pay": (body) => Validation.validatePayment(body),
  "sandbox.payPaymentLink": (body) => Validation.validatePayment(body),
  "sandbox.advanceClock": (body) => Validation.validateClockAdvance(body)
}

layer(servedLayer(), { excludeTestServices: true })("the OpenAPI document as served", (it) => {
  const served = Effect.flatMap(Served, ({ url }) => Effect.promise(() => call(url, "GET", "/openapi.json")))

  it.effect("is clean under Redocly's recommended ruleset, linted offline", () =>
    Effect.gen(function* () {
      const answer = yield* served
      expect(answer.status).toBe(200)
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "paylinks-openapi-"))
      try {
        Fs.writeFileSync(Path.join(dir, "openapi.json"), answer.text)
        const run = yield* Effect.promise(() =>
          node([REDOCLY, "lint", "openapi.json", "--extends=recommended", "--format=json"], dir)
        )
        expect(run.stderr).not.toContain("NETWORK ATTEMPT")
        const report = JSON.parse(run.stdout)
        // Every problem by rule and place, so a failure says what to fix.
        expect(report.problems.map((p: Json) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([])
        expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 })
        expect(run.code).toBe(0)
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  )

  it.effect("the offline guard reports a connection attempt (so the lint above would fail on one)", () =>
    Effect.gen(function* () {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "paylinks-guard-"))
      try {
        const run = yield* Effect.promise(() =>
          node(["-e", "fetch('http://127.0.0.1:65000/').catch(() => process.exit(3))"], dir)
        )
        expect(run.stderr).toContain("NETWORK ATTEMPT")
        expect(run.code).toBe(3)
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  )

  it.effect("has an example of every request and answer, valid against the endpoint's schemas", () =>
    Effect.gen(function* () {
      const spec: Json = (yield* served).json
      const byId = endpoints()
      const seen: Array<string> = []
      for (const { op } of operations(spec)) {
        const endpoint = byId.get(op.operationId)
        expect(endpoint, op.operationId).toBeDefined()
        if (endpoint === undefined) continue
        if (endpoint.payload !== undefined) {
          const request = op.requestBody.content["application/json"].examples?.example?.value
          expect(request, `${op.operationId}: request example`).toBeDefined()
          Schema.decodeUnknownSync(Schema.make(endpoint.payload), { onExcessProperty: "error" })(request)
          const validate = validates[op.operationId]
          expect(validate, `${op.operationId}: a validation for its request`).toBeDefined()
          expect(Either.isRight(validate!(request)), `${op.operationId}: core accepts the example`).toBe(true)
          seen.push(`${op.operationId} request`)
        }
        for (const [status, response] of Object.entries<Json>(op.responses)) {
          // Declared by the contract, or one of the answers the server gives before routing (in the envelope).
          const ast =
            endpoint.answers.get(Number(status)) ?? (BEFORE_ROUTING.includes(Number(status)) ? Envelope.ast : undefined)
          expect(ast, `${op.operationId} ${status}: declared`).toBeDefined()
          const value = response.content?.["application/json"]?.examples?.example?.value
          expect(value, `${op.operationId} ${status}: example`).toBeDefined()
          // The answer as a client decodes it: every key known, every value of its type.
          Schema.decodeUnknownSync(Schema.make(ast!), { onExcessProperty: "error" })(value)
          if (Number(status) >= 400) expect(Object.keys(value)).toEqual(["error"])
          seen.push(`${op.operationId} ${status}`)
        }
      }
      expect(seen.length).toBeGreaterThan(70)
    })
  )

  it.effect("examples of a refusal carry the server's own texts", () =>
    Effect.gen(function* () {
      const spec: Json = (yield* served).json
      const example = (path: string, method: string, status: number) =>
        spec.paths[path][method].responses[status].content["application/json"].examples.example.value.error
      expect(example("/v1/invoices", "post", 400)).toMatchObject({
        description: "The amount must be at least INR 1.00",
        field: "amount"
      })
      expect(example("/v1/invoices/{id}/cancel", "post", 400).description).toBe(
        "Operation not allowed for Invoice in paid status."
      )
      expect(example("/v1/invoices", "get", 401).description).toBe("Authentication failed")
      expect(example("/v1/invoices", "get", 429).description).toBe("Too many requests")
      expect(example("/v1/invoices", "post", 413).description).toBe("The request body is too large")
      expect(example("/readyz", "get", 503).description).toBe("The storage is not reachable.")
      // The answers before routing, with the server's texts.
      expect(example("/v1/invoices", "get", 421).description).toBe(Admission.texts.unknownHost)
      expect(example("/healthz", "get", 408).description).toBe(Admission.texts.timeout)
      expect({ error: example("/v1/invoices/{id}", "patch", 503) }).toEqual(
        JSON.parse(String(Admission.busyReply().body))
      )
    })
  )

  it.effect("types the integer query parameters as integers, which the client still sends as text", () =>
    Effect.gen(function* () {
      const spec: Json = (yield* served).json
      const parameters = (path: string) =>
        Object.fromEntries(spec.paths[path].get.parameters.map((p: Json) => [p.name, p.schema]))
      const list = parameters("/v1/invoices")
      expect(list.count).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 10 })
      expect(list.skip).toMatchObject({ type: "integer", minimum: 0, default: 0 })
      expect(list.from).toMatchObject({ type: "integer" })
      expect(list.to).toMatchObject({ type: "integer" })
      expect(parameters("/v1/sandbox/inbox").count).toMatchObject({ type: "integer", minimum: 1, maximum: 100 })
      expect(JSON.stringify(spec)).not.toMatch(/NumberFromString|"#\/components\/schemas\/Int"/)
      // What the typed client puts in the query string is unchanged: numbers as their text.
      expect(Schema.encodeSync(Wire.ListInvoicesParams)({ count: 25, skip: 50, from: T0, to: T0 + 1 })).toEqual({
        count: "25",
        skip: "50",
        from: String(T0),
        to: String(T0 + 1)
      })
      expect(Schema.encodeSync(SandboxWire.InboxParams)({ count: 5 })).toEqual({ count: "5" })
    })
  )

  it.effect("declares every status the server answers, and both body encodings it reads", () =>
    Effect.gen(function* () {
      const spec: Json = (yield* served).json
      const byId = endpoints()
      for (const { method, op } of operations(spec)) {
        const endpoint = byId.get(op.operationId)!
        const statuses = Object.keys(op.responses).map(Number)
        // On every endpoint: the answers before routing (foreign Host, too slow, connection cap).
        const expected = [200, 400, 500, ...BEFORE_ROUTING]
        // Authenticated: a refused key, and the failed-authentication rate limit.
        if (endpoint.secured) expected.push(401, 429)
        // Every method but GET reads a body, up to the limit; authenticated POSTs honour Idempotency-Key.
        if (method !== "get") expected.push(413)
        if (endpoint.secured && method === "post") expected.push(409)
        expect(statuses.sort(), op.operationId).toEqual(expected.sort())
        const body = op.requestBody?.content
        if (body === undefined) continue
        expect(Object.keys(body).sort(), op.operationId).toEqual(
          ["application/json", "application/x-www-form-urlencoded"].sort()
        )
        expect(body["application/x-www-form-urlencoded"].schema).toEqual(body["application/json"].schema)
      }
      expect(spec.paths["/v1/invoices"].post.requestBody.content["application/x-www-form-urlencoded"].encoding).toEqual(
        {
          customer: { style: "deepObject", explode: true },
          notes: { style: "deepObject", explode: true }
        }
      )
    })
  )

  it.effect("the server answers the create example sent form-encoded as it answers it in JSON", () =>
    Effect.gen(function* () {
      const { url, context } = yield* Served
      yield* Context.get(context, Merchants).seedKey(KEY, SECRET, "Riverside Yoga")
      const spec: Json = (yield* served).json
      const content = spec.paths["/v1/invoices"].post.requestBody.content
      // The example's expiry is a fixed date; the server measures it from its own clock.
      const example = {
        ...content["application/json"].examples.example.value,
        expire_by: Math.floor(Date.now() / 1000) + 86_400
      }
      const deep = new Set(Object.keys(content["application/x-www-form-urlencoded"].encoding))
      const form = new URLSearchParams()
      for (const [key, value] of Object.entries<unknown>(example))
        if (deep.has(key))
          for (const [sub, inner] of Object.entries<unknown>(value as Json))
            form.append(`${key}[${sub}]`, String(inner))
        else form.append(key, String(value))
      const auth = basic(KEY, SECRET)
      const json = yield* Effect.promise(() => call(url, "POST", "/v1/invoices", { auth, body: example }))
      const formed = yield* Effect.promise(() =>
        call(url, "POST", "/v1/invoices", {
          auth,
          raw: form.toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" }
        })
      )
      expect(json.status).toBe(200)
      expect(formed.status).toBe(200)
      const unique = [
        "id",
        "order_id",
        "short_url",
        "customer_id",
        "customer_details",
        "issued_at",
        "date",
        "created_at"
      ]
      const comparable = (entity: Json) =>
        Object.fromEntries(Object.entries(entity).filter(([key]) => !unique.includes(key)))
      expect(comparable(formed.json)).toEqual(comparable(json.json))
      expect(formed.json.amount).toBe(50_000)
      expect(formed.json.customer).toEqual(example.customer)
    })
  )
})
