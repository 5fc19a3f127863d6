import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ENTITY_KEYS } from "@paylinks/testing/EntityShape"
import * as PaylinksClient from "../src/PaylinksClient.js"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { startServer, type TestServer } from "./server.js"

let server: TestServer

beforeAll(async () => {
  // No dispatcher: nothing but these requests changes a link (it would mark its SMS and email sent).
  server = await startServer(undefined, undefined, { PAYLINKS_DISPATCHER: "off" })
})

afterAll(async () => {
  await server?.stop()
})

/** Runs `f` with a client acting as the seeded key pair. */
const withClient = <A, E>(f: (client: PaylinksClient.Client) => Effect.Effect<A, E>) =>
  Effect.flatMap(
    Effect.sync(() => server),
    (running) =>
      Effect.flatMap(PaylinksClient.PaylinksClient, f).pipe(
        Effect.provide(
          PaylinksClient.layer({ baseUrl: running.url, keyId: running.keyId, keySecret: running.keySecret })
        )
      )
  )

/** The description of the wire error an effect fails with, by the error's tag. */
const refusal = <A, E extends { readonly _tag: string; readonly error?: { readonly description: string } }>(
  effect: Effect.Effect<A, E>
) => Effect.flip(effect).pipe(Effect.map((error) => ({ tag: error._tag, description: error.error?.description })))

