/**
 * The SSRF guard: which addresses webhooks may reach, at registration and at delivery.
 */
import { createRequire } from "node:module"
import { describe, expect, it } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import * as Tenant from "@paylinks/core/Tenant"
import { WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import { WebhookEndpoint, WebhookEndpoints } from "@paylinks/core/WebhookEndpoints"
import * as Effect from "effect/Effect"
import type * as IpAddrTypes from "ipaddr.js"
import * as AddressGuard from "../src/AddressGuard.js"
import { Dispatcher } from "../src/Dispatcher.js"
import { WebhookRegistry } from "../src/WebhookRegistry.js"
import { merchant, receiver, sqliteStorage, stack, startClock, T0 } from "./helpers.js"

const IpAddr: typeof IpAddrTypes = createRequire(import.meta.url)("ipaddr.js")

const live = AddressGuard.policyFor("live", false)
const test = AddressGuard.policyFor("test", false)
const operatorAllows = AddressGuard.policyFor("live", true)

describe("address classification", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["93.184.216.34", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.10", "private"],
    ["100.64.0.1", "private"],
    ["169.254.169.254", "metadata"],
    ["169.254.10.1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:8.8.8.8", "public"],
    ["::ffff:0:10.0.0.1", "private"],
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b::8.8.8.8", "public"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["fd00:ec2::254", "metadata"],
    ["ff02::1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["2606:4700:4700::1111", "public"],
    ["[::1]", "loopback"]
  ] as const)("%s is %s", (address, kind) => {
    expect(AddressGuard.classify(address)).toBe(kind)
  })

  it("names that are not addresses are not classified", () => {
    expect(AddressGuard.classify("example.com")).toBeUndefined()
    expect(AddressGuard.classify("1.2.3")).toBeUndefined()
  })

  it("live mode allows public addresses only; test mode adds loopback; the operator can allow everything", () => {
    for (const kind of [
      "loopback",
      "private",
      "link-local",
      "metadata",
      "unique-local",
      "unspecified",
      "reserved"
    ] as const)
      expect(AddressGuard.allows(live, kind)).toBe(false)
    expect(AddressGuard.allows(live, "public")).toBe(true)
    expect(AddressGuard.allows(test, "loopback")).toBe(true)
    expect(AddressGuard.allows(test, "private")).toBe(false)
    expect(AddressGuard.allows(test, "metadata")).toBe(false)
    for (const kind of ["loopback", "private", "link-local", "metadata", "unique-local"] as const)
      expect(AddressGuard.allows(operatorAllows, kind)).toBe(true)
  })

  it.effect("a name is judged by what it resolves to", () =>
    Effect.gen(function* () {
      const refused = yield* Effect.flip(AddressGuard.checkUrl(new URL("http://localhost:8080/"), live))
      expect(refused.kind).toBe("loopback")
      expect(refused.message).toMatch(
        /^localhost resolves to (127\.0\.0\.1|::1), a loopback address; webhooks to it are not allowed$/
      )
      yield* AddressGuard.checkUrl(new URL("http://localhost:8080/"), test)
    })
  )
})

/**
 * The IANA special-purpose address registries, transcribed here from iana-ipv4-special-registry and
 * iana-ipv6-special-registry on their own (address block | globally reachable; the registry's `N/A` is no), so a
 * block that falls out of the guard's tables, or changes its verdict, fails this file.
 */
const IPV4_REGISTRY = `
0.0.0.0/8|no 0.0.0.0/32|no 10.0.0.0/8|no 100.64.0.0/10|no 127.0.0.0/8|no 169.254.0.0/16|no 172.16.0.0/12|no
192.0.0.0/24|no 192.0.0.0/29|no 192.0.0.8/32|no 192.0.0.9/32|yes 192.0.0.10/32|yes 192.0.0.170/32|no
192.0.0.171/32|no 192.0.2.0/24|no 192.31.196.0/24|yes 192.52.193.0/24|yes 192.88.99.0/24|no 192.168.0.0/16|no
192.175.48.0/24|yes 198.18.0.0/15|no 198.51.100.0/24|no 203.0.113.0/24|no 240.0.0.0/4|no 255.255.255.255/32|no`
const IPV6_REGISTRY = `
::1/128|no ::/128|no ::ffff:0:0/96|no 64:ff9b::/96|yes 64:ff9b:1::/48|no 100::/64|no 100:0:0:1::/64|no
2001::/23|no 2001::/32|no 2001:1::1/128|yes 2001:1::2/128|yes 2001:1::3/128|yes 2001:2::/48|no 2001:3::/32|yes
2001:4:112::/48|yes 2001:10::/28|no 2001:20::/28|yes 2001:30::/28|yes 2001:db8::/32|no 2002::/16|no
2620:4f:8000::/48|yes 3fff::/20|no 5f00::/16|no fc00::/7|no fe80::/10|no`

