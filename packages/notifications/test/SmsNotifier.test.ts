/**
 * SMS through an HTTP provider: a real HTTP server on loopback plays the provider.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as SmsNotifier from "../src/SmsNotifier.js"
import * as Templates from "@paylinks/core/NotificationTemplates"
import { httpServer, issuedLink } from "./fixtures.js"

const customer = { name: "Gaurav Kumar", email: "gaurav@example.com", contact: "+919876543210" }
const message = () => Templates.message(issuedLink({ amount: 29995, description: "Shoes", customer }), "sms", "Acme")!

describe("SmsNotifier against an HTTP provider on loopback", () => {
  it.scoped("posts the documented JSON with the bearer token and reports the provider's id", () =>
    Effect.gen(function* () {
      const provider = yield* httpServer((_request, response) => {
        response.writeHead(202, { "content-type": "application/json" })
        response.end(JSON.stringify({ id: "sms_123", status: "queued" }))
      })
      const notifier = yield* SmsNotifier.make({
        url: `${provider.url}/v1/messages`,
        token: Redacted.make("tok_abc"),
        sender: "ACME"
      })
      const receipt = yield* notifier.send(message())
      expect(receipt).toEqual({ provider: "sms-http", messageId: "sms_123" })
      expect(provider.received).toHaveLength(1)
      const request = provider.received[0]!
      expect(request.method).toBe("POST")
      expect(request.url).toBe("/v1/messages")
      expect(request.headers.authorization).toBe("Bearer tok_abc")
      expect(request.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(request.body)).toEqual({
        to: "+919876543210",
        message: 'Acme requests a payment of INR 299.95 for "Shoes". Pay here: https://pay.example/i/Ab3dE6gH',
        sender: "ACME",
        reference: "inv_00000000000001"
      })
    })
  )

  it.scoped("a 2xx without an id is still accepted; no token sends no Authorization", () =>
    Effect.gen(function* () {
      const provider = yield* httpServer((_request, response) => response.writeHead(200).end("OK"))
      const notifier = yield* SmsNotifier.make({ url: provider.url })
      expect(yield* notifier.send(message())).toEqual({ provider: "sms-http", messageId: null })
      expect(provider.received[0]!.headers.authorization).toBeUndefined()
      expect(JSON.parse(provider.received[0]!.body).sender).toBeNull()
    })
  )

  it.scoped("a non-2xx answer is a typed failure naming the status", () =>
    Effect.gen(function* () {
      const provider = yield* httpServer((_request, response) => response.writeHead(503).end("try later"))
      const notifier = yield* SmsNotifier.make({ url: provider.url })
      const error = yield* Effect.flip(notifier.send(message()))
      expect(error._tag).toBe("NotificationFailed")
      expect(error.channel).toBe("sms")
      expect(error.reason).toBe("the provider answered HTTP 503: try later")
    })
  )

  it.scoped("a provider that does not answer fails after the timeout", () =>
    Effect.gen(function* () {
      const provider = yield* httpServer(() => {})
      const notifier = yield* SmsNotifier.make({ url: provider.url, timeoutMs: 5000 })
      const sending = yield* Effect.fork(notifier.send(message()))
      // Wait until the provider holds the request, then let the (test) clock run past the timeout.
      while (provider.received.length === 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Effect.flip(Fiber.join(sending))
      expect(error.reason).toBe("no answer within 5000 ms")
    })
  )
})
