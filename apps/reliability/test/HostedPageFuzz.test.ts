/**
 * The hosted page (`GET`/`POST /i/:code`) of the built server under hostile input: garbage and
 * hostile codes, forged, foreign and reused form tokens and cookies, foreign origins, amounts that
 * are not amounts, unknown choices and methods, bodies that are not forms. The links themselves
 * carry HTML and SQL metacharacters in every text a merchant or customer sets. For every case: an
 * answer comes (within 10 s), never a 5xx; an HTML answer has the security headers and shows no
 * markup that came from input; a JSON answer (a path the router cannot read) is the envelope; no
 * secret shows; and only an accepted payment (303, or 200 to a post) changes the database.
 */
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as Admin from "../src/Admin.js"
import * as Fuzz from "../src/Fuzz.js"
import { type Answer, answer, basic, type Outcome, sendRaw } from "../src/Http.js"
import * as Invariants from "../src/Invariants.js"
import * as Processes from "../src/Processes.js"
import * as Shapes from "../src/Shapes.js"
import * as Snapshot from "../src/Snapshot.js"
import { leakedSecrets, randomSecret, tempDir, QUIET } from "./support.js"

const RUNS = Number(process.env.PAYLINKS_FUZZ_RUNS ?? 300)

/** What merchants and customers may legitimately write, and a page must show as text. */
const MARKUP = ['<script>alert("d")</script>', '"><img src=x onerror=alert(1)>', "</title><svg onload=alert(1)>"]

interface Page {
  readonly code: string
  readonly cookie: string | undefined
  readonly token: string | undefined
}