describe("PaylinksClient against a real server", () => {
  it.effect("creates, fetches, updates and lists links as typed wire entities, every key in order", () =>
    withClient((api) =>
      Effect.gen(function* () {
        const created = yield* api.invoices.create({
          payload: {
            type: "link",
            amount: 50000,
            description: "Client test",
            receipt: "client-1",
            customer: { name: "Asha", email: "asha@example.com", contact: "+919900000001" },
            notes: { order: "42" }
          },
          headers: {}
        })
        expect(Object.keys(created)).toEqual(ENTITY_KEYS)
        expect(created).toMatchObject({
          entity: "invoice",
          status: "issued",
          amount: 50000,
          amount_due: 50000,
          currency: "INR",
          receipt: "client-1",
          notes: { order: "42" },
          customer: { name: "Asha", email: "asha@example.com", contact: "+919900000001" }
        })
        expect(created.short_url.startsWith(`${server.url}/i/`)).toBe(true)

        const fetched = yield* api.invoices.fetch({ path: { id: created.id } })
        expect(fetched).toEqual(created)

        const updated = yield* api.invoices.update({ path: { id: created.id }, payload: { receipt: "client-1b" } })
        expect(updated.receipt).toBe("client-1b")

        const page = yield* api.invoices.list({ urlParams: { receipt: "client-1b" } })
        expect(page.entity).toBe("collection")
        expect(page.count).toBe(1)
        expect(page.items.map((item) => item.id)).toEqual([created.id])

        const none = yield* api.invoices.list({ urlParams: { receipt: "no-such-receipt" } })
        expect(none).toEqual({ entity: "collection", count: 0, items: [] })
      })
    )
  )

  it.effect("cancels an issued link; a second cancel fails as a BadRequestError with the API's text", () =>
    withClient((api) =>
      Effect.gen(function* () {
        const link = yield* api.invoices.create({ payload: { type: "link", amount: 1000 }, headers: {} })
        const cancelled = yield* api.invoices.cancel({ path: { id: link.id }, headers: {} })
        expect(cancelled.status).toBe("cancelled")
        expect(cancelled.cancelled_at).toBeTypeOf("number")

        const again = yield* api.invoices.cancel({ path: { id: link.id }, headers: {} }).pipe(
          Effect.map(() => "cancelled twice"),
          Effect.catchTag("BadRequestError", (error) => Effect.succeed(error.error.description))
        )
        expect(again).toBe("Operation not allowed for Invoice in cancelled status.")
        expect((yield* api.invoices.fetch({ path: { id: link.id } })).status).toBe("cancelled")
      })
    )
  )

  it.effect("fails with the contract's typed errors and their exact texts", () =>
    withClient((api) =>
      Effect.gen(function* () {
        expect(yield* refusal(api.invoices.fetch({ path: { id: "inv_0000000000000A" } }))).toEqual({
          tag: "BadRequestError",
          description: "The id provided does not exist"
        })
        expect(yield* refusal(api.invoices.fetch({ path: { id: "inv_abc" } }))).toEqual({
          tag: "BadRequestError",
          description: "abc is not a valid id"
        })
        expect(yield* refusal(api.invoices.create({ payload: { type: "link", amount: 10 }, headers: {} }))).toEqual({
          tag: "BadRequestError",
          description: "The amount must be at least INR 1.00"
        })
        expect(yield* refusal(api.invoices.list({ urlParams: { count: 101 } }))).toEqual({
          tag: "BadRequestError",
          description: "The count may not be greater than 100."
        })
        const link = yield* api.invoices.create({ payload: { type: "link", amount: 1000 }, headers: {} })
        expect(yield* refusal(api.invoices.notifyBy({ path: { id: link.id, medium: "fax" }, headers: {} }))).toEqual({
          tag: "BadRequestError",
          description: "fax is not a valid communication medium."
        })
      })
    )
  )

  it.effect("sends a body as it is given, so the server refuses it with its own text", () =>
    withClient((api) =>
      Effect.gen(function* () {
        // Neither body matches the contract's type; the client sends them rather than refusing them itself.
        const notANumber = { type: "link", amount: "12.5" } as unknown as { type: "link"; amount: number }
        expect(yield* refusal(api.invoices.create({ payload: notANumber, headers: {} }))).toEqual({
          tag: "BadRequestError",
          description: "The amount must be an integer."
        })
        const unknownField = { type: "link", amount: 1000, colour: "red" } as { type: "link"; amount: number }
        expect(yield* refusal(api.invoices.create({ payload: unknownField, headers: {} }))).toEqual({
          tag: "BadRequestError",
          description: "colour is/are not required and should not be sent"
        })
      })
    )
  )

  it.effect("sends notify_by and answers {success: true}", () =>
    withClient((api) =>
      Effect.gen(function* () {
        const link = yield* api.invoices.create({
          payload: { type: "link", amount: 1000, customer: { contact: "+919900000002" } },
          headers: {}
        })
        expect(yield* api.invoices.notifyBy({ path: { id: link.id, medium: "sms" }, headers: {} })).toEqual({
          success: true
        })
      })
    )
  )

  it.effect("replays an Idempotency-Key and refuses it with another body", () =>
    withClient((api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": `client-${Date.now()}` }
        const first = yield* api.invoices.create({ payload: { type: "link", amount: 2000 }, headers })
        const [replayed, response] = yield* api.invoices.create({
          payload: { type: "link", amount: 2000 },
          headers,
          withResponse: true
        })
        expect(replayed).toEqual(first)
        expect(response.headers["idempotent-replayed"]).toBe("true")
        expect(yield* refusal(api.invoices.create({ payload: { type: "link", amount: 3000 }, headers }))).toEqual({
          tag: "BadRequestError",
          description: "Idempotency key already used with a different request"
        })
      })
    )
  )

  it.effect("sends the key pair on every request: a wrong secret or key is an UnauthorizedError", () =>
    Effect.gen(function* () {
      const as = (keyId: string, keySecret: string) =>
        Effect.flatMap(PaylinksClient.PaylinksClient, (api) => refusal(api.invoices.list({ urlParams: {} }))).pipe(
          Effect.provide(PaylinksClient.layer({ baseUrl: server.url, keyId, keySecret }))
        )
      expect(yield* as(server.keyId, "not-the-secret")).toEqual({
        tag: "UnauthorizedError",
        description: "The api secret provided is invalid"
      })
      expect(yield* as("rzp_test_NoSuchKey000001", server.keySecret)).toEqual({
        tag: "UnauthorizedError",
        description: "The api key provided is invalid"
      })
    })
  )

  it.effect("layerConfig reads PAYLINKS_SERVER, PAYLINKS_KEY_ID and PAYLINKS_KEY_SECRET", () =>
    Effect.gen(function* () {
      const provider = ConfigProvider.fromMap(
        new Map([
          ["PAYLINKS_SERVER", server.url],
          ["PAYLINKS_KEY_ID", server.keyId],
          ["PAYLINKS_KEY_SECRET", server.keySecret]
        ])
      )
      const layer = PaylinksClient.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(provider)))
      const page = yield* Effect.flatMap(PaylinksClient.PaylinksClient, (api) =>
        api.invoices.list({ urlParams: { count: 1 } })
      ).pipe(Effect.provide(layer))
      expect(page.entity).toBe("collection")
      expect(page.count).toBe(1)

      const missing = yield* Effect.flip(
        Effect.provide(PaylinksClient.PaylinksClient, PaylinksClient.layerConfig).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
      )
      expect(String(missing)).toContain("PAYLINKS_SERVER")
    })
  )

  it.effect("reaches the unauthenticated system endpoints", () =>
    Effect.map(
      withClient((api) => api.system.healthz()),
      (health) => expect(health).toEqual({ status: "ok" })
    )
  )

  // Last: it empties this address's bucket of failed authentications on the shared server.
  it.effect("a client that keeps failing authentication gets TooManyRequestsError, with Razorpay's envelope", () =>
    Effect.gen(function* () {
      const guesses = Effect.flatMap(PaylinksClient.PaylinksClient, (api) =>
        refusal(api.invoices.list({ urlParams: {} }))
      ).pipe(Effect.provide(PaylinksClient.layer({ baseUrl: server.url, keyId: server.keyId, keySecret: "guess" })))
      const answers = []
      for (let i = 0; i < 30; i++) answers.push(yield* guesses)
      expect(answers[0]).toEqual({ tag: "UnauthorizedError", description: "The api secret provided is invalid" })
      expect(answers.at(-1)).toEqual({ tag: "TooManyRequestsError", description: "Too many requests" })
    })
  )
})
