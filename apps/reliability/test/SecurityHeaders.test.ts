/**
 * Every HTML answer of the built server carries the security headers — a CSP with `default-src
 * 'none'` and `frame-ancestors 'none'` and no script, `X-Content-Type-Options: nosniff`, a referrer
 * policy, `X-Frame-Options: DENY`: the hosted page of a link in every status and both modes, its
 * refusals (forged form, refused amount, reused form, no gateway), the success page, the 404 page,
 * and `/docs`.
 */
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Admin from "../src/Admin.js"
import * as Fuzz from "../src/Fuzz.js"
import { type Answer, answer, basic, sendRaw } from "../src/Http.js"
import * as Processes from "../src/Processes.js"
import * as Shapes from "../src/Shapes.js"
import { randomSecret, tempDir } from "./support.js"

describe("security headers on every HTML answer", () => {
  const dir = tempDir("headers")
  const file = Path.join(dir, "paylinks.db")
  const database = `sqlite:${file}`
  const seeded = { keyId: "rzp_test_HeadersMerchant1", secret: randomSecret() }
  const auth = basic(seeded.keyId, seeded.secret)
  let server: Processes.Server
  let livePair: Admin.KeyPair

  beforeAll(async () => {
    const merchant = await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret)
    livePair = await Admin.issueKey(database, undefined, merchant.merchantId, "live")
    server = await Processes.startServer({
      env: { PAYLINKS_DATABASE: database, PAYLINKS_KEY_ID: seeded.keyId, PAYLINKS_KEY_SECRET: seeded.secret },
      cwd: dir
    })
  })
  afterAll(async () => {
    if (server !== undefined) expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  const create = async (body: Record<string, unknown>, key = auth) => {
    const created = await answer(server.url, "POST", "/v1/invoices", { auth: key, body: { type: "link", ...body } })
    expect(created.status).toBe(200)
    const entity = created.json as { id: string; short_url: string }
    return { id: entity.id, code: entity.short_url.slice(entity.short_url.lastIndexOf("/") + 1) }
  }

  /** The page of a link, with its form's token and cookie. */
  const page = async (code: string) => {
    const shown = await answer(server.url, "GET", `/i/${code}`)
    return {
      shown,
      token: /name="token" value="([^"]+)"/.exec(shown.text)?.[1],
      cookie: shown.headers["set-cookie"]?.split(";")[0]
    }
  }

  const post = async (code: string, cookie: string | undefined, form: string) => {
    const headers: Array<readonly [string, string]> = [["Content-Type", "application/x-www-form-urlencoded"]]
    if (cookie !== undefined) headers.push(["Cookie", cookie])
    const outcome = await sendRaw(server.port, Fuzz.rawRequest("POST", `/i/${code}`, headers, Buffer.from(form)))
    expect(outcome._tag).toBe("Answer")
    return outcome as Answer
  }

  it("the hosted page in every status, its refusals, its success page, the 404 page and /docs", async () => {
    const pages: Array<readonly [string, Answer, number]> = []
    const open = await create({ amount: 50_000, partial_payment: true, first_payment_min_amount: 10_000 })
    const opened = await page(open.code)
    pages.push(["issued", opened.shown, 200])
    pages.push(["forged form", await post(open.code, opened.cookie, "token=forged&choice=full"), 403])
    pages.push([
      "refused amount",
      await post(open.code, opened.cookie, `token=${encodeURIComponent(opened.token!)}&choice=part&amount=1`),
      400
    ])
    pages.push([
      "success",
      await post(open.code, opened.cookie, `token=${encodeURIComponent(opened.token!)}&choice=part&amount=200`),
      200
    ])
    pages.push([
      "reused form",
      await post(open.code, opened.cookie, `token=${encodeURIComponent(opened.token!)}&choice=part&amount=300`),
      409
    ])
    pages.push(["partially paid", (await page(open.code)).shown, 200])

    const paid = await create({ amount: 1_000 })
    expect(
      (await answer(server.url, "POST", `/v1/sandbox/invoices/${paid.id}/payments`, { auth, body: {} })).status
    ).toBe(200)
    pages.push(["paid", (await page(paid.code)).shown, 200])
    pages.push(["post to a paid link", await post(paid.code, undefined, "choice=full"), 400])

    const cancelled = await create({ amount: 1_000 })
    expect((await answer(server.url, "POST", `/v1/invoices/${cancelled.id}/cancel`, { auth })).status).toBe(200)
    pages.push(["cancelled", (await page(cancelled.code)).shown, 200])

    const expiring = await create({ amount: 1_000, expire_by: Math.floor(Date.now() / 1000) + 20 * 60 })
    const advanced = await answer(server.url, "POST", "/v1/sandbox/clock", { auth, body: { advance_by: 3600 } })
    expect(advanced.status).toBe(200)
    pages.push(["expired", (await page(expiring.code)).shown, 200])

    const live = await create({ amount: 1_000 }, basic(livePair.keyId, livePair.secret))
    pages.push(["live, no gateway", (await page(live.code)).shown, 200])
    pages.push(["live post", await post(live.code, undefined, "choice=full"), 503])

    pages.push(["unknown code", await answer(server.url, "GET", "/i/AAAAAAAA"), 404])
    pages.push(["malformed code", await answer(server.url, "GET", "/i/%3Cscript%3E"), 404])
    pages.push(["post to an unknown code", await post("AAAAAAAA", undefined, "choice=full"), 404])
    pages.push(["/docs", await answer(server.url, "GET", "/docs"), 200])

    for (const [name, reply, status] of pages) {
      expect([name, reply.status]).toEqual([name, status])
      expect([name, reply.headers["content-type"]]).toEqual([name, "text/html; charset=utf-8"])
      expect([name, Shapes.htmlHeaderProblem(reply.headers)]).toEqual([name, undefined])
    }
  })
})
