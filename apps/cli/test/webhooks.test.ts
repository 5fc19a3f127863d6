/**
 * `paylinks webhooks …` on real SQLite files; and end to end: a real server on the
 * file delivers, to a real receiver on loopback, what the CLI registered there, for payments made
 * through the CLI's remote mode, and the CLI shows every attempt.
 */
import { createHmac } from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Env, eventually, ok, paylinks, startDelivering, type TestServer, tempDir } from "./support.js"

const dirs: Array<string> = []
const newDir = () => {
  const dir = tempDir("webhooks")
  dirs.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of dirs) Fs.rmSync(dir, { recursive: true, force: true })
})

type Json = Record<string, any>

const run = async (env: Env, args: ReadonlyArray<string>): Promise<Json> =>
  JSON.parse(await ok([...args, "--json"], env))

/** A database with one merchant. */
const merchantDatabase = async (): Promise<Env> => {
  const env = { PAYLINKS_DATABASE: `sqlite:${Path.join(newDir(), "paylinks.db")}` }
  await ok(["merchants", "create", "--name", "Acme Tea"], env)
  return env
}

const DEFAULT_EVENTS = [
  "invoice.partially_paid",
  "invoice.paid",
  "invoice.expired",
  "payment_link.paid",
  "payment_link.partially_paid",
  "payment_link.cancelled",
  "payment_link.expired"
]

