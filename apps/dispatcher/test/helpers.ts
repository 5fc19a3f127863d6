/**
 * Test plumbing for the dispatcher process: a SQLite file of its own, a webhook receiver on loopback,
 * and, beside the child process, the same composition in this process with a manual dispatcher.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { Merchants } from "@paylinks/core/Merchants"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as NotifierSettings from "@paylinks/notifications/NotifierSettings"
import * as Database from "@paylinks/runtime/Database"
import * as TempDir from "@paylinks/testing/TempDir"
import * as Dispatcher from "@paylinks/webhooks/Dispatcher"
import * as DispatcherSettings from "@paylinks/webhooks/DispatcherSettings"
import * as WebhookRegistry from "@paylinks/webhooks/WebhookRegistry"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** A path for a new SQLite database in a fresh temporary directory (removed when the process exits). */
export const tempDatabase = (): string => Path.join(TempDir.tempDir("dispatcher"), "paylinks.db")

/** Polls `condition` in real time until it holds; the test's own timeout bounds the wait. */
export const eventually = (condition: () => boolean) =>
  Effect.gen(function* () {
    while (!condition()) yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))
  })

export interface Received {
  readonly eventId: string
  readonly body: string
}

/** A webhook receiver on 127.0.0.1 for the scope; `answer` gives each request's status, or `hang`. */
export const receiver = (initial: () => number | "hang") =>
  Effect.acquireRelease(
    Effect.async<{ url: string; received: Array<Received>; answer: () => number | "hang"; server: Http.Server }>(
      (resume) => {
        const state = { received: [] as Array<Received>, answer: initial }
        const server = Http.createServer((req, res) => {
          const chunks: Array<Buffer> = []
          req.on("data", (chunk: Buffer) => chunks.push(chunk))
          req.on("end", () => {
            state.received.push({
              eventId: String(req.headers["x-razorpay-event-id"] ?? ""),
              body: Buffer.concat(chunks).toString("utf8")
            })
            const decision = state.answer()
            if (decision !== "hang") res.writeHead(decision, { "content-type": "text/plain" }).end("ok")
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          resume(Effect.succeed(Object.assign(state, { url: `http://127.0.0.1:${port}/hooks`, server })))
        })
      }
    ),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** The database with the use-cases, the registry and a dispatcher that runs only when asked (`runOnce`). */
export const stack = (database: string) => {
  const settings = DispatcherSettings.make({ workerId: "dispatcher-test" })
  const services = Layer.mergeAll(
    PaymentLinks.layer.pipe(Layer.provide(PaymentLinks.linkSettings("https://pay.example"))),
    NotifierSettings.layer(NotifierSettings.sandbox),
    WebhookRegistry.layer({
      allowPrivateAddresses: settings.allowPrivateAddresses,
      retryWindowSeconds: settings.retryWindowSeconds
    })
  ).pipe(Layer.provideMerge(Database.layer(`sqlite:${database}`)))
  return Dispatcher.layerManual(settings).pipe(Layer.provideMerge(services), Layer.orDie)
}

/** A merchant with a test key, as the principal its requests run as. */
export const merchant = Effect.gen(function* () {
  const merchants = yield* Merchants
  yield* merchants.seedKey("rzp_test_dispatcher001", "secret", "Acme Stores")
  return yield* Effect.orDie(merchants.authenticate("rzp_test_dispatcher001", "secret"))
})