describe("the hosted page under hostile input", () => {
  const dir = tempDir("pagefuzz")
  const file = Path.join(dir, "paylinks.db")
  const database = `sqlite:${file}`
  const seeded = { keyId: "rzp_test_PageFuzz0000001", secret: randomSecret() }
  let server: Processes.Server
  let pairs: ReadonlyArray<Admin.KeyPair>
  const pages: Array<Page> = []

  beforeAll(async () => {
    pairs = [
      await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret),
      ...(await Admin.createMerchant(database, undefined, MARKUP[1]!, ["live"]))
    ]
    server = await Processes.startServer({
      env: { PAYLINKS_DATABASE: database, PAYLINKS_KEY_ID: seeded.keyId, PAYLINKS_KEY_SECRET: seeded.secret, ...QUIET },
      cwd: dir
    })
    const links: Array<{ readonly id: string; readonly code: string; readonly auth: string }> = []
    for (const pair of pairs) {
      const auth = basic(pair.keyId, pair.secret)
      for (let i = 0; i < 5; i++) {
        const markup = MARKUP[i % MARKUP.length]!
        const created = await answer(server.url, "POST", "/v1/invoices", {
          auth,
          body: {
            type: "link",
            amount: 50_000 + i,
            partial_payment: i !== 1,
            first_payment_min_amount: i === 2 ? 10_000 : undefined,
            description: `${markup} ${"long text ".repeat(40)}`,
            receipt: markup.slice(0, 40),
            customer: { name: markup.slice(0, 50), email: "page@example.com", contact: "+919000000002" },
            notes: { [markup]: markup },
            callback_url: i === 0 ? "https://merchant.example.com/done?x=<y>" : undefined
          }
        })
        expect(created.status).toBe(200)
        const entity = created.json as { id: string; short_url: string }
        links.push({ id: entity.id, code: entity.short_url.slice(entity.short_url.lastIndexOf("/") + 1), auth })
      }
    }
    // One paid and one cancelled link among them.
    expect(
      (await answer(server.url, "POST", `/v1/invoices/${links[1]!.id}/cancel`, { auth: links[1]!.auth })).status
    ).toBe(200)
    const paid = await answer(server.url, "POST", `/v1/sandbox/invoices/${links[2]!.id}/payments`, {
      auth: links[2]!.auth,
      body: {}
    })
    expect(paid.status).toBe(200)
    for (const link of links) {
      const page = await answer(server.url, "GET", `/i/${link.code}`)
      expect(page.status).toBe(200)
      const cookie = page.headers["set-cookie"]?.split(";")[0]
      const token = /name="token" value="([^"]+)"/.exec(page.text)?.[1]
      pages.push({ code: link.code, cookie, token })
    }
    expect(pages.filter((page) => page.token !== undefined).length).toBeGreaterThanOrEqual(2)
  })

  it("a genuine form is accepted (the fuzzer's only way to change the database)", async () => {
    const page = pages.find((candidate) => candidate.token !== undefined)!
    const before = Snapshot.digest(file)
    const paid = await sendRaw(
      server.port,
      Fuzz.rawRequest(
        "POST",
        `/i/${page.code}`,
        [
          ["Cookie", page.cookie!],
          ["Content-Type", "application/x-www-form-urlencoded"]
        ],
        Buffer.from(`token=${encodeURIComponent(page.token!)}&choice=full&method=card`)
      )
    )
    expect(paid._tag).toBe("Answer")
    expect([200, 303]).toContain((paid as Answer).status)
    expect(Snapshot.changedTables(before, Snapshot.digest(file))).toContain("payment_links")
  })
  afterAll(async () => {
    if (server !== undefined) expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  const secrets = () => Object.fromEntries(pairs.map((pair) => [pair.keyId, pair.secret]))

  /** The `Host` values of `Fuzz.host` that name this loopback server. */
  const SERVED_HOSTS = ["127.0.0.1", "localhost", "LOCALHOST.:4010", "[::1]:80", "127.0.0.2"]

  const answerProblem = (outcome: Outcome): string | undefined => {
    if (outcome._tag === "NoAnswer") return `no answer: ${outcome.error}`
    if (outcome.status >= 500 && outcome.status !== 503)
      return `status ${outcome.status}: ${outcome.text.slice(0, 300)}`
    const type = outcome.headers["content-type"] ?? ""
    if (outcome.status === 303) {
      if (outcome.headers.location === undefined) return "a redirect without a location"
    } else if (type.startsWith("text/html")) {
      const headers = Shapes.htmlHeaderProblem(outcome.headers)
      if (headers !== undefined) return headers
      if (/<script|<img|<svg|<\/title><svg/i.test(outcome.text)) return "markup from input in the page"
    } else if (type.startsWith("application/json")) {
      const envelope = Shapes.envelopeProblem(outcome.json)
      if (envelope !== undefined) return `malformed envelope: ${envelope}`
    } else return `content-type ${type}`
    const leaked = leakedSecrets(outcome.text, secrets())
    return leaked.length === 0 ? undefined : `secrets in the answer: ${leaked.join(", ")}`
  }

  it(`every one of ${RUNS} hostile page requests gets a safe answer, and only an accepted payment changes anything`, async () => {
    const statuses = new Map<number, number>()
    const codes = pages.map((page) => page.code)
    const formField = fc.oneof(
      fc.constantFrom(...Fuzz.NASTY_STRINGS).map((text) => encodeURIComponent(Fuzz.safeForUri(text))),
      fc.constantFrom("100", "500", "1e3", "-5", "0.001", "100.555", "99999999999999999999", "", "%zz", "5%2C00")
    )
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "POST", "POST"),
      page: fc.constantFrom(...pages),
      code: fc.option(Fuzz.segment(codes), { freq: 3 }),
      token: fc.oneof(
        fc.constant("own"),
        fc.constant("other"),
        formField,
        fc.constant("1700000000.AAAAAAAAAAAAAAAAAAAAAA.AAAA")
      ),
      cookie: fc.oneof(
        fc.constant("own"),
        fc.constant(undefined),
        Fuzz.headerValue.map((text) => `paylinks_form=${text}`),
        // A planted cookie beside the browser's own (a sibling site's, for the parent domain), either first.
        fc.constantFrom("planted first", "planted last")
      ),
      host: Fuzz.host,
      choice: fc.oneof(fc.constantFrom("full", "part"), formField),
      amount: formField,
      due: fc.oneof(fc.constant(undefined), formField),
      payMethod: fc.oneof(fc.constantFrom("card", "upi"), formField),
      origin: fc.constantFrom(undefined, "same", "https://evil.example", "null"),
      contentType: fc.constantFrom("application/x-www-form-urlencoded", "application/json", "text/plain", undefined),
      garbage: fc.option(Fuzz.body, { freq: 6 })
    })
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const code = input.code ?? input.page.code
        const other = pages.find((page) => page.token !== undefined && page.code !== input.page.code)
        const token = input.token === "own" ? input.page.token : input.token === "other" ? other?.token : input.token
        const fields: Array<string> = []
        if (token !== undefined) fields.push(`token=${encodeURIComponent(token)}`)
        fields.push(`choice=${input.choice}`, `amount=${input.amount}`, `method=${input.payMethod}`)
        if (input.due !== undefined) fields.push(`due=${input.due}`)
        const headers: Array<readonly [string, string]> = []
        const planted = "paylinks_form=PLANTEDplantedPLANTEDplanted"
        const cookie =
          input.cookie === "own"
            ? input.page.cookie
            : input.cookie === "planted first"
              ? `${planted}; ${input.page.cookie}`
              : input.cookie === "planted last"
                ? `${input.page.cookie}; ${planted}`
                : input.cookie
        if (cookie !== undefined) headers.push(["Cookie", cookie])
        if (input.origin !== undefined)
          headers.push([
            "Origin",
            input.origin === "same" ? `http://${input.host ?? "127.0.0.1"}:${server.port}` : input.origin
          ])
        const bytes = input.garbage === null ? Buffer.from(fields.join("&")) : (input.garbage as Fuzz.Body).bytes
        if (input.method === "POST" && input.contentType !== undefined)
          headers.push(["Content-Type", input.contentType])
        const before = Snapshot.digest(file)
        const outcome = await sendRaw(
          server.port,
          Fuzz.rawRequest(input.method, `/i/${code}`, headers, input.method === "POST" ? bytes : undefined, input.host)
        )
        const after = Snapshot.digest(file)
        const problem = answerProblem(outcome)
        const status = (outcome as Answer).status
        const accepted = input.method === "POST" && (status === 303 || status === 200)
        const changed = Snapshot.changedTables(before, after)
        const unchanged = accepted || changed.length === 0 ? undefined : `a refused ${status} changed ${changed}`
        // An amount belongs to "Pay in parts": posted with any other choice, it is refused, never charged in full.
        const typed = (new URLSearchParams(`amount=${input.amount}`).get("amount") ?? "").trim()
        const ambiguous =
          accepted && input.garbage === null && input.choice !== "part" && typed !== "" && changed.length > 0
            ? `paid with choice ${input.choice} and amount ${typed}`
            : undefined
        // Two form cookies, or a host the server does not serve (DNS rebinding), never pay.
        const misled =
          accepted && (input.cookie?.startsWith("planted") === true || !SERVED_HOSTS.includes(input.host ?? ""))
            ? `paid with cookie ${input.cookie} on host ${input.host}`
            : undefined
        if (problem !== undefined || unchanged !== undefined || ambiguous !== undefined || misled !== undefined)
          throw new Error(`${input.method} /i/${code}: ${problem ?? unchanged ?? ambiguous ?? misled}`)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }),
      { numRuns: RUNS, endOnFailure: true }
    )
    console.log(`hosted page fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
    expect(Invariants.violations(Snapshot.fromSqlite(file))).toEqual([])
    // Forms were refused for their token, their amount and their link's state, and some were paid.
    expect(statuses.get(403) ?? 0).toBeGreaterThan(0)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0)
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0)
  })
})
