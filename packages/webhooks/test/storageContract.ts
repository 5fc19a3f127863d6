/**
 * The contract of the WebhookEndpoints, WebhookDeliveries and Inbox ports, run unchanged against
 * every adapter (in-memory, SQLite, PostgreSQL) so the fakes stay honest.
 */
import { describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { MerchantId, PaymentLinkId } from "@paylinks/core/Ids"
import { Inbox } from "@paylinks/core/Inbox"
import * as Tenant from "@paylinks/core/Tenant"
import { type ClaimRequest, WebhookDeliveries, type WebhookEvent } from "@paylinks/core/WebhookDeliveries"
import {
  EndpointNotFound,
  WebhookEndpoint,
  WebhookEndpoints,
  type WebhookEventName
} from "@paylinks/core/WebhookEndpoints"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { StorageLayer } from "./helpers.js"

const T = 1_717_200_000
const A = Tenant.make(MerchantId.make("acc_AAAAAAAAAAAAAA"), "test")
const A_LIVE = Tenant.make(MerchantId.make("acc_AAAAAAAAAAAAAA"), "live")
const B = Tenant.make(MerchantId.make("acc_BBBBBBBBBBBBBB"), "test")

const endpoint = (
  id: string,
  tenant: Tenant.Tenant,
  overrides: Partial<ConstructorParameters<typeof WebhookEndpoint>[0]> = {}
) =>
  new WebhookEndpoint({
    id,
    merchantId: tenant.merchantId,
    mode: tenant.mode,
    url: `https://hooks.example/${id}`,
    secret: `secret-of-${id}`,
    events: ["invoice.paid", "invoice.partially_paid"],
    enabled: true,
    disabledAt: null,
    disabledReason: null,
    createdAt: T,
    updatedAt: T,
    ...overrides
  })

let sequence = 0
const event = (
  tenant: Tenant.Tenant,
  link: string,
  overrides: { readonly event?: WebhookEventName; readonly createdAt?: number } = {}
): WebhookEvent => {
  sequence++
  return {
    eventId: `evt_${String(sequence).padStart(14, "0")}`,
    tenant,
    linkId: PaymentLinkId.make(`inv_${link.padStart(14, "0")}`),
    sequence,
    event: overrides.event ?? "invoice.paid",
    body: `{"n":${sequence}}`,
    createdAt: overrides.createdAt ?? T
  }
}

const claimRequest = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  workerId: "w1",
  now: T,
  limit: 100,
  leaseSeconds: 60,
  perEndpoint: 100,
  excludeEndpoints: [],
  ...overrides
})

/** The outcome of one delivery attempt, as the dispatcher reports it to `settle`. */
const attempt = (deliveryId: number, statusCode: number | null, error: string | null, attemptedAt = T) => ({
  deliveryId,
  attemptedAt,
  statusCode,
  latencyMs: 12,
  error
})

interface Ports {
  readonly endpoints: Context.Tag.Service<typeof WebhookEndpoints>
  readonly deliveries: Context.Tag.Service<typeof WebhookDeliveries>
}

