/**
 * One webhook attempt over HTTP with undici. Connections are kept alive and reused per origin; the
 * SSRF guard sits in each agent's DNS lookup (one agent per guard policy: live and test mode differ).
 * An attempt never fails as an effect: its result says what happened, and only a 2xx is a success.
 */
import { createRequire } from "node:module"
import { performance } from "node:perf_hooks"
import type { ClaimedDelivery } from "@paylinks/core/WebhookDeliveries"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Agent, request } from "undici"
import * as AddressGuard from "./AddressGuard.js"
import { sign } from "./Signature.js"

/** This package's version, for the `User-Agent` (the module sits one level below the package root in src and dist). */
export const VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version

export const USER_AGENT = `paylinks-webhooks/${VERSION}`

export interface SendResult {
  /** The HTTP status; null when no response came. */
  readonly statusCode: number | null
  readonly latencyMs: number
  /** Why the attempt failed; null after a 2xx. */
  readonly error: string | null
}

export interface SenderOptions {
  /** Per attempt, from connecting to the end of the response. */
  readonly timeoutMs: number
  /** Operator override of the SSRF guard (`PAYLINKS_WEBHOOK_ALLOW_PRIVATE`). */
  readonly allowPrivateAddresses: boolean
}

export interface Sender {
  readonly send: (delivery: ClaimedDelivery) => Effect.Effect<SendResult>
}

/** The text of a failed request: undici wraps connection errors, whose cause says what really happened. */
const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { readonly cause?: unknown }).cause
  const code = (error as { readonly code?: unknown }).code
  if (cause instanceof Error && cause.message !== "" && cause.message !== error.message)
    return `${error.message}: ${cause.message}`
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message
}

/** A sender for the scope; its connections close with it. */
export const make = (options: SenderOptions): Effect.Effect<Sender, never, Scope.Scope> =>
  Effect.gen(function* () {
    // undici's own timeouts are a backstop a little past the attempt's timeout, which is the one that decides.
    const backstop = options.timeoutMs + 1_000
    const agentFor = (policy: AddressGuard.Policy) =>
      Effect.acquireRelease(
        Effect.sync(
          () =>
            new Agent({
              keepAliveTimeout: 30_000,
              headersTimeout: backstop,
              bodyTimeout: backstop,
              connect: { timeout: backstop, lookup: AddressGuard.guardedLookup(policy) }
            })
        ),
        (agent) => Effect.promise(() => agent.destroy())
      )
    const agents = {
      live: yield* agentFor(AddressGuard.policyFor("live", options.allowPrivateAddresses)),
      test: yield* agentFor(AddressGuard.policyFor("test", options.allowPrivateAddresses))
    }

    const post = (delivery: ClaimedDelivery) =>
      Effect.tryPromise({
        try: async (signal) => {
          const response = await request(delivery.endpoint.url, {
            method: "POST",
            dispatcher: agents[delivery.endpoint.mode],
            signal,
            headers: {
              "content-type": "application/json",
              "user-agent": USER_AGENT,
              "x-razorpay-event-id": delivery.eventId,
              "x-razorpay-signature": sign(delivery.endpoint.secret, delivery.body)
            },
            body: delivery.body
          })
          // Read the answer to its end so the connection can be reused.
          await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined)
          return response.statusCode
        },
        catch: describe
      })

    const send = (delivery: ClaimedDelivery): Effect.Effect<SendResult> =>
      Effect.gen(function* () {
        // An IP literal never goes through the lookup, so it is checked here.
        const url = new URL(delivery.endpoint.url)
        const host = AddressGuard.hostOf(url)
        const policy = AddressGuard.policyFor(delivery.endpoint.mode, options.allowPrivateAddresses)
        const refused = AddressGuard.classify(host) === undefined ? undefined : AddressGuard.check(policy, host, host)
        if (refused !== undefined) return { statusCode: null, latencyMs: 0, error: refused.message }
        const started = performance.now()
        const outcome = yield* Effect.either(
          post(delivery).pipe(
            Effect.timeoutFail({
              duration: options.timeoutMs,
              onTimeout: () => `No response within ${options.timeoutMs} ms`
            })
          )
        )
        const latencyMs = Math.round(performance.now() - started)
        if (outcome._tag === "Left") return { statusCode: null, latencyMs, error: outcome.left }
        const statusCode = outcome.right
        return statusCode >= 200 && statusCode <= 299
          ? { statusCode, latencyMs, error: null }
          : { statusCode, latencyMs, error: `HTTP ${statusCode}` }
      }).pipe(Effect.withSpan("HttpSender.send", { attributes: { eventId: delivery.eventId } }))

    return { send }
  })
