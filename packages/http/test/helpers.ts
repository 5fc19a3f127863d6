/**
 * Test plumbing: the paylinks server on the in-memory adapters, listening on 127.0.0.1 on a free
 * port, with its request log captured, and a small fetch-based caller.
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

export const basic = (keyId: string, secret: string): string =>
  `Basic ${Buffer.from(`${keyId}:${secret}`).toString("base64")}`

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export interface CallOptions {
  readonly auth?: string | undefined
  readonly body?: unknown
  readonly raw?: string | Uint8Array | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** One HTTP request; `body` is sent as JSON, `raw` as it is. */
export const call = (base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
  const headers: Record<string, string> = { ...options.headers }
  if (options.auth !== undefined) headers.authorization = options.auth
  let body: string | Uint8Array | undefined = options.raw
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers["content-type"] ??= "application/json"
  }
  return fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }).then(
    async (response) => {
      const text = await response.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: response.status, headers: response.headers, text, json }
    }
  )
}

/** The envelope a refusal must have: exactly these keys, with `field` only when given. */
export const envelope = (description: string, options: { field?: string; origin?: "business" | "NA" } = {}) => {
  const business = (options.origin ?? "business") === "business"
  return {
    error: {
      code: "BAD_REQUEST_ERROR",
      description,
      source: business ? "business" : "NA",
      step: business ? "payment_initiation" : "NA",
      reason: business ? "input_validation_failed" : "NA",
      metadata: {},
      ...(options.field === undefined ? {} : { field: options.field })
    }
  }
}
