/**
 * The webhook SSRF guard through the webhooks package's public API: in live mode every loopback,
 * private, shared, link-local, cloud-metadata, unique-local and unspecified address is refused —
 * also spelled as IPv4-mapped, IPv4-compatible, NAT64 and hex IPv6, and as the short, hex and
 * decimal IPv4 forms a URL parser normalises — when the endpoint is registered and again when a
 * delivery is sent (a name that resolves to loopback included), and nothing reaches a receiver on
 * this machine. Test mode allows loopback only (a developer's own receiver); public addresses pass.
 * A fuzz draws addresses from the special-purpose registry blocks and writes IPv4 in every IPv6 form
 * that carries one (mapped, NAT64 well-known and local-use, 6to4, Teredo, compatible).
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
import * as fc from "effect/FastCheck"
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
  ["2002:a00:1::1", "private"],
  ["64:ff9b:1::a00:1", "private"],
  ["2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"],
  ["[::ffff:127.0.0.1]", "loopback"]
]

const v4Value = (cidr: string): bigint =>
  (cidr.split("/")[0] ?? "").split(".").reduce((value, octet) => (value << 8n) | BigInt(octet), 0n)
const v4Text = (value: bigint): string => [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".")
/** The 128 bits of an IPv6 address, from the hex groups the URL parser writes. */
const v6Value = (cidr: string): bigint => {
  const canonical = new URL(`http://[${cidr.split("/")[0]}]/`).hostname.slice(1, -1)
  const [head = "", tail] = canonical.split("::")
  const groups = (part: string) => (part === "" ? [] : part.split(":"))
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const all = [...left, ...Array.from({ length: 8 - left.length - right.length }, () => "0"), ...right]
  return all.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n)
}
const v6Text = (value: bigint): string =>
  Array.from({ length: 8 }, (_, i) => ((value >> BigInt(16 * (7 - i))) & 0xffffn).toString(16)).join(":")
/** A random address of the block `cidr`, whose network is `network`. */
const within = (network: bigint, width: number, cidr: string, random: bigint): bigint => {
  const hostBits = BigInt(width - Number(cidr.split("/")[1]))
  return ((network >> hostBits) << hostBits) | (random & ((1n << hostBits) - 1n))
}
const hex = (v4: string): [string, string] => {
  const value = v4Value(v4)
  return [((value >> 16n) & 0xffffn).toString(16), (value & 0xffffn).toString(16)]
}
/** The IPv4 address `v4` written in one of the IPv6 forms that carry one. */
const embed = (v4: string, form: string): string => {
  const [high, low] = hex(v4)
  switch (form) {
    case "mapped":
      return `::ffff:${v4}`
    case "mapped-hex":
      return `::ffff:${high}:${low}`
    case "nat64":
      return `64:ff9b::${v4}`
    case "nat64-local":
      return `64:ff9b:1::${high}:${low}`
    case "6to4":
      return `2002:${high}:${low}::1`
    case "teredo": {
      const inverted = v4Value(v4) ^ 0xffffffffn
      return `2001:0:4136:e378:8000:63bf:${((inverted >> 16n) & 0xffffn).toString(16)}:${(inverted & 0xffffn).toString(16)}`
    }
    case "compatible":
      return `::${high}:${low}`
    default:
      return v4
  }
}

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

  it("a fuzz over the special-purpose registries: every non-public address, in every IPv6 form that embeds it, is refused", () => {
    const v4Blocks = [...AddressGuard.IPV4_SPECIAL_REGISTRY, ...AddressGuard.IPV4_POLICY].filter(
      (block) => !block.globallyReachable
    )
    const v6Blocks = [...AddressGuard.IPV6_SPECIAL_REGISTRY, ...AddressGuard.IPV6_POLICY].filter(
      (block) => !block.globallyReachable && block.embeds === undefined
    )
    const inV4Block = fc
      .tuple(fc.constantFrom(...v4Blocks), fc.integer({ min: 0, max: 0xffffffff }))
      .map(([block, random]) => v4Text(within(v4Value(block.cidr), 32, block.cidr, BigInt(random))))
    const inV6Block = fc
      .tuple(fc.constantFrom(...v6Blocks), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }))
      .map(([block, random]) => v6Text(within(v6Value(block.cidr), 128, block.cidr, random)))
    // A public IPv4 address: the guard may let it through plain, mapped or through well-known NAT64 only.
    const publicV4 = fc
      .integer({ min: 0, max: 0xffffffff })
      .map((value) => v4Text(BigInt(value)))
      .filter((address) => AddressGuard.blockOf(address) === undefined)
    const forms = ["plain", "mapped", "mapped-hex", "nat64", "nat64-local", "6to4", "teredo", "compatible"] as const
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ v4: inV4Block, form: fc.constantFrom(...forms) }),
          fc.record({ v4: publicV4, form: fc.constantFrom(...forms) }),
          fc.record({ v6: inV6Block })
        ),
        (drawn) => {
          const address = "v6" in drawn ? drawn.v6 : embed(drawn.v4, drawn.form)
          // A draw from a large block may land in a smaller one inside it that decides (192.0.0.9 in 192.0.0.0/24).
          const deciding = AddressGuard.blockOf("v6" in drawn ? drawn.v6 : drawn.v4)
          const reachable = deciding === undefined || (deciding.globallyReachable && deciding.embeds === undefined)
          const allowed =
            "v6" in drawn ? reachable : reachable && ["plain", "mapped", "mapped-hex", "nat64"].includes(drawn.form)
          expect([address, AddressGuard.check(live, "host", address) === undefined]).toEqual([address, allowed])
          // Reached as a URL literal too (the WHATWG parser rewrites the IPv6 forms).
          const host = address.includes(":") ? `[${address}]` : address
          expect(AddressGuard.classify(AddressGuard.hostOf(new URL(`http://${host}/`)))).toBe(
            AddressGuard.classify(address)
          )
        }
      ),
      { numRuns: 2_000 }
    )
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
