/**
 * docs/http-api.md#the-official-razorpay-sdk: the official `razorpay` npm SDK works unchanged against a paylinks
 * server; only its base URL is pointed at it. It sends JSON bodies through axios and normalises errors into
 * `{statusCode, error:{code, description, …}}`.
 */
import * as Path from "node:path"
import { expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import Razorpay from "razorpay"
import { type Served, serve, tempDir } from "./helpers.js"

const KEY_ID = "rzp_test_SdkMerchant001"
const KEY_SECRET = "sdk-secret-value"

class SdkServer extends Context.Tag("test/SdkServer")<SdkServer, Served>() {}

const SdkServerLive = Layer.scoped(
  SdkServer,
  Effect.orDie(serve(`sqlite:${Path.join(tempDir(), "paylinks.db")}`, ["--key-id", KEY_ID, "--key-secret", KEY_SECRET]))
)

/** The SDK as an application would construct it, with only the base URL changed. */
const sdk = (url: string, secret: string = KEY_SECRET): any => {
  const instance: any = new Razorpay({ key_id: KEY_ID, key_secret: secret })
  instance.api.rq.defaults.baseURL = url
  return instance
}

/** An SDK call, whose answer is untyped JSON. */
const sdkCall = (f: () => Promise<any>): Effect.Effect<any> => Effect.promise(f)

/** What the SDK rejects with. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a rejection")
    },
    (error: unknown) => error
  )

layer(SdkServerLive, { excludeTestServices: true })("the official Razorpay SDK", (it) => {
  it.effect("creates, fetches, lists, edits, notifies and cancels a Payment Link", () =>
    Effect.gen(function* () {
      const { url } = yield* SdkServer
      const rzp = sdk(url)
      const created = yield* sdkCall(() =>
        rzp.invoices.create({
          type: "link",
          amount: 50000,
          currency: "INR",
          description: "Payment Link for SDK test",
          receipt: "sdk-1",
          customer: { name: "Gaurav Kumar", email: "gaurav.kumar@example.com", contact: "9123456780" },
          sms_notify: 1,
          email_notify: 1,
          notes: { source: "sdk" }
        })
      )
      expect(created).toMatchObject({
        entity: "invoice",
        type: "link",
        status: "issued",
        amount: 50000,
        receipt: "sdk-1",
        customer: { name: "Gaurav Kumar", contact: "9123456780", email: "gaurav.kumar@example.com" },
        notes: { source: "sdk" }
      })
      const fetched = yield* sdkCall(() => rzp.invoices.fetch(created.id))
      expect(fetched).toEqual(created)
      const viaCallback = yield* sdkCall(
        () =>
          new Promise((resolve, reject) =>
            rzp.invoices.fetch(created.id, (error: unknown, entity: unknown) =>
              error ? reject(error) : resolve(entity)
            )
          )
      )
      expect(viaCallback).toEqual(created)
      const all = yield* sdkCall(() => rzp.invoices.all({ count: 5, skip: 0, receipt: "sdk-1" }))
      expect(all).toMatchObject({ entity: "collection", count: 1 })
      expect(all.items[0].id).toBe(created.id)
      const bounded = yield* sdkCall(() => rzp.invoices.all({ from: created.created_at, to: created.created_at + 1 }))
      expect(bounded.items.map((item: any) => item.id)).toContain(created.id)
      const edited = yield* sdkCall(() =>
        rzp.invoices.edit(created.id, { notes: { source: "sdk", edited: "yes" }, receipt: "sdk-1b" })
      )
      expect(edited).toMatchObject({ receipt: "sdk-1b", notes: { source: "sdk", edited: "yes" } })
      const notified = yield* sdkCall(() => rzp.invoices.notifyBy(created.id, "sms"))
      expect(notified).toEqual({ success: true })
      const cancelled = yield* sdkCall(() => rzp.invoices.cancel(created.id))
      expect(cancelled).toMatchObject({ id: created.id, status: "cancelled" })
      expect(typeof cancelled.cancelled_at).toBe("number")
    })
  )

  it.effect("normalises refusals into {statusCode, error}", () =>
    Effect.gen(function* () {
      const { url } = yield* SdkServer
      const rzp = sdk(url)
      const created = yield* sdkCall(() => rzp.invoices.create({ type: "link", amount: 1000 }))
      yield* sdkCall(() => rzp.invoices.cancel(created.id))
      const again = yield* sdkCall(() => rejection(rzp.invoices.cancel(created.id)))
      expect(again).toEqual({
        statusCode: 400,
        error: {
          code: "BAD_REQUEST_ERROR",
          description: "Operation not allowed for Invoice in cancelled status.",
          source: "business",
          step: "payment_initiation",
          reason: "input_validation_failed",
          metadata: {}
        }
      })
      const invalid = yield* sdkCall(() => rejection(rzp.invoices.create({ type: "link", amount: 50 })))
      expect(invalid).toMatchObject({
        statusCode: 400,
        error: { description: "The amount must be at least INR 1.00", field: "amount" }
      })
      const missing = yield* sdkCall(() => rejection(rzp.invoices.fetch("inv_ZZZZZZZZZZZZZZ")))
      expect(missing).toMatchObject({ statusCode: 400, error: { description: "The id provided does not exist" } })
      const wrongSecret = yield* sdkCall(() => rejection(sdk(url, "not-the-secret").invoices.fetch(created.id)))
      expect(wrongSecret).toMatchObject({
        statusCode: 401,
        error: { code: "BAD_REQUEST_ERROR", description: "The api secret provided is invalid" }
      })
      const medium = yield* sdkCall(() => rejection(rzp.invoices.notifyBy(created.id, "fax")))
      expect(medium).toMatchObject({
        statusCode: 400,
        error: { description: "fax is not a valid communication medium." }
      })
    })
  )
})
