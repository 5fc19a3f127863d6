/**
 * A property-based fuzzer over the HTTP API of the built server (on SQLite): each case is one raw
 * HTTP request — any endpoint, ids that are the caller's, another merchant's, another mode's or
 * garbage, hostile bodies (see `src/Fuzz.ts`), hostile queries, headers and credentials. For every
 * case: an answer comes (within 10 s), it is never a 5xx, it is JSON that is either the endpoint's
 * entity or Razorpay's envelope, it carries no secret and no stack trace, a list shows the caller's
 * own links only, and a refused request leaves every table as it was (the idempotency record of a
 * request that carried an `Idempotency-Key` aside: refusals are stored too, docs/http-api.md#idempotency-key). Then
 * oversized bodies, headers and URLs, the same way.
 */
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as Admin from "../src/Admin.js"
import * as Fuzz from "../src/Fuzz.js"
import { type Answer, answer, basic, type Outcome, sendRaw } from "../src/Http.js"
import * as Processes from "../src/Processes.js"
import * as Shapes from "../src/Shapes.js"
import * as Snapshot from "../src/Snapshot.js"
import { leakedSecrets, randomSecret, tempDir, QUIET } from "./support.js"

const RUNS = Number(process.env.PAYLINKS_FUZZ_RUNS ?? 300)

type Endpoint = readonly [method: string, template: string, expected: Shapes.Expected]

const ENDPOINTS: ReadonlyArray<Endpoint> = [
  ["POST", "/v1/invoices", "entity"],
  ["GET", "/v1/invoices/{id}", "entity"],
  ["GET", "/v1/invoices{query}", "collection"],
  ["PATCH", "/v1/invoices/{id}", "entity"],
  ["POST", "/v1/invoices/{id}/cancel", "entity"],
  ["POST", "/v1/invoices/{id}/notify_by/{medium}", "notify"],
  ["POST", "/v1/sandbox/invoices/{id}/payments", "sandboxPayment"],
  ["GET", "/v1/sandbox/clock", "clock"],
  ["POST", "/v1/sandbox/clock", "clock"],
  ["DELETE", "/v1/invoices/{id}", "entity"],
  ["PUT", "/v1/invoices", "entity"],
  ["GET", "/v1/{id}", "entity"],
  ["GET", "/healthz", "health"]
]