const entries = (table: string) =>
  table
    .trim()
    .split(/\s+/)
    .map((entry) => {
      const [cidr = "", reachable] = entry.split("|")
      return { cidr, globallyReachable: reachable === "yes" }
    })

const toBig = (address: IpAddrTypes.IPv4 | IpAddrTypes.IPv6): bigint =>
  address.toByteArray().reduce((value, byte) => (value << 8n) | BigInt(byte), 0n)
const fromBig = (value: bigint, bytes: number): string => {
  const out: Array<number> = []
  for (let i = 0; i < bytes; i++) out.unshift(Number((value >> BigInt(8 * i)) & 0xffn))
  return IpAddr.fromByteArray(out).toString()
}

/** The first, a middle and the last address of a block. */
const samples = (cidr: string): ReadonlyArray<string> => {
  const [network, bits] = IpAddr.parseCIDR(cidr)
  const width = network.kind() === "ipv4" ? 32 : 128
  const hostBits = BigInt(width - bits)
  const first = (toBig(network) >> hostBits) << hostBits
  const last = first | ((1n << hostBits) - 1n)
  const middle = hostBits === 0n ? first : first | (1n << (hostBits - 1n)) | 0x2an
  return [...new Set([first, middle, last])].map((value) => fromBig(value, width / 8))
}

const inBlock = (address: string, cidr: string): boolean => {
  const ip = IpAddr.parse(address)
  const range = IpAddr.parseCIDR(cidr)
  return ip.kind() === range[0].kind() && ip.match(range)
}

