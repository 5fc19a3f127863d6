/**
 * SMS through an HTTP provider, with undici (connections reused). The request is a documented JSON
 * shape that a small relay can translate for any SMS gateway:
 *
 *   POST <url>
 *   Authorization: Bearer <token>            (when a token is configured)
 *   Content-Type: application/json
 *   {"to":"+919876543210","message":"…","sender":"ACME","reference":"inv_…"}
 *
 * Any 2xx answer means the provider accepted the message; a JSON answer with a string `id` (or
 * `message_id`) names it. Anything else, or no answer within the timeout, is a failure.
 */
import type { Message, NotifierShape, Receipt } from "@paylinks/core/Notifier"
import { NotificationFailed, Notifier } from "@paylinks/core/Notifier"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Agent, request } from "undici"

export interface SmsOptions {
  readonly url: string
  readonly token?: Redacted.Redacted<string> | undefined
  /** The sender id the provider shows, when it takes one. */
  readonly sender?: string | undefined
  /** Default 5000 ms. */
  readonly timeoutMs?: number | undefined
}

/** The JSON body sent to the provider. */
export interface SmsRequest {
  readonly to: string
  readonly message: string
  readonly sender: string | null
  readonly reference: string
}

const messageIdOf = (text: string): string | null => {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown> | null
    const id = parsed?.id ?? parsed?.message_id
    return typeof id === "string" && id !== "" ? id : null
  } catch {
    return null
  }
}

/** An SMS notifier for the scope: its connections close with it. */
export const make = (options: SmsOptions): Effect.Effect<NotifierShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const timeout = options.timeoutMs ?? 5_000
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connect: { timeout } })),
      (agent) => Effect.promise(() => agent.close())
    )
    const fail = (reason: string) => new NotificationFailed({ channel: "sms", reason })

    const send = (message: Message): Effect.Effect<Receipt, NotificationFailed> =>
      Effect.gen(function* () {
        const body: SmsRequest = {
          to: message.to,
          message: message.text,
          sender: options.sender ?? null,
          reference: message.linkId
        }
        const headers: Record<string, string> = { "content-type": "application/json" }
        if (options.token !== undefined) headers.authorization = `Bearer ${Redacted.value(options.token)}`
        const response = yield* Effect.tryPromise({
          try: async (signal) => {
            const answer = await request(options.url, {
              method: "POST",
              headers,
              body: JSON.stringify(body),
              dispatcher: agent,
              signal
            })
            return { status: answer.statusCode, text: await answer.body.text() }
          },
          catch: (error) => fail(error instanceof Error ? error.message : String(error))
        }).pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => fail(`no answer within ${timeout} ms`) }))
        if (response.status < 200 || response.status > 299)
          return yield* fail(`the provider answered HTTP ${response.status}: ${response.text.slice(0, 200)}`)
        return { provider: "sms-http", messageId: messageIdOf(response.text) }
      }).pipe(Effect.withSpan("SmsNotifier.send"))

    return { send }
  })

/** A Notifier that sends every message as an SMS through the HTTP provider. */
export const layer = (options: SmsOptions): Layer.Layer<Notifier> => Layer.scoped(Notifier, make(options))