describe("the API under hostile input", () => {
  const dir = tempDir("apifuzz")
  const file = Path.join(dir, "paylinks.db")
  const database = `sqlite:${file}`
  const seeded = { keyId: "rzp_test_FuzzMerchant001", secret: randomSecret() }
  let server: Processes.Server
  let pairs: ReadonlyArray<Admin.KeyPair>
  const ids: Array<string> = []

  beforeAll(async () => {
    pairs = [
      await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret),
      ...(await Admin.createMerchant(database, undefined, "other", ["test", "live"]))
    ]
    server = await Processes.startServer({
      env: {
        PAYLINKS_DATABASE: database,
        PAYLINKS_KEY_ID: seeded.keyId,
        PAYLINKS_KEY_SECRET: seeded.secret,
        ...QUIET,
        // The fuzzer sends bad credentials on purpose; the limit has its own test.
        PAYLINKS_AUTH_FAILURE_LIMIT: "off"
      },
      cwd: dir
    })
    // Links in every status, for the caller and for the other merchant in both modes.
    for (const pair of pairs) {
      const auth = basic(pair.keyId, pair.secret)
      for (const partial of [false, true, false, true]) {
        const created = await answer(server.url, "POST", "/v1/invoices", {
          auth,
          body: {
            type: "link",
            amount: 50_000,
            partial_payment: partial,
            customer: { name: "Fuzz", email: "fuzz@example.com", contact: "+919000000001" }
          }
        })
        expect(created.status).toBe(200)
        ids.push((created.json as { id: string }).id)
      }
      const [issued, partial, toPay, toCancel] = ids.slice(-4)
      void issued
      if (pair.mode === "test") {
        const paid = await answer(server.url, "POST", `/v1/sandbox/invoices/${toPay}/payments`, { auth, body: {} })
        expect(paid.status).toBe(200)
        const part = await answer(server.url, "POST", `/v1/sandbox/invoices/${partial}/payments`, {
          auth,
          body: { amount: 10_000 }
        })
        expect(part.status).toBe(200)
      }
      expect((await answer(server.url, "POST", `/v1/invoices/${toCancel}/cancel`, { auth })).status).toBe(200)
    }
  })
  afterAll(async () => {
    if (server !== undefined) expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  const secrets = () => {
    const all: Record<string, string> = {}
    for (const pair of pairs) {
      all[pair.keyId] = pair.secret
      all[`${pair.keyId} basic`] = Buffer.from(`${pair.keyId}:${pair.secret}`).toString("base64")
    }
    return all
  }

  /** Everything every answer must be; returns the problem, or undefined. */
  const answerProblem = (outcome: Outcome, expected: Shapes.Expected): string | undefined => {
    if (outcome._tag === "NoAnswer") return `no answer: ${outcome.error}`
    if (outcome.status >= 500) return `status ${outcome.status}: ${outcome.text}`
    const shape = Shapes.apiAnswerProblem(outcome, expected)
    if (shape !== undefined) return `malformed ${outcome.status}: ${shape}: ${outcome.text.slice(0, 300)}`
    if (/\n\s+at |node_modules|SqlError|Error:/.test(outcome.text)) return `internals in ${outcome.text.slice(0, 300)}`
    const leaked = leakedSecrets(outcome.text, secrets())
    return leaked.length === 0 ? undefined : `secrets in the answer: ${leaked.join(", ")}`
  }

  /** A refused request changes no table; `idempotent` lets it record its answer for replay. */
  const unchangedProblem = (
    before: Readonly<Record<string, string>>,
    after: Readonly<Record<string, string>>,
    idempotent: boolean
  ): string | undefined => {
    const changed = Snapshot.changedTables(before, after).filter(
      (table) => !(idempotent && table === "idempotency_keys")
    )
    return changed.length === 0 ? undefined : `a refused request changed ${changed.join(", ")}`
  }

  const tenantOf = (auth: string) => pairs.find((pair) => basic(pair.keyId, pair.secret) === auth)

  it(`every one of ${RUNS} hostile requests gets a well-formed answer, never a 5xx, and a refusal changes nothing`, async () => {
    const statuses = new Map<number, number>()
    const foreign = ["inv_AAAAAAAAAAAAAA", "inv_", "pay_x", "inv_0000000000000000000000"]
    const auths = pairs.map((pair) => basic(pair.keyId, pair.secret))
    const request = fc.record({
      endpoint: fc.constantFrom(...ENDPOINTS),
      id: Fuzz.segment([...ids, ...foreign]),
      medium: Fuzz.segment(["sms", "email", "whatsapp"]),
      query: Fuzz.query,
      auth: fc.oneof(
        { weight: 10, arbitrary: fc.constant(auths[0]!) },
        { weight: 2, arbitrary: fc.constantFrom(...auths.slice(1)) },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.constant(undefined),
            Fuzz.headerValue,
            Fuzz.headerValue.map((text) => `Basic ${text}`),
            Fuzz.headerValue.map((text) => `Basic ${Buffer.from(`${seeded.keyId}:${text}`).toString("base64")}`),
            fc.constant(`basic ${Buffer.from(`${seeded.keyId}:${seeded.secret}`).toString("base64")}`)
          )
        }
      ),
      idempotencyKey: fc.option(Fuzz.headerValue, { freq: 5 }),
      host: Fuzz.host,
      body: Fuzz.body,
      extra: fc.array(
        fc.tuple(fc.constantFrom("X-Request-Id", "Accept", "X-Forwarded-For", "Content-Encoding"), Fuzz.headerValue),
        { maxLength: 2 }
      )
    })
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const [method, template, expected] = input.endpoint
        const target = template
          .replace("{id}", input.id)
          .replace("{medium}", input.medium)
          .replace("{query}", input.query)
        const headers: Array<readonly [string, string]> = [...input.extra]
        if (input.auth !== undefined) headers.push(["Authorization", input.auth])
        if (input.idempotencyKey !== null) headers.push(["Idempotency-Key", input.idempotencyKey])
        const hasBody = method !== "GET"
        if (hasBody && input.body.contentType !== undefined) headers.push(["Content-Type", input.body.contentType])
        const before = Snapshot.digest(file)
        const outcome = await sendRaw(
          server.port,
          Fuzz.rawRequest(method, target, headers, hasBody ? input.body.bytes : undefined, input.host)
        )
        const after = Snapshot.digest(file)
        const problem =
          answerProblem(outcome, expected) ??
          ((outcome as Answer).status === 200
            ? listProblem(outcome as Answer, input.auth)
            : unchangedProblem(before, after, input.idempotencyKey !== null))
        if (problem !== undefined)
          throw new Error(`${method} ${JSON.stringify(target)} (${input.body.kind} body): ${problem}`)
        const status = (outcome as Answer).status
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }),
      { numRuns: RUNS, endOnFailure: true }
    )
    // The fuzzer reached the handlers, not only the front door.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(5)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(RUNS / 4)
    console.log(`API fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
  })

  /** A list answered to `auth` shows its tenant's links only. */
  const listProblem = (outcome: Answer, auth: string | undefined): string | undefined => {
    const items = (outcome.json as { items?: ReadonlyArray<{ id: string }> }).items
    if (items === undefined || items.length === 0) return undefined
    const pair = auth === undefined ? undefined : tenantOf(auth)
    const rows = new Map(Snapshot.fromSqlite(file).links.map((row) => [row.id, row]))
    for (const item of items) {
      const row = rows.get(item.id)
      if (pair === undefined || row?.merchantId !== pair.merchantId || row.mode !== pair.mode)
        return `a list showed ${item.id} of another tenant`
    }
    return undefined
  }

  it("oversized bodies, headers and URLs are refused with the envelope and change nothing", async () => {
    const auth = basic(seeded.keyId, seeded.secret)
    const cases: ReadonlyArray<readonly [string, Uint8Array, ReadonlyArray<number>]> = [
      [
        "a body of 1 MiB + 1",
        Fuzz.rawRequest(
          "POST",
          "/v1/invoices",
          [
            ["Authorization", auth],
            ["Content-Type", "application/json"]
          ],
          Buffer.from(`{"type":"link","amount":1000,"description":"${"x".repeat(1024 * 1024)}"}`)
        ),
        [413]
      ],
      [
        "a declared length of 50 MiB",
        Buffer.from(
          `POST /v1/invoices HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ${auth}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n{"type":"link"`
        ),
        [413]
      ],
      [
        "a header of 64 KiB",
        Fuzz.rawRequest("GET", "/v1/invoices", [["X-Big", "x".repeat(64 * 1024)]], undefined),
        [400]
      ],
      [
        "3000 headers",
        Fuzz.rawRequest(
          "GET",
          "/v1/invoices",
          Array.from({ length: 3000 }, (_, i) => [`X-H${i}`, "v"] as const),
          undefined
        ),
        [400]
      ],
      ["a URL of 100 KiB", Fuzz.rawRequest("GET", `/v1/invoices/${"a".repeat(100 * 1024)}`, [], undefined), [400]],
      ["a request line of garbage", Buffer.from("\x00\x01\x02 / HTTP/1.1\r\n\r\n"), [400]],
      // Lenient parsers take it, strict ones refuse it: either is fine, a bare status line is not.
      ["a bare LF request", Buffer.from("GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n"), [200, 400]]
    ]
    for (const [name, bytes, statuses] of cases) {
      const before = Snapshot.digest(file)
      const outcome = await sendRaw(server.port, bytes)
      expect(outcome._tag, name).toBe("Answer")
      const answered = outcome as Answer
      expect(statuses, `${name}: ${answered.status}`).toContain(answered.status)
      expect(answerProblem(answered, "health"), name).toBeUndefined()
      expect(Snapshot.changedTables(before, Snapshot.digest(file)), name).toEqual([])
    }
  })
})
