/**
 * Test plumbing: a real HTTP receiver on loopback, the three storages (in-memory, a SQLite file, a
 * fresh schema on the test PostgreSQL), and the whole dispatcher stack over one of them.
 */
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type { Inbox } from "@paylinks/core/Inbox"
import * as InMemory from "@paylinks/core/InMemory"
import * as InMemoryInbox from "@paylinks/core/InMemoryInbox"
import * as InMemoryWebhooks from "@paylinks/core/InMemoryWebhooks"
import { Merchants } from "@paylinks/core/Merchants"
import type { Notifier } from "@paylinks/core/Notifier"
import type { Outbox } from "@paylinks/core/Outbox"
import type { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import type { TestClocks } from "@paylinks/core/TestClocks"
import type { WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import type { WebhookEndpoints } from "@paylinks/core/WebhookEndpoints"
import * as NotifierSettings from "@paylinks/notifications/NotifierSettings"
import * as PgStorage from "@paylinks/sql/PgStorage"
import * as SqliteStorage from "@paylinks/sql/SqliteStorage"
import { pgUrl } from "@paylinks/testing/Postgres"
import * as TempDir from "@paylinks/testing/TempDir"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Dispatcher from "../src/Dispatcher.js"
import * as DispatcherSettings from "../src/DispatcherSettings.js"
import * as Wake from "../src/Wake.js"
import * as WebhookRegistry from "../src/WebhookRegistry.js"

/** 2024-06-01T00:00:00Z: where every test's clock starts. */
export const T0 = 1_717_200_000

/** Sets the Effect clock (the TestClock in `it.effect`) to T0. */
export const startClock = TestClock.setTime(T0 * 1000)

/** Lets real time pass (I/O of other processes, a server holding a request); never used to decide an outcome. */
export const realSleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/** Polls `condition` in real time until it holds; the test's own timeout bounds the wait. */
export const eventually = (condition: () => boolean) =>
  Effect.gen(function* () {
    while (!condition()) yield* realSleep(5)
  })

// ---------------------------------------------------------------------------------------------------------------
// The receiver

export interface Received {
  /** Path and query the request was sent to. */
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  /** The exact bytes received. */
  readonly raw: Buffer
  readonly body: string
  readonly eventId: string
}

/** How the receiver answers the next request: a status, or `hang` (never answer). */
export type Answer = number | "hang"

export interface Receiver {
  readonly url: string
  readonly received: Array<Received>
  /** Requests being held right now, per event id. */
  readonly open: Map<string, number>
  /** The most requests for one event id that were ever open at once. */
  readonly maxOpenPerEvent: () => number
  /** The most requests ever open at once. */
  readonly maxOpen: () => number
  /** Decides each answer; replaceable during a test. */
  answer: (request: Received, index: number) => Answer
  /** Holds each answered request this many real milliseconds first (to make overlaps observable). */
  holdMs: number
  readonly openCount: () => number
}

/** A real HTTP server on 127.0.0.1 for the scope. */
export const receiver = (answer: (request: Received, index: number) => Answer = () => 200) =>
  Effect.acquireRelease(
    Effect.async<Receiver & { readonly server: Http.Server }>((resume) => {
      let maxPerEvent = 0
      let maxOpen = 0
      let openTotal = 0
      const state = {
        received: [] as Array<Received>,
        open: new Map<string, number>(),
        maxOpenPerEvent: () => maxPerEvent,
        maxOpen: () => maxOpen,
        openCount: () => openTotal,
        answer,
        holdMs: 0
      }
      const server = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          const raw = Buffer.concat(chunks)
          const eventId = String(req.headers["x-razorpay-event-id"] ?? "")
          const request: Received = {
            url: req.url ?? "",
            headers: req.headers,
            raw,
            body: raw.toString("utf8"),
            eventId
          }
          const index = state.received.length
          state.received.push(request)
          const open = (state.open.get(eventId) ?? 0) + 1
          state.open.set(eventId, open)
          openTotal++
          maxPerEvent = Math.max(maxPerEvent, open)
          maxOpen = Math.max(maxOpen, openTotal)
          const close = () => {
            state.open.set(eventId, (state.open.get(eventId) ?? 1) - 1)
            openTotal--
          }
          const decision = state.answer(request, index)
          if (decision === "hang") {
            res.on("close", close)
            return
          }
          setTimeout(() => {
            close()
            res.writeHead(decision, { "content-type": "text/plain" }).end(decision < 300 ? "ok" : "nope")
          }, state.holdMs)
        })
      })
      server.keepAliveTimeout = 60_000
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed(Object.assign(state, { url: `http://127.0.0.1:${port}/hooks`, server })))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