describe("the IANA special-purpose address registries", () => {
  const registry = [...entries(IPV4_REGISTRY), ...entries(IPV6_REGISTRY)]
  /** The registry block that decides for an address: the most specific one it is in. */
  const decidingBlock = (address: string) =>
    registry
      .filter(({ cidr }) => inBlock(address, cidr))
      .sort((a, b) => IpAddr.parseCIDR(b.cidr)[1] - IpAddr.parseCIDR(a.cidr)[1])[0]

  it("the guard's tables are the registries, entry by entry", () => {
    expect(
      AddressGuard.IPV4_SPECIAL_REGISTRY.map(({ cidr, globallyReachable }) => ({ cidr, globallyReachable }))
    ).toEqual(entries(IPV4_REGISTRY))
    expect(
      AddressGuard.IPV6_SPECIAL_REGISTRY.map(({ cidr, globallyReachable }) => ({ cidr, globallyReachable }))
    ).toEqual(entries(IPV6_REGISTRY))
    for (const block of [...AddressGuard.IPV4_SPECIAL_REGISTRY, ...AddressGuard.IPV6_SPECIAL_REGISTRY])
      expect(block.name, block.cidr).not.toBe("")
  })

  it("every address of a block that is not globally reachable is refused in live mode; the others pass", () => {
    let checked = 0
    for (const { cidr } of registry)
      for (const address of samples(cidr)) {
        const deciding = decidingBlock(address)!
        // IPv4-mapped addresses (how a dual-stack socket writes IPv4) and the well-known NAT64 prefix reach the IPv4
        // address they carry, and are judged as that one: public passes, whatever the registry says of the block.
        const expected =
          deciding.cidr === "::ffff:0:0/96" || deciding.cidr === "64:ff9b::/96"
            ? AddressGuard.classify(IpAddr.fromByteArray(IpAddr.parse(address).toByteArray().slice(12)).toString()) ===
              "public"
            : deciding.globallyReachable
        expect([cidr, address, AddressGuard.check(live, "host", address) === undefined]).toEqual([
          cidr,
          address,
          expected
        ])
        expect(AddressGuard.blockOf(address)?.cidr, address).toBe(deciding.cidr)
        checked++
      }
    expect(checked).toBeGreaterThan(100)
  })

  it.each([
    // The two the guard let through: 6to4 and local-use NAT64, both carrying 10.0.0.1.
    ["2002:a00:1::1", "private"],
    ["64:ff9b:1::a00:1", "private"],
    // 6to4 of loopback and metadata; of a public address still refused (a deprecated relay mechanism).
    ["2002:7f00:1::1", "loopback"],
    ["2002:a9fe:a9fe::", "metadata"],
    ["2002:808:808::1", "reserved"],
    // Local-use NAT64 is a local network's translator, whatever it carries.
    ["64:ff9b:1::808:808", "private"],
    ["64:ff9b:1:ffff::7f00:1", "loopback"],
    // Well-known NAT64 reaches what it carries.
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["64:ff9b::c0a8:1", "private"],
    ["64:ff9b::808:808", "public"],
    // Teredo: the client's IPv4 address, inverted, in the last 32 bits (here 10.0.0.1 and 127.0.0.1).
    ["2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"],
    ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", "reserved"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"],
    // IPv4-compatible and -translated: deprecated forms, refused; named after what they carry.
    ["::10.0.0.1", "private"],
    ["::8.8.8.8", "reserved"],
    ["::ffff:0:8.8.8.8", "reserved"],
    // Outside the registries: multicast, site-local, and IPv6 outside global unicast.
    ["ff05::2", "reserved"],
    ["fec0::1", "reserved"],
    ["4000::1", "reserved"],
    ["1::", "reserved"],
    ["100.100.100.200", "metadata"],
    // Globally reachable special blocks and ordinary addresses pass.
    ["192.0.0.9", "public"],
    ["2001:4:112::1", "public"],
    ["2620:4f:8000::42", "public"],
    ["1.1.1.1", "public"],
    ["2a00:1450:4001:80b::200e", "public"],
    ["2001:4860:4860::8888", "public"]
  ] as const)("%s is %s", (address, kind) => {
    expect(AddressGuard.classify(address)).toBe(kind)
    expect(AddressGuard.check(live, "host", address) === undefined).toBe(kind === "public")
  })

  it.effect("a webhook to either of the issue's addresses is refused, by URL", () =>
    Effect.gen(function* () {
      for (const url of ["http://[2002:a00:1::1]/", "http://[64:ff9b:1::a00:1]/"]) {
        const refused = yield* Effect.flip(AddressGuard.checkUrl(new URL(url), live))
        expect(refused.message).toMatch(/is a private address; webhooks to it are not allowed$/)
      }
    })
  )
})

const TEST_TENANT_KEY = "rzp_test_guard000001"
const LIVE_KEY = "rzp_live_guard000001"