describe("webhooks commands on the database", () => {
  it("add prints the endpoint with its secret; a generated secret is said to be shown once", async () => {
    const env = await merchantDatabase()
    const generated = await paylinks(["webhooks", "add", "--url", "https://example.com/hooks/paylinks"], env)
    expect(generated.code).toBe(0)
    expect(generated.stdout).toMatch(/^id\s+wh_[0-9A-Za-z]{14}$/m)
    expect(generated.stdout).toMatch(/^mode\s+test$/m)
    expect(generated.stdout).toMatch(/^url\s+https:\/\/example\.com\/hooks\/paylinks$/m)
    expect(generated.stdout).toMatch(/^secret\s+[0-9A-Za-z]{32}$/m)
    expect(generated.stdout).toMatch(
      /^events\s+invoice\.partially_paid, invoice\.paid, invoice\.expired, payment_link\.paid, payment_link\.partially_paid, payment_link\.cancelled, payment_link\.expired$/m
    )
    expect(generated.stdout).toMatch(/^status\s+enabled$/m)
    expect(generated.stderr).toBe("The secret was generated: store it now, it is not shown again.\n")

    const given = await paylinks(
      [
        "webhooks",
        "add",
        "--mode",
        "live",
        "--url",
        "https://example.com/live",
        "--secret",
        "whsec-live",
        "--events",
        "invoice.cancelled,invoice.paid",
        "--json"
      ],
      env
    )
    expect(given.stderr).toBe("")
    const endpoint = JSON.parse(given.stdout)
    expect(endpoint).toEqual({
      id: expect.stringMatching(/^wh_[0-9A-Za-z]{14}$/),
      entity: "webhook_endpoint",
      merchant_id: expect.stringMatching(/^acc_/),
      mode: "live",
      url: "https://example.com/live",
      secret: "whsec-live",
      events: ["invoice.paid", "invoice.cancelled"],
      enabled: true,
      disabled_at: null,
      disabled_reason: null,
      created_at: expect.any(Number),
      updated_at: endpoint.created_at
    })
  })

  it("add refuses with the registry's texts (exit 1); live mode refuses loopback, test mode allows it", async () => {
    const env = await merchantDatabase()
    expect(await paylinks(["webhooks", "add", "--url", "ftp://example.com/hook"], env)).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "The url must use http or https.\n"
    })
    expect(
      await paylinks(["webhooks", "add", "--url", "https://example.com/", "--events", "invoice.refunded"], env)
    ).toMatchObject({
      code: 1,
      stderr:
        "invoice.refunded is not a valid event. Valid events: invoice.partially_paid, invoice.paid, invoice.expired, invoice.cancelled, payment_link.paid, payment_link.partially_paid, payment_link.cancelled, payment_link.expired.\n"
    })
    const live = await paylinks(["webhooks", "add", "--mode", "live", "--url", "http://127.0.0.1:9/hook"], env)
    expect(live.code).toBe(1)
    expect(live.stderr).toMatch(/^The url is not allowed: .*loopback/)
    await ok(["webhooks", "add", "--url", "http://127.0.0.1:9/hook"], env)
    expect((await paylinks(["webhooks", "add"], env)).code).toBe(2)
    // Nothing refused was stored.
    const stored = (await run(env, ["webhooks", "list"])) as unknown as Array<Json>
    expect(stored.map((endpoint) => endpoint.url)).toEqual(["http://127.0.0.1:9/hook"])
  })

  it("needs the database: through a server, or without a merchant to act for, it is a usage error (exit 2)", async () => {
    const env = await merchantDatabase()
    for (const [args, extra] of [
      [["webhooks", "list", "--server", "http://127.0.0.1:9"], {}],
      [["webhooks", "add", "--url", "https://example.com/"], { PAYLINKS_SERVER: "http://127.0.0.1:9" }]
    ] as const) {
      const result = await paylinks(args, { ...env, ...extra })
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(
        /^paylinks webhooks (list|add) needs direct database access .*cannot run through --server\.$/m
      )
    }
    const empty = { PAYLINKS_DATABASE: `sqlite:${Path.join(newDir(), "paylinks.db")}` }
    expect(await paylinks(["webhooks", "list"], empty)).toMatchObject({
      code: 2,
      stderr: "The database has no merchant yet: create one with paylinks merchants create.\n"
    })
    const second = JSON.parse(await ok(["merchants", "create", "--name", "Second", "--json"], env))
    expect(await paylinks(["webhooks", "list"], env)).toMatchObject({
      code: 2,
      stderr: "The database has 2 merchants: choose one with --merchant.\n"
    })
    await ok(["webhooks", "add", "--merchant", second.merchant_id, "--url", "https://example.com/second"], env)
    const listed = (await run(env, ["webhooks", "list", "--merchant", second.merchant_id])) as unknown as Array<Json>
    expect(listed.map((endpoint) => [endpoint.merchant_id, endpoint.url])).toEqual([
      [second.merchant_id, "https://example.com/second"]
    ])
  })

  it("list shows both modes, or one with --mode, and never a secret", async () => {
    const env = await merchantDatabase()
    expect(await ok(["webhooks", "list"], env)).toBe("No webhook endpoints.\n")
    const test = await run(env, ["webhooks", "add", "--url", "https://example.com/t", "--secret", "secret-t"])
    const live = await run(env, ["webhooks", "add", "--url", "https://example.com/l", "--mode", "live"])

    const table = await ok(["webhooks", "list"], env)
    expect(table).toMatch(/^ID\s+MODE\s+STATUS\s+EVENTS\s+URL$/m)
    expect(table).toMatch(
      new RegExp(`^${test.id}\\s+test\\s+enabled\\s+${DEFAULT_EVENTS.join(",")}\\s+https://example\\.com/t$`, "m")
    )
    expect(table).toMatch(new RegExp(`^${live.id}\\s+live\\s+enabled\\s+`, "m"))
    expect(table).not.toContain("secret-t")
    expect(table).not.toContain(live.secret)

    const all = (await run(env, ["webhooks", "list"])) as unknown as Array<Json>
    expect(all.map((endpoint) => endpoint.id)).toEqual([test.id, live.id])
    const { secret: _secret, ...withoutSecret } = test
    expect(all[0]).toEqual(withoutSecret)
    expect(JSON.stringify(all)).not.toContain("secret")
    const onlyLive = (await run(env, ["webhooks", "list", "--mode", "live"])) as unknown as Array<Json>
    expect(onlyLive.map((endpoint) => endpoint.id)).toEqual([live.id])
  })

  it("update changes what is given, turns an endpoint off and on, and finds an endpoint's mode by itself", async () => {
    const env = await merchantDatabase()
    const live = await run(env, ["webhooks", "add", "--mode", "live", "--url", "https://example.com/a"])

    const changed = await run(env, [
      "webhooks",
      "update",
      live.id,
      "--url",
      "https://example.com/b",
      "--events",
      "invoice.expired"
    ])
    expect(changed).toMatchObject({
      id: live.id,
      mode: "live",
      url: "https://example.com/b",
      events: ["invoice.expired"]
    })
    expect(changed).not.toHaveProperty("secret")

    const disabled = await ok(["webhooks", "update", live.id, "--disable"], env)
    expect(disabled).toMatch(/^status\s+disabled$/m)
    expect(disabled).toMatch(/^disabled_reason\s+Disabled by the merchant$/m)
    const table = await ok(["webhooks", "list"], env)
    expect(table).toMatch(
      new RegExp(`^${live.id}\\s+live\\s+disabled\\s+invoice\\.expired\\s+https://example\\.com/b$`, "m")
    )
    expect(table).toMatch(
      new RegExp(
        `^${live.id} was disabled at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: Disabled by the merchant$`,
        "m"
      )
    )

    const enabled = await run(env, ["webhooks", "update", live.id, "--enable"])
    expect(enabled).toMatchObject({
      enabled: true,
      disabled_at: null,
      disabled_reason: null,
      url: "https://example.com/b"
    })

    expect(await paylinks(["webhooks", "update", live.id, "--mode", "test", "--enable"], env)).toMatchObject({
      code: 1,
      stderr: `No webhook endpoint ${live.id}\n`
    })
    expect(await paylinks(["webhooks", "update", live.id, "--events", "invoice.nope"], env)).toMatchObject({
      code: 1,
      stderr:
        "invoice.nope is not a valid event. Valid events: invoice.partially_paid, invoice.paid, invoice.expired, invoice.cancelled, payment_link.paid, payment_link.partially_paid, payment_link.cancelled, payment_link.expired.\n"
    })
    expect(await paylinks(["webhooks", "update", live.id], env)).toMatchObject({
      code: 2,
      stderr: "Nothing to change: give --url, --secret, --events, --enable or --disable.\n"
    })
    const both = await paylinks(["webhooks", "update", live.id, "--enable", "--disable"], env)
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("Give --enable or --disable, not both.")
    // The refused updates changed nothing.
    const [stored] = (await run(env, ["webhooks", "list"])) as unknown as Array<Json>
    expect(stored).toMatchObject({ enabled: true, events: ["invoice.expired"], url: "https://example.com/b" })
  })

  it("remove deletes the endpoint; an unknown one is refused", async () => {
    const env = await merchantDatabase()
    const kept = await run(env, ["webhooks", "add", "--url", "https://example.com/kept"])
    const gone = await run(env, ["webhooks", "add", "--url", "https://example.com/gone"])
    expect(await ok(["webhooks", "remove", gone.id], env)).toBe(`Removed ${gone.id}.\n`)
    const left = (await run(env, ["webhooks", "list"])) as unknown as Array<Json>
    expect(left.map((endpoint) => endpoint.id)).toEqual([kept.id])
    expect(await paylinks(["webhooks", "remove", gone.id], env)).toMatchObject({
      code: 1,
      stderr: `No webhook endpoint ${gone.id}\n`
    })
    expect(await run(env, ["webhooks", "remove", kept.id])).toEqual({ id: kept.id, removed: true })
  })

  it("deliveries and redeliver before any event: empty log, refusals and usage errors", async () => {
    const env = await merchantDatabase()
    const endpoint = await run(env, ["webhooks", "add", "--url", "https://example.com/x"])
    expect(await ok(["webhooks", "deliveries"], env)).toBe("No deliveries.\n")
    expect(await run(env, ["webhooks", "deliveries", endpoint.id])).toEqual({
      entity: "collection",
      count: 0,
      items: []
    })
    expect(await paylinks(["webhooks", "deliveries", "wh_00000000000000"], env)).toMatchObject({
      code: 1,
      stderr: "No webhook endpoint wh_00000000000000\n"
    })
    expect((await paylinks(["webhooks", "deliveries", "--count", "0"], env)).code).toBe(2)

    expect(await paylinks(["webhooks", "redeliver", "--event", "evt_00000000000000"], env)).toMatchObject({
      code: 1,
      stderr: "No webhook event evt_00000000000000 was recorded for this account.\n"
    })
    expect(await paylinks(["webhooks", "redeliver", "--from", "10", "--to", "5"], env)).toMatchObject({
      code: 1,
      stderr: "The range must be two unix times, from ≤ to.\n"
    })
    expect(await ok(["webhooks", "redeliver", "--from", "0", "--to", "4102444800"], env)).toBe(
      "Scheduled 0 deliveries.\n"
    )
    for (const args of [[], ["--from", "10"], ["--event", "evt_00000000000000", "--from", "1", "--to", "2"]])
      expect((await paylinks(["webhooks", "redeliver", ...args], env)).code).toBe(2)
  })
})

