/**
 * The webhook SSRF guard through the webhooks package's public API: in live mode every loopback,
 * private, shared, link-local, cloud-metadata, unique-local and unspecified address is refused —
 * also spelled as IPv4-mapped, IPv4-compatible, NAT64 and hex IPv6, and as the short, hex and
 * decimal IPv4 forms a URL parser normalises — when the endpoint is registered and again when a
 * delivery is sent (a name that resolves to loopback included), and nothing reaches a receiver on
 * this machine. Test mode allows loopback only (a developer's own receiver); public addresses pass.
 */
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { MerchantId, PaymentLinkId } from "@paylinks/core/Ids"
import * as InMemoryWebhooks from "@paylinks/core/InMemoryWebhooks"
import * as Tenant from "@paylinks/core/Tenant"
import { WebhookEndpoint } from "@paylinks/core/WebhookEndpoints"
import * as AddressGuard from "@paylinks/webhooks/AddressGuard"
import * as HttpSender from "@paylinks/webhooks/HttpSender"
import * as WebhookRegistry from "@paylinks/webhooks/WebhookRegistry"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { type Receiver, webhookReceiver } from "./support.js"

const live = AddressGuard.policyFor("live", false)
const test = AddressGuard.policyFor("test", false)

/** Addresses a live webhook must never reach, with the kind the guard must name. */
const FORBIDDEN: ReadonlyArray<readonly [string, AddressGuard.AddressKind]> = [
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["::1", "loopback"],
  ["0.0.0.0", "unspecified"],
  ["::", "unspecified"],
  ["10.0.0.1", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.168.1.1", "private"],
  ["100.64.0.1", "private"],
  ["169.254.0.1", "link-local"],
  ["169.254.169.254", "metadata"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["fc00::1", "unique-local"],
  ["fd12:3456::1", "unique-local"],
  ["fd00:ec2::254", "metadata"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.1.2.3", "private"],
  ["::ffff:169.254.169.254", "metadata"],
  ["::ffff:0:192.168.0.1", "private"],
  ["::127.0.0.1", "loopback"],
  ["64:ff9b::7f00:1", "loopback"],
  ["64:ff9b::a00:1", "private"],
  ["[::ffff:127.0.0.1]", "loopback"]
]

/** URL spellings the WHATWG parser turns into a forbidden IPv4 address. */
const FORBIDDEN_URLS: ReadonlyArray<string> = [
  "http://127.1/hook",
  "http://0x7f000001/hook",
  "http://2130706433/hook",
  "http://0177.0.0.1/hook",
  "http://[::ffff:127.0.0.1]:8080/hook",
  "http://[::ffff:a9fe:a9fe]/latest/meta-data",
  "http://169.254.169.254/latest/meta-data",
  "http://localhost/hook"
]

describe("the webhook SSRF guard (live mode)", () => {
  it("classifies every forbidden address and refuses it in live mode", () => {
    for (const [address, kind] of FORBIDDEN) {
      expect([address, AddressGuard.classify(address)]).toEqual([address, kind])
      expect(AddressGuard.check(live, "host", address), address).toBeDefined()
    }
    // Test mode lets a developer's own receiver on loopback through, and nothing else private.
    for (const [address, kind] of FORBIDDEN)
      expect([address, AddressGuard.check(test, "host", address) === undefined]).toEqual([address, kind === "loopback"])
    for (const address of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) {
      expect(AddressGuard.check(live, "host", address), address).toBeUndefined()
      expect(AddressGuard.check(test, "host", address), address).toBeUndefined()
    }
  })

  const registry = WebhookRegistry.make({ allowPrivateAddresses: false, retryWindowSeconds: 86_400 }).pipe(
    Effect.provide(Layer.mergeAll(InMemoryWebhooks.layer, IdGenerator.layerCrypto))
  )
  const tenant = (mode: Tenant.Mode) => Tenant.make(MerchantId.make("acc_SsrfMerchant00"), mode)

  it.effect("refuses to register a live endpoint at any of them", () =>
    Effect.gen(function* () {
      const webhooks = yield* registry
      const urls = [
        ...FORBIDDEN.map(
          ([address]) =>
            `http://${address.includes(":") && !address.startsWith("[") ? `[${address.replace(/%.*$/, "")}]` : address}/hook`
        ),
        ...FORBIDDEN_URLS
      ]
      for (const url of urls) {
        const added = yield* Effect.either(webhooks.add(tenant("live"), { url, events: ["invoice.paid"] }))
        expect([url, Either.isLeft(added)]).toEqual([url, true])
        if (Either.isLeft(added)) expect(added.left.first.description).toMatch(/^The url is not allowed: /)
      }
      // The same loopback URL is fine in test mode.
      const local = yield* Effect.either(webhooks.add(tenant("test"), { url: "http://127.0.0.1:9/hook" }))
      expect(Either.isRight(local)).toBe(true)
    })
  )

  describe("at delivery", () => {
    let receiver: Receiver
    beforeAll(async () => {
      receiver = await webhookReceiver()
    })
    afterAll(() => receiver.close())

    const delivery = (url: string, mode: Tenant.Mode) => ({
      id: 1,
      endpointId: "wh_SsrfEndpoint00001",
      eventId: "evt_SsrfEvent0000001",
      event: "invoice.paid" as const,
      linkId: PaymentLinkId.make("inv_SsrfLink000000"),
      sequence: 1,
      status: "pending" as const,
      attempts: 0,
      nextAttemptAt: 0,
      giveUpAt: 0,
      createdAt: 0,
      deliveredAt: null,
      lastError: null,
      body: "{}",
      endpoint: WebhookEndpoint.make({
        id: "wh_SsrfEndpoint00001",
        merchantId: MerchantId.make("acc_SsrfMerchant00"),
        mode,
        url,
        secret: "whsec",
        events: ["invoice.paid"],
        enabled: true,
        disabledAt: null,
        disabledReason: null,
        createdAt: 0,
        updatedAt: 0
      })
    })

    it.scoped("sends nothing to this machine from live mode, by address or by name", () =>
      Effect.gen(function* () {
        const sender = yield* HttpSender.make({ timeoutMs: 5_000, allowPrivateAddresses: false })
        const port = new URL(receiver.url).port
        const targets = [
          `http://127.0.0.1:${port}/live`,
          `http://localhost:${port}/live`,
          `http://[::ffff:127.0.0.1]:${port}/live`,
          `http://127.1:${port}/live`,
          `http://2130706433:${port}/live`
        ]
        for (const url of targets) {
          const result = yield* sender.send(delivery(url, "live"))
          expect([url, result.statusCode]).toEqual([url, null])
          expect(result.error, url).toMatch(/not allowed/)
        }
        expect(receiver.received).toEqual([])
        // The same receiver in test mode does get it: the refusals above were the guard's, not the network's.
        const allowed = yield* sender.send(delivery(`http://127.0.0.1:${port}/test`, "test"))
        expect(allowed.statusCode).toBe(200)
        expect(receiver.received.map((hit) => hit.path)).toEqual(["/test"])
      })
    )
  })
})