describe("registration", () => {
  it.scoped("live endpoints may not point at loopback, private, link-local, metadata or unique-local addresses", () =>
    Effect.gen(function* () {
      yield* startClock
      const merchants = yield* Merchants
      const { merchant: acme } = yield* merchants.seedKey(TEST_TENANT_KEY, "secret", "Acme")
      const tenantLive = Tenant.make(acme.id, "live")
      const tenantTest = Tenant.make(acme.id, "test")
      const registry = yield* WebhookRegistry
      for (const url of [
        "http://127.0.0.1:9000/hook",
        "http://localhost:9000/hook",
        "http://10.0.0.5/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9000/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/"
      ]) {
        const refused = yield* Effect.flip(registry.add(tenantLive, { url }))
        expect(refused.first.field).toBe("url")
        expect(refused.message).toMatch(/^The url is not allowed: .* address; webhooks to it are not allowed\.$/)
      }
      // Test mode: a sandbox receiver on the developer's own machine is fine, the rest of the LAN is not.
      yield* registry.add(tenantTest, { url: "http://127.0.0.1:9000/hook" })
      yield* registry.add(tenantTest, { url: "http://localhost:9000/hook" })
      expect((yield* Effect.flip(registry.add(tenantTest, { url: "http://10.0.0.5/hook" }))).message).toBe(
        "The url is not allowed: 10.0.0.5 is a private address; webhooks to it are not allowed."
      )
      expect((yield* Effect.flip(registry.add(tenantTest, { url: "http://169.254.169.254/" }))).message).toBe(
        "The url is not allowed: 169.254.169.254 is a metadata address; webhooks to it are not allowed."
      )
      // Public addresses are fine in live mode.
      yield* registry.add(tenantLive, { url: "https://93.184.216.34/hook" })
      // Updating a URL is checked the same way.
      const endpoint = yield* registry.add(tenantLive, { url: "https://93.184.216.34/other" })
      const refusedUpdate = yield* Effect.flip(registry.update(tenantLive, endpoint.id, { url: "http://10.1.1.1/" }))
      expect(refusedUpdate._tag === "ValidationFailed" && refusedUpdate.first.field).toBe("url")
    }).pipe(Effect.provide(stack(sqliteStorage())))
  )

  it.scoped("the operator can allow private addresses", () =>
    Effect.gen(function* () {
      yield* startClock
      const principal = yield* merchant("Acme", LIVE_KEY)
      expect(principal.tenant.mode).toBe("live")
      const endpoint = yield* (yield* WebhookRegistry).add(principal.tenant, { url: "http://10.0.0.5/hook" })
      expect(endpoint.url).toBe("http://10.0.0.5/hook")
    }).pipe(Effect.provide(stack(sqliteStorage(), { settings: { allowPrivateAddresses: true } })))
  )
})

describe("delivery", () => {
  it.scoped(
    "an endpoint that points at a refused address (registered past the check) gets no request: the attempt fails",
    () =>
      Effect.gen(function* () {
        yield* startClock
        const hooks = yield* receiver()
        const principal = yield* merchant("Acme", LIVE_KEY)
        const endpoints = yield* WebhookEndpoints
        const port = new URL(hooks.url).port
        // Both bypass registration (a stored row from before, or DNS that changed since): one by IP, one by name.
        for (const [id, url] of [
          ["wh_byaddress00001", `http://127.0.0.1:${port}/hooks`],
          ["wh_byname00000001", `http://localhost:${port}/hooks`]
        ] as const)
          yield* endpoints.create(
            new WebhookEndpoint({
              id,
              merchantId: principal.tenant.merchantId,
              mode: "live",
              url,
              secret: "s",
              events: ["invoice.paid"],
              enabled: true,
              disabledAt: null,
              disabledReason: null,
              createdAt: T0,
              updatedAt: T0
            })
          )
        const links = yield* PaymentLinks
        const link = yield* links.create(principal, { type: "link", amount: 1000 })
        yield* links.pay(principal.tenant, link.id, {})
        expect(yield* (yield* Dispatcher).runOnce).toMatchObject({ attempted: 2, delivered: 0 })
        expect(hooks.received).toHaveLength(0)
        const deliveries = yield* WebhookDeliveries
        const byAddress = yield* deliveries.list(principal.tenant, { endpointId: "wh_byaddress00001" })
        expect(byAddress[0]!.lastError).toBe("127.0.0.1 is a loopback address; webhooks to it are not allowed")
        const byName = yield* deliveries.list(principal.tenant, { endpointId: "wh_byname00000001" })
        expect(byName[0]!.lastError).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/)
        const attempts = yield* deliveries.attempts(principal.tenant, byName[0]!.id)
        expect(attempts[0]).toMatchObject({ statusCode: null })
      }).pipe(Effect.provide(stack(sqliteStorage())))
  )

  it.scoped("the same endpoint in test mode is delivered to", () =>
    Effect.gen(function* () {
      yield* startClock
      const hooks = yield* receiver()
      const principal = yield* merchant()
      yield* (yield* WebhookRegistry).add(principal.tenant, {
        url: hooks.url.replace("127.0.0.1", "localhost"),
        secret: "s"
      })
      const links = yield* PaymentLinks
      const link = yield* links.create(principal, { type: "link", amount: 1000 })
      yield* links.pay(principal.tenant, link.id, {})
      expect(yield* (yield* Dispatcher).runOnce).toMatchObject({ attempted: 1, delivered: 1 })
      expect(hooks.received).toHaveLength(1)
    }).pipe(Effect.provide(stack(sqliteStorage())))
  )
})
