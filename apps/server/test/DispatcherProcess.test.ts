/**
 * The built server (`node apps/server/dist/main.js`) with its dispatcher, as an operator runs it: it
 * delivers a signed webhook to a receiver on loopback and logs as JSON lines; SIGTERM with a delivery
 * in flight still exits 0; `PAYLINKS_DISPATCHER=off` says who delivers instead; a bad webhook or
 * notifier setting exits 2 naming it. Needs `dist/` (turbo builds before testing).
 */
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Merchants } from "@paylinks/core/Merchants"
import * as Storage from "@paylinks/sql/Storage"
import { basic, call } from "@paylinks/testing/HttpCall"
import * as WebhookRegistry from "@paylinks/webhooks/WebhookRegistry"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import Razorpay from "razorpay"
import { tempDir } from "./helpers.js"
import { eventually, startReceiver } from "./receivers.js"
import { killSpawned, listeningUrl, spawnServer } from "./serverProcess.js"

const KEY_ID = "rzp_test_DispatcherProc1"
const KEY_SECRET = "dispatcher-process-secret"
const WEBHOOK_SECRET = "whsec-dispatcher-process"
const ANY_PORT = ["--port", "0"]

afterEach(killSpawned)

const run = <A>(effect: Effect.Effect<A>) => Effect.runPromise(effect)

/** Registers a test-mode endpoint for the seeded merchant, straight on the database the server uses. */
const registerEndpoint = (database: string, url: string) =>
  run(
    Effect.gen(function* () {
      const merchants = yield* Merchants
      const principal = yield* Effect.orDie(merchants.authenticate(KEY_ID, KEY_SECRET))
      const registry = yield* WebhookRegistry.WebhookRegistry
      return yield* Effect.orDie(registry.add(principal.tenant, { url, secret: WEBHOOK_SECRET }))
    }).pipe(
      Effect.provide(
        WebhookRegistry.layer({ allowPrivateAddresses: false, retryWindowSeconds: 86_400 }).pipe(
          Layer.provideMerge(Storage.layerFromUrl(database)),
          Layer.provide(IdGenerator.layerCrypto)
        )
      ),
      Effect.orDie
    )
  )

describe("the server process and its dispatcher", () => {
  it("delivers a signed webhook, logs as JSON lines, and exits 0 on SIGTERM with a delivery in flight", async () => {
    const dir = tempDir()
    const database = `sqlite:${Path.join(dir, "paylinks.db")}`
    const receiver = await startReceiver()
    try {
      const server = spawnServer(
        dir,
        {
          PAYLINKS_DATABASE: database,
          PAYLINKS_KEY_ID: KEY_ID,
          PAYLINKS_KEY_SECRET: KEY_SECRET,
          PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "50"
        },
        ANY_PORT
      )
      const url = await listeningUrl(server)
      expect(server.stdout()).toContain("notifications: email: sandbox inbox, sms: sandbox inbox")
      expect(server.stdout()).toMatch(/webhooks and notifications: delivered by this process \(dispatcher \S+\)/)
      await registerEndpoint(database, `${receiver.url}/hooks`)

      const auth = basic(KEY_ID, KEY_SECRET)
      const link = await call(url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 2500 } })
      expect(link.status).toBe(200)
      const paid = await call(url, "POST", `/v1/sandbox/invoices/${link.json.id}/payments`, { auth, body: {} })
      expect(paid.status).toBe(200)
      const hit = await run(
        eventually(
          "invoice.paid at the receiver",
          Effect.sync(() => receiver.hits.find((found) => found.json?.payload?.invoice?.entity?.id === link.json.id))
        )
      )
      expect(hit.json.event).toBe("invoice.paid")
      expect(
        Razorpay.validateWebhookSignature(hit.raw, String(hit.headers["x-razorpay-signature"]), WEBHOOK_SECRET)
      ).toBe(true)

      // The dispatcher's own lines are JSON, like the request log: no other format on stdout.
      const lines = server
        .stdout()
        .split("\n")
        .filter((line) => line.startsWith("{"))
      expect(lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({ level: "info", msg: "dispatcher", message: expect.stringContaining("polling") })
      )
      expect(server.stdout()).not.toMatch(/level=|fiber=#/)

      // A receiver that never answers: the attempt is in flight when SIGTERM comes.
      receiver.answer = "hang"
      const second = await call(url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 3500 } })
      await call(url, "POST", `/v1/sandbox/invoices/${second.json.id}/payments`, { auth, body: {} })
      await run(
        eventually(
          "the second webhook in flight",
          Effect.sync(() => receiver.hits.find((found) => found.json?.payload?.invoice?.entity?.id === second.json.id))
        )
      )
      server.child.kill("SIGTERM")
      expect(await server.exited).toEqual({ code: 0, signal: null })
      expect(server.stderr()).toBe("")
    } finally {
      await receiver.close()
    }
  })

  it("PAYLINKS_DISPATCHER=off says that another process delivers", async () => {
    const dir = tempDir()
    const server = spawnServer(dir, { PAYLINKS_DISPATCHER: "off" }, ANY_PORT)
    await listeningUrl(server)
    expect(server.stdout()).toContain(
      "webhooks and notifications: not delivered by this process (dispatcher off); run paylinks-dispatcher"
    )
    expect(server.stdout()).not.toContain('"msg":"dispatcher"')
    server.child.kill("SIGTERM")
    expect(await server.exited).toEqual({ code: 0, signal: null })
  })

  it("a bad dispatcher, webhook or notifier setting exits 2, naming it", async () => {
    const dir = tempDir()
    for (const [env, text] of [
      [{ PAYLINKS_DISPATCHER: "maybe" }, 'paylinks: PAYLINKS_DISPATCHER must be on or off, not "maybe"'],
      [{ PAYLINKS_WEBHOOK_TIMEOUT_MS: "soon" }, "paylinks: PAYLINKS_WEBHOOK_TIMEOUT_MS must be"],
      [{ PAYLINKS_SMTP_URL: "mail.example" }, "paylinks: PAYLINKS_SMTP_URL must"],
      [{ PAYLINKS_SMS_URL: "ftp://sms.example" }, "paylinks: PAYLINKS_SMS_URL must be an http(s) URL"]
    ] as const) {
      const server = spawnServer(dir, env, ANY_PORT)
      expect((await server.exited).code, text).toBe(2)
      expect(server.stderr(), text).toContain(text)
      expect(server.stdout(), text).toBe("")
    }
  })
})