// ---------------------------------------------------------------------------------------------------------------
// Storages

/** A path for a new SQLite database in a fresh temporary directory (removed when the process exits). */
export const tempDatabase = (): string => Path.join(TempDir.tempDir("webhooks"), "paylinks.db")

export { pgUrl, requirePg } from "@paylinks/testing/Postgres"

export const TEST_MASTER_KEY = Buffer.alloc(32, 9).toString("base64")

/** A fresh schema on the test PostgreSQL for the scope; yields a URL whose connections use it. */
export const freshPgSchema = Effect.gen(function* () {
  const schema = `paylinks_wh_${Crypto.randomBytes(6).toString("hex")}`
  const admin = yield* Effect.orDie(
    PgClient.make({ url: Redacted.make(pgUrl!), maxConnections: 1 }).pipe(Effect.provide(Reactivity.layer))
  )
  yield* Effect.orDie(admin.unsafe(`CREATE SCHEMA ${schema}`))
  yield* Effect.addFinalizer(() => Effect.ignore(admin.unsafe(`DROP SCHEMA ${schema} CASCADE`)))
  const url = new URL(pgUrl!)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return url.toString()
})

/** Every port the dispatcher stack needs from a storage. */
export type StoragePorts =
  | PaymentLinkRepository
  | Outbox
  | Merchants
  | TestClocks
  | WebhookEndpoints
  | WebhookDeliveries
  | Inbox

export type StorageLayer = Layer.Layer<StoragePorts, unknown, IdGenerator.IdGenerator>

export const inMemoryStorage = (): StorageLayer =>
  Layer.mergeAll(InMemory.layer, InMemoryWebhooks.layer, InMemoryInbox.layer)

export const sqliteStorage = (filename: string = tempDatabase()): StorageLayer => SqliteStorage.layer({ filename })

export const pgStorage = (url: string): StorageLayer =>
  PgStorage.layer({ url, masterKey: TEST_MASTER_KEY, maxConnections: 4 })

// ---------------------------------------------------------------------------------------------------------------
// The stack

export type Stack =
  | StoragePorts
  | PaymentLinks.PaymentLinks
  | IdGenerator.IdGenerator
  | Notifier
  | Dispatcher.Dispatcher
  | WebhookRegistry.WebhookRegistry

/** Settings for tests: a fixed worker id, 2 attempts per endpoint, the documented defaults otherwise. */
export const testSettings = (overrides: Partial<DispatcherSettings.Settings> = {}) =>
  DispatcherSettings.make({ workerId: "dispatcher-a", perEndpointConcurrency: 2, ...overrides })

export interface StackOptions {
  readonly settings?: Partial<DispatcherSettings.Settings>
  readonly notifier?: NotifierSettings.NotifierSettings
}

/** Storage, use-cases, notifiers (sandbox inbox by default), a manual dispatcher and the registry. */
export const stack = (storage: StorageLayer, options: StackOptions = {}): Layer.Layer<Stack, unknown> =>
  stackWith(storage, options, Dispatcher.layerManual)

/**
 * As `stack`, with the dispatcher's background loop running, and the storage's writes waking it (`Wake`), as
 * in the server.
 */
export const loopStack = (storage: StorageLayer, options: StackOptions = {}): Layer.Layer<Stack, unknown> =>
  stackWith(Wake.onWrites(storage), options, Dispatcher.layer)

const stackWith = (
  storage: StorageLayer,
  options: StackOptions,
  dispatcher: typeof Dispatcher.layer
): Layer.Layer<Stack, unknown> => {
  const settings = testSettings(options.settings)
  const base = storage.pipe(Layer.provideMerge(IdGenerator.layerCrypto))
  const services = Layer.mergeAll(
    PaymentLinks.layer.pipe(Layer.provide(PaymentLinks.linkSettings("https://pay.example"))),
    NotifierSettings.layer(options.notifier ?? NotifierSettings.sandbox),
    WebhookRegistry.layer({
      allowPrivateAddresses: settings.allowPrivateAddresses,
      retryWindowSeconds: settings.retryWindowSeconds
    })
  ).pipe(Layer.provideMerge(base))
  return dispatcher(settings).pipe(Layer.provideMerge(services))
}

/** A merchant with a test key, as the principal its requests run as. */
export const merchant = (name = "Acme Stores", keyId = "rzp_test_webhooks0001") =>
  Effect.gen(function* () {
    const merchants = yield* Merchants
    yield* merchants.seedKey(keyId, "secret", name)
    return yield* merchants.authenticate(keyId, "secret")
  })