interface Hit {
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  /** The body exactly as received: the signature covers these bytes. */
  readonly raw: string
}

/** A webhook receiver on 127.0.0.1: records every request; paths in `failing` answer 503, others 200. */
const listen = (): Promise<{ url: string; hits: Array<Hit>; failing: Set<string>; close: () => Promise<void> }> =>
  new Promise((resolve) => {
    const hits: Array<Hit> = []
    const failing = new Set<string>()
    const server = Http.createServer((request, response) => {
      let raw = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => (raw += chunk))
      request.on("end", () => {
        const path = request.url ?? ""
        hits.push({ path, headers: request.headers, raw })
        response.writeHead(failing.has(path) ? 503 : 200).end()
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        hits,
        failing,
        close: () => new Promise<void>((done) => server.close(() => done()))
      })
    )
  })

const signature = (secret: string, raw: string) => createHmac("sha256", secret).update(raw).digest("hex")

const KEY_ID = "rzp_test_CliWebhookTest01"
const KEY_SECRET = "cli-webhooks-secret-0123456789"

describe("webhooks end to end: the server delivers what the CLI registered", () => {
  let server: TestServer
  let receiver: Awaited<ReturnType<typeof listen>>
  let local: Env
  let remote: Env

  beforeAll(async () => {
    receiver = await listen()
    const started = await startDelivering("webhooks-e2e", KEY_ID, KEY_SECRET)
    dirs.push(started.dir)
    server = started.server
    local = { PAYLINKS_DATABASE: started.database }
    remote = { PAYLINKS_SERVER: server.url, PAYLINKS_KEY_ID: KEY_ID, PAYLINKS_KEY_SECRET: KEY_SECRET }
  })

  afterAll(async () => {
    expect(await server?.stop()).toBe(0)
    await receiver?.close()
  })

  /** A link paid in full through the server (`links pay`, a sandbox payment). */
  const paidLink = async (): Promise<Json> => {
    const link = await run(remote, ["links", "create", "--amount", "50000", "--description", "Webhook tea"])
    const paid = await run(remote, ["links", "pay", link.id])
    expect(paid.status).toBe("paid")
    return paid
  }

  /** The requests that reached `path` about `linkId`, once there are `count` of them. */
  const hitsFor = (path: string, linkId: string, count = 1) =>
    eventually(`${count} request(s) to ${path} about ${linkId}`, async () => {
      const found = receiver.hits.filter(
        (hit) => hit.path === path && JSON.parse(hit.raw).payload.invoice.entity.id === linkId
      )
      return found.length >= count ? found : undefined
    })

  /** The endpoint's delivery of the event, once `done` says it is settled as the test expects. */
  const deliveryOf = (endpointId: string, eventId: string, done: (delivery: Json) => boolean) =>
    eventually(`the delivery of ${eventId} to ${endpointId}`, async () => {
      const log = await run(local, ["webhooks", "deliveries", endpointId, "--event", eventId])
      const delivery = log.items.find((item: Json) => item.event_id === eventId)
      return delivery !== undefined && done(delivery) ? delivery : undefined
    })

  it("a payment made with remote links pay reaches the receiver as invoice.paid, signed with the endpoint's secret; deliveries shows the attempt", async () => {
    const endpoint = await run(local, [
      "webhooks",
      "add",
      "--url",
      `${receiver.url}/paid`,
      "--secret",
      "whsec-paid",
      "--events",
      "invoice.paid"
    ])
    const link = await paidLink()

    const [hit] = await hitsFor("/paid", link.id)
    const body = JSON.parse(hit!.raw)
    expect(hit!.headers["x-razorpay-signature"]).toBe(signature("whsec-paid", hit!.raw))
    expect(hit!.headers["content-type"]).toBe("application/json")
    const eventId = hit!.headers["x-razorpay-event-id"] as string
    expect(eventId).toMatch(/^evt_[0-9A-Za-z]{14}$/)
    expect(body).toMatchObject({
      entity: "event",
      event: "invoice.paid",
      account_id: endpoint.merchant_id,
      payload: { invoice: { entity: { id: link.id, status: "paid", amount_paid: 50000 } } }
    })
    expect(body.payload.payment.entity).toMatchObject({ amount: 50000, invoice_id: link.id, status: "captured" })

    const delivery = await deliveryOf(endpoint.id, eventId, (found) => found.status === "succeeded")
    expect(delivery).toMatchObject({
      entity: "webhook_delivery",
      endpoint_id: endpoint.id,
      event: "invoice.paid",
      invoice_id: link.id,
      delivered_at: expect.any(Number),
      last_error: null
    })
    expect(delivery.attempts).toEqual([
      { attempted_at: expect.any(Number), status_code: 200, latency_ms: expect.any(Number), error: null }
    ])

    const table = await ok(["webhooks", "deliveries", endpoint.id], local)
    expect(table).toMatch(/^EVENT ID\s+EVENT\s+LINK\s+ENDPOINT\s+DELIVERY\s+ATTEMPTED\s+CODE\s+LATENCY\s+ERROR$/m)
    expect(table).toMatch(
      new RegExp(
        `^${eventId}\\s+invoice\\.paid\\s+${link.id}\\s+${endpoint.id}\\s+succeeded\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\s+200\\s+\\d+ ms\\s+-$`,
        "m"
      )
    )

    // Redelivered: the same event, byte for byte, a second time; the log shows both attempts.
    expect(await ok(["webhooks", "redeliver", "--event", eventId, "--endpoint", endpoint.id], local)).toBe(
      "Scheduled 1 delivery.\n"
    )
    const [first, second] = await hitsFor("/paid", link.id, 2)
    expect(second!.headers["x-razorpay-event-id"]).toBe(eventId)
    expect(second!.raw).toBe(first!.raw)
    const again = await deliveryOf(endpoint.id, eventId, (found) => found.attempts.length === 2)
    expect(again.attempts.map((attempt: Json) => attempt.status_code)).toEqual([200, 200])
  })

  it("a failing endpoint's attempts are logged with status and error; after update --url, redeliver delivers it", async () => {
    receiver.failing.add("/failing")
    const endpoint = await run(local, [
      "webhooks",
      "add",
      "--url",
      `${receiver.url}/failing`,
      "--events",
      "invoice.paid"
    ])
    const link = await paidLink()
    const [hit] = await hitsFor("/failing", link.id)
    const eventId = hit!.headers["x-razorpay-event-id"] as string

    const failed = await deliveryOf(endpoint.id, eventId, (found) => found.attempts.length >= 1)
    expect(failed).toMatchObject({ status: "pending", last_error: "HTTP 503", delivered_at: null })
    expect(failed.attempts[0]).toMatchObject({ status_code: 503, latency_ms: expect.any(Number), error: "HTTP 503" })
    expect(await ok(["webhooks", "deliveries", endpoint.id, "--status", "pending"], local)).toMatch(
      new RegExp(
        `^${eventId}\\s+invoice\\.paid\\s+${link.id}\\s+${endpoint.id}\\s+pending\\s+\\S+ \\S+ UTC\\s+503\\s+\\d+ ms\\s+HTTP 503$`,
        "m"
      )
    )

    await ok(["webhooks", "update", endpoint.id, "--url", `${receiver.url}/recovered`], local)
    expect(await ok(["webhooks", "redeliver", "--event", eventId, "--endpoint", endpoint.id], local)).toBe(
      "Scheduled 1 delivery.\n"
    )
    await hitsFor("/recovered", link.id)
    const delivered = await deliveryOf(endpoint.id, eventId, (found) => found.status === "succeeded")
    expect(delivered.attempts[0].status_code).toBe(503)
    expect(delivered.attempts.at(-1)).toMatchObject({ status_code: 200, error: null })
  })

  it("update --secret signs with the new secret; a disabled endpoint gets no delivery; redeliver --from/--to replays a range", async () => {
    const rotated = await run(local, [
      "webhooks",
      "add",
      "--url",
      `${receiver.url}/rotated`,
      "--secret",
      "first-secret",
      "--events",
      "invoice.paid"
    ])
    const witness = await run(local, [
      "webhooks",
      "add",
      "--url",
      `${receiver.url}/witness`,
      "--events",
      "invoice.paid"
    ])
    await ok(["webhooks", "update", rotated.id, "--secret", "second-secret"], local)
    const signed = await paidLink()
    const [hit] = await hitsFor("/rotated", signed.id)
    expect(hit!.headers["x-razorpay-signature"]).toBe(signature("second-secret", hit!.raw))

    await ok(["webhooks", "update", rotated.id, "--disable"], local)
    const unsent = await paidLink()
    const [seen] = await hitsFor("/witness", unsent.id)
    const eventId = seen!.headers["x-razorpay-event-id"] as string
    // The event was fanned out (the witness got it) without a delivery for the disabled endpoint.
    const log = await run(local, ["webhooks", "deliveries", "--event", eventId])
    expect(log.items.map((delivery: Json) => delivery.endpoint_id)).not.toContain(rotated.id)
    expect(log.items.map((delivery: Json) => delivery.endpoint_id)).toContain(witness.id)
    expect(receiver.hits.filter((hit) => hit.path === "/rotated").length).toBe(1)

    // Cancellations are opt-in; this test's is the only one, so the range holds exactly one event for it.
    const cancelled = await run(local, [
      "webhooks",
      "add",
      "--url",
      `${receiver.url}/cancelled`,
      "--events",
      "invoice.cancelled"
    ])
    const link = await run(remote, ["links", "create", "--amount", "1000"])
    await ok(["links", "cancel", link.id], remote)
    const [notice] = await hitsFor("/cancelled", link.id)
    await deliveryOf(
      cancelled.id,
      notice!.headers["x-razorpay-event-id"] as string,
      (found) => found.status === "succeeded"
    )
    const from = String(link.created_at - 1)
    const to = String(Math.floor(Date.now() / 1000) + 60)
    expect(await run(local, ["webhooks", "redeliver", "--from", from, "--to", to, "--endpoint", cancelled.id])).toEqual(
      { scheduled: 1 }
    )
    const [first, second] = await hitsFor("/cancelled", link.id, 2)
    expect(second!.raw).toBe(first!.raw)
    expect(JSON.parse(second!.raw).event).toBe("invoice.cancelled")
  })
})
