/**
 * Test plumbing: the paylinks server on the in-memory adapters, listening on 127.0.0.1 on a free
 * port, with its request log captured (the caller is `@paylinks/testing/HttpCall`).
 */
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import type { Inbox } from "@paylinks/core/Inbox"
import * as InMemory from "@paylinks/core/InMemory"
import * as InMemoryInbox from "@paylinks/core/InMemoryInbox"
import type { Merchants } from "@paylinks/core/Merchants"
import type { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import type { TestClocks } from "@paylinks/core/TestClocks"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PaylinksServer from "../src/PaylinksServer.js"
import * as Readiness from "../src/Readiness.js"
import type * as RequestLog from "../src/RequestLog.js"

export type Services =
  | PaymentLinks.PaymentLinks
  | Merchants
  | IdempotencyStore
  | TestClocks
  | PaymentLinkRepository
  | Inbox
  | Readiness.Readiness

export const InMemoryServices: Layer.Layer<Exclude<Services, Readiness.Readiness>> = PaymentLinks.layer.pipe(
  Layer.provideMerge(Layer.merge(InMemory.layer, InMemoryInbox.layer)),
  Layer.provideMerge(PaymentLinks.linkSettings("http://pay.test")),
  Layer.provideMerge(IdGenerator.layerCrypto)
)

export interface ServedShape {
  readonly url: string
  readonly lines: Array<RequestLog.Line>
  readonly context: Context.Context<Services>
}

export class Served extends Context.Tag("test/Served")<Served, ServedShape>() {}

/** The server on fresh in-memory storage, for the lifetime of the layer. */
export const servedLayer = (readiness: Layer.Layer<Readiness.Readiness> = Readiness.layerAlways) =>
  Layer.scoped(
    Served,
    Effect.gen(function* () {
      const lines: Array<RequestLog.Line> = []
      const context = yield* Layer.build(Layer.merge(InMemoryServices, readiness))
      const running = yield* PaylinksServer.make({ port: 0, logger: (line) => lines.push(line) }).pipe(
        Effect.provide(context)
      )
      return { url: running.url, lines, context }
    })
  )