export const storageContract = (name: string, makeStorage: () => StorageLayer) => {
  const run = <A, E>(effect: Effect.Effect<A, E, WebhookEndpoints | WebhookDeliveries | Inbox>) =>
    Effect.suspend(() => Effect.provide(effect, makeStorage().pipe(Layer.provide(IdGenerator.layerCrypto))))

  /** One case of the contract: `body` gets both webhook ports on fresh storage holding the `created` endpoints of A. */
  const contract = (
    title: string,
    created: ReadonlyArray<string>,
    body: (ports: Ports) => Effect.Effect<void, unknown, WebhookEndpoints | WebhookDeliveries | Inbox>
  ) =>
    it.scoped(title, () =>
      run(
        Effect.gen(function* () {
          const endpoints = yield* WebhookEndpoints
          const deliveries = yield* WebhookDeliveries
          for (const id of created) yield* endpoints.create(endpoint(id, A))
          yield* body({ endpoints, deliveries })
        })
      )
    )

  describe(`webhook storage contract: ${name}`, () => {
    contract(
      "endpoints are stored per tenant and mode, secrets included, and found only there",
      ["wh_00000000000001"],
      ({ endpoints }) =>
        Effect.gen(function* () {
          yield* endpoints.create(endpoint("wh_00000000000002", A, { createdAt: T + 1, events: ["invoice.expired"] }))
          yield* endpoints.create(endpoint("wh_00000000000003", A_LIVE))
          yield* endpoints.create(endpoint("wh_00000000000004", B))
          expect((yield* endpoints.list(A)).map((found) => found.id)).toEqual([
            "wh_00000000000001",
            "wh_00000000000002"
          ])
          const found = yield* endpoints.find(A, "wh_00000000000001")
          expect(Option.getOrThrow(found)).toEqual(endpoint("wh_00000000000001", A))
          expect(yield* endpoints.find(A_LIVE, "wh_00000000000001")).toEqual(Option.none())
          expect(yield* endpoints.find(B, "wh_00000000000001")).toEqual(Option.none())
          expect((yield* endpoints.subscribed(A, "invoice.paid")).map((found) => found.id)).toEqual([
            "wh_00000000000001"
          ])
          expect((yield* endpoints.subscribed(A, "invoice.expired")).map((found) => found.id)).toEqual([
            "wh_00000000000002"
          ])
          expect(yield* endpoints.subscribed(A, "invoice.cancelled")).toEqual([])
        })
    )

    contract(
      "update replaces an endpoint within its tenant; remove deletes it with its deliveries",
      ["wh_00000000000001"],
      ({ endpoints, deliveries }) =>
        Effect.gen(function* () {
          const changed = endpoint("wh_00000000000001", A, {
            url: "https://elsewhere.example/",
            secret: "rotated",
            enabled: false,
            disabledAt: T + 5,
            disabledReason: "Disabled by the merchant",
            updatedAt: T + 5
          })
          yield* endpoints.update(changed)
          expect(Option.getOrThrow(yield* endpoints.find(A, changed.id))).toEqual(changed)
          expect(yield* endpoints.subscribed(A, "invoice.paid")).toEqual([])
          const elsewhere = yield* Effect.flip(endpoints.update(endpoint("wh_00000000000001", B)))
          expect(elsewhere).toEqual(new EndpointNotFound({ id: "wh_00000000000001" }))
          const recorded = event(A, "1")
          yield* deliveries.record(recorded, [changed.id], T + 3600)
          expect(yield* Effect.flip(endpoints.remove(B, changed.id))).toEqual(new EndpointNotFound({ id: changed.id }))
          yield* endpoints.remove(A, changed.id)
          expect(yield* endpoints.list(A)).toEqual([])
          expect(yield* deliveries.list(A, {})).toEqual([])
        })
    )

    contract(
      "recording an event is idempotent, and says which events were recorded",
      ["wh_00000000000001", "wh_00000000000002"],
      ({ deliveries }) =>
        Effect.gen(function* () {
          const recorded = event(A, "1")
          yield* deliveries.record(recorded, ["wh_00000000000001", "wh_00000000000002"], T + 100)
          yield* deliveries.record(recorded, ["wh_00000000000001", "wh_00000000000002"], T + 100)
          const listed = yield* deliveries.list(A, {})
          expect(listed).toHaveLength(2)
          expect(listed.every((delivery) => delivery.status === "pending" && delivery.attempts === 0)).toBe(true)
          expect(listed[0]).toMatchObject({
            eventId: recorded.eventId,
            event: "invoice.paid",
            linkId: recorded.linkId,
            sequence: recorded.sequence,
            nextAttemptAt: T,
            giveUpAt: T + 100,
            createdAt: T,
            deliveredAt: null,
            lastError: null
          })
          expect(yield* deliveries.recorded([recorded.eventId, "evt_00000000notyet"])).toEqual([recorded.eventId])
          expect(yield* deliveries.recorded([])).toEqual([])
          expect(yield* deliveries.events(A, { eventId: recorded.eventId })).toEqual([recorded])
          expect(yield* deliveries.events(B, { eventId: recorded.eventId })).toEqual([])
        })
    )

    contract(
      "claims take due deliveries of enabled endpoints, lease them, and keep per-link order",
      ["wh_00000000000001"],
      ({ endpoints, deliveries }) =>
        Effect.gen(function* () {
          yield* endpoints.create(endpoint("wh_00000000000002", A, { enabled: false }))
          const first = event(A, "1")
          const second = event(A, "1")
          const other = event(A, "2")
          const future = event(A, "3", { createdAt: T + 30 })
          for (const recorded of [first, second, other, future])
            yield* deliveries.record(recorded, ["wh_00000000000001", "wh_00000000000002"], T + 3600)
          const claimed = yield* deliveries.claim(claimRequest())
          // The disabled endpoint's deliveries wait; the second event of link 1 waits for the first; the future one is not due.
          expect(claimed.map((delivery) => delivery.eventId)).toEqual([first.eventId, other.eventId])
          expect(claimed[0]!.endpoint).toEqual(endpoint("wh_00000000000001", A))
          expect(claimed[0]!.body).toBe(first.body)
          // Leased: nobody else gets them until the lease ends.
          expect(yield* deliveries.claim(claimRequest({ workerId: "w2" }))).toEqual([])
          const again = yield* deliveries.claim(claimRequest({ workerId: "w2", now: T + 60 }))
          expect(again.map((delivery) => delivery.eventId)).toEqual([first.eventId, other.eventId, future.eventId])
        })
    )

    contract(
      "claims honour the limit, the per-endpoint cap and the excluded endpoints",
      ["wh_00000000000001", "wh_00000000000002"],
      ({ deliveries }) =>
        Effect.gen(function* () {
          for (let i = 0; i < 5; i++)
            yield* deliveries.record(event(A, `${10 + i}`), ["wh_00000000000001", "wh_00000000000002"], T + 3600)
          const capped = yield* deliveries.claim(claimRequest({ perEndpoint: 2 }))
          expect(capped.filter((delivery) => delivery.endpointId === "wh_00000000000001")).toHaveLength(2)
          expect(capped.filter((delivery) => delivery.endpointId === "wh_00000000000002")).toHaveLength(2)
          const excluded = yield* deliveries.claim(
            claimRequest({ workerId: "w2", excludeEndpoints: ["wh_00000000000001"] })
          )
          expect(excluded.map((delivery) => delivery.endpointId)).toEqual([
            "wh_00000000000002",
            "wh_00000000000002",
            "wh_00000000000002"
          ])
          const limited = yield* deliveries.claim(claimRequest({ workerId: "w3", limit: 1 }))
          expect(limited).toHaveLength(1)
          expect(limited[0]!.endpointId).toBe("wh_00000000000001")
        })
    )

    contract(
      "settle: delivered, retried, or given up (which disables the endpoint and fails its other deliveries)",
      ["wh_00000000000001"],
      ({ endpoints, deliveries }) =>
        Effect.gen(function* () {
          const [one, two, three] = [event(A, "1"), event(A, "2"), event(A, "3")]
          for (const recorded of [one!, two!, three!])
            yield* deliveries.record(recorded, ["wh_00000000000001"], T + 3600)
          const claimed = yield* deliveries.claim(claimRequest({ limit: 2 }))
          const [d1, d2] = claimed
          yield* deliveries.settle("w1", attempt(d1!.id, 200, null), { _tag: "Delivered", at: T + 1 })
          yield* deliveries.settle("w1", attempt(d2!.id, 500, "HTTP 500"), {
            _tag: "Retry",
            at: T + 20,
            error: "HTTP 500"
          })
          const byEvent = (eventId: string) => Effect.map(deliveries.list(A, { eventId }), (found) => found[0]!)
          expect(yield* byEvent(one!.eventId)).toMatchObject({ status: "succeeded", attempts: 1, deliveredAt: T + 1 })
          expect(yield* byEvent(two!.eventId)).toMatchObject({
            status: "pending",
            attempts: 1,
            nextAttemptAt: T + 20,
            lastError: "HTTP 500"
          })
          expect(yield* deliveries.attempts(A, d2!.id)).toEqual([attempt(d2!.id, 500, "HTTP 500")])
          expect(yield* deliveries.attempts(B, d2!.id)).toEqual([])
          expect((yield* deliveries.list(A, { status: "succeeded" })).map((d) => d.eventId)).toEqual([one!.eventId])

          // A settle without the lease logs the attempt but leaves the delivery to whoever holds it now.
          const [d3] = yield* deliveries.claim(claimRequest({ workerId: "w2", now: T + 20 }))
          yield* deliveries.settle("w1", attempt(d3!.id, 200, null), { _tag: "Delivered", at: T + 21 })
          expect(yield* byEvent(d3!.eventId)).toMatchObject({ status: "pending" })
          expect(yield* deliveries.attempts(A, d3!.id)).toHaveLength(d3!.eventId === two!.eventId ? 2 : 1)

          // Give up: the delivery fails, the endpoint is disabled with the reason, its other pending deliveries fail.
          yield* deliveries.settle("w2", attempt(d3!.id, 503, "HTTP 503"), {
            _tag: "GiveUp",
            at: T + 3600,
            reason: "gave up"
          })
          const disabled = Option.getOrThrow(yield* endpoints.find(A, "wh_00000000000001"))
          expect(disabled).toMatchObject({ enabled: false, disabledAt: T + 3600, disabledReason: "gave up" })
          const all = yield* deliveries.list(A, {})
          expect(all.filter((d) => d.status === "pending")).toEqual([])
          expect((yield* byEvent(d3!.eventId)).lastError).toBe("gave up")
          const others = all.filter((d) => d.status === "failed" && d.eventId !== d3!.eventId)
          expect(others.every((d) => d.lastError === "Endpoint disabled: gave up")).toBe(true)
        })
    )

    contract(
      "an endpoint removed meanwhile gets no delivery, and an attempt settled after its removal logs nothing",
      ["wh_00000000000001"],
      ({ endpoints, deliveries }) =>
        Effect.gen(function* () {
          yield* deliveries.record(event(A, "1"), ["wh_00000000000001", "wh_00000000000404"], T + 3600)
          expect((yield* deliveries.list(A, {})).map((d) => d.endpointId)).toEqual(["wh_00000000000001"])
          const [claimed] = yield* deliveries.claim(claimRequest())
          yield* endpoints.remove(A, "wh_00000000000001")
          yield* deliveries.settle("w1", attempt(claimed!.id, 200, null), { _tag: "Delivered", at: T })
          expect(yield* deliveries.list(A, {})).toEqual([])
          expect(yield* deliveries.attempts(A, claimed!.id)).toEqual([])
        })
    )

    contract("release gives a claimed delivery back untried", ["wh_00000000000001"], ({ deliveries }) =>
      Effect.gen(function* () {
        yield* deliveries.record(event(A, "1"), ["wh_00000000000001"], T + 3600)
        const [claimed] = yield* deliveries.claim(claimRequest())
        yield* deliveries.release("someone-else", claimed!.id)
        expect(yield* deliveries.claim(claimRequest({ workerId: "w2" }))).toEqual([])
        yield* deliveries.release("w1", claimed!.id)
        expect((yield* deliveries.claim(claimRequest({ workerId: "w2" }))).map((d) => d.id)).toEqual([claimed!.id])
      })
    )

    contract(
      "redeliver makes pairs pending again with a new window, creates missing ones, and stays in its tenant",
      ["wh_00000000000001", "wh_00000000000002"],
      ({ endpoints, deliveries }) =>
        Effect.gen(function* () {
          yield* endpoints.create(endpoint("wh_00000000000009", B))
          const recorded = event(A, "1", { createdAt: T + 10 })
          const early = event(A, "2", { createdAt: T - 500 })
          yield* deliveries.record(recorded, ["wh_00000000000001"], T + 3600)
          yield* deliveries.record(early, [], T + 3600)
          const [claimed] = yield* deliveries.claim(claimRequest({ now: T + 10 }))
          yield* deliveries.settle("w1", attempt(claimed!.id, 200, null, T + 10), { _tag: "Delivered", at: T + 10 })
          expect((yield* deliveries.events(A, { from: T, to: T + 100 })).map((e) => e.eventId)).toEqual([
            recorded.eventId
          ])
          expect((yield* deliveries.events(A, {})).map((e) => e.eventId)).toEqual(
            [recorded.eventId, early.eventId].sort()
          )
          const count = yield* deliveries.redeliver(
            A,
            [
              { eventId: recorded.eventId, endpointId: "wh_00000000000001" },
              { eventId: recorded.eventId, endpointId: "wh_00000000000002" },
              { eventId: recorded.eventId, endpointId: "wh_00000000000009" },
              { eventId: "evt_0000000unknown", endpointId: "wh_00000000000001" }
            ],
            T + 500,
            T + 500 + 86400
          )
          expect(count).toBe(2)
          const again = yield* deliveries.list(A, { eventId: recorded.eventId })
          expect(again.map((d) => [d.endpointId, d.status, d.nextAttemptAt, d.giveUpAt, d.deliveredAt]).sort()).toEqual(
            [
              ["wh_00000000000001", "pending", T + 500, T + 500 + 86400, null],
              ["wh_00000000000002", "pending", T + 500, T + 500 + 86400, null]
            ]
          )
          expect(yield* deliveries.list(B, {})).toEqual([])
        })
    )

    it.scoped("the inbox keeps messages per tenant, newest first, filtered by channel and link", () =>
      run(
        Effect.gen(function* () {
          const inbox = yield* Inbox
          const message = (tenant: Tenant.Tenant, channel: "sms" | "email", link: string) => ({
            tenant,
            linkId: PaymentLinkId.make(`inv_${link.padStart(14, "0")}`),
            channel,
            to: channel === "sms" ? "+919876543210" : "g@example.com",
            subject: channel === "sms" ? null : "Payment request",
            text: `text for ${link}`
          })
          const first = yield* inbox.store(message(A, "email", "1"), T)
          const second = yield* inbox.store(message(A, "sms", "1"), T)
          const third = yield* inbox.store(message(A, "sms", "2"), T + 1)
          yield* inbox.store(message(B, "sms", "3"), T + 2)
          yield* inbox.store(message(A_LIVE, "sms", "4"), T + 2)
          expect(first.id).toMatch(/^msg_[0-9A-Za-z]{14}$/)
          expect(first).toMatchObject({ ...message(A, "email", "1"), createdAt: T })
          expect((yield* inbox.list(A, {})).map((m) => m.id)).toEqual([third.id, second.id, first.id])
          expect((yield* inbox.list(A, { channel: "sms" })).map((m) => m.id)).toEqual([third.id, second.id])
          expect((yield* inbox.list(A, { linkId: first.linkId })).map((m) => m.id)).toEqual([second.id, first.id])
          expect((yield* inbox.list(A, { limit: 1 })).map((m) => m.id)).toEqual([third.id])
          expect(yield* inbox.list(A, {})).toEqual([third, second, first])
        })
      )
    )
  })
}
