/**
 * The SSRF guard: which addresses webhooks may reach, at registration and at delivery.
 */
import { describe, expect, it } from "@effect/vitest"
import { Merchants } from "@paylinks/core/Merchants"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import * as Tenant from "@paylinks/core/Tenant"
import { WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import { WebhookEndpoint, WebhookEndpoints } from "@paylinks/core/WebhookEndpoints"
import * as Effect from "effect/Effect"
import * as AddressGuard from "../src/AddressGuard.js"
import { Dispatcher } from "../src/Dispatcher.js"
import { WebhookRegistry } from "../src/WebhookRegistry.js"
import { merchant, receiver, sqliteStorage, stack, startClock, T0 } from "./helpers.js"

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
