/**
 * Email over SMTP with nodemailer. A pooled transport keeps connections open between messages; a
 * message counts as sent only when the server accepted it for its recipient.
 */
import type { Message, NotifierShape, Receipt } from "@paylinks/core/Notifier"
import { NotificationFailed, Notifier } from "@paylinks/core/Notifier"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { createTransport } from "nodemailer"

export interface SmtpOptions {
  readonly host: string
  readonly port: number
  /** `tls`: implicit TLS (smtps, usually port 465). `starttls`: refuse to send unless STARTTLS succeeds. `none`: plain, upgraded when the server offers STARTTLS. */
  readonly security: "tls" | "starttls" | "none"
  readonly user?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  /** The sender, e.g. `Acme Payments <payments@acme.example>`. */
  readonly from: string
  /** Connection, greeting and socket timeouts. Default 10 000 ms. */
  readonly timeoutMs?: number | undefined
}

const describeError = (error: unknown): string => {
  if (error instanceof Error) {
    const response = (error as { readonly response?: unknown }).response
    return typeof response === "string" && response !== "" ? `${error.message} (${response})` : error.message
  }
  return String(error)
}

/** An SMTP notifier for the scope: the pooled connections close with it. */
export const make = (options: SmtpOptions): Effect.Effect<NotifierShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const timeout = options.timeoutMs ?? 10_000
    const transport = yield* Effect.acquireRelease(
      Effect.sync(() =>
        createTransport({
          pool: true,
          host: options.host,
          port: options.port,
          secure: options.security === "tls",
          requireTLS: options.security === "starttls",
          ...(options.user === undefined
            ? {}
            : {
                auth: {
                  user: options.user,
                  pass: options.password === undefined ? "" : Redacted.value(options.password)
                }
              }),
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          socketTimeout: timeout
        })
      ),
      (transport) => Effect.sync(() => transport.close())
    )

    const send = (message: Message): Effect.Effect<Receipt, NotificationFailed> =>
      Effect.tryPromise({
        try: () =>
          transport.sendMail({
            from: options.from,
            to: message.to,
            subject: message.subject ?? "",
            text: message.text
          }),
        catch: (error) => new NotificationFailed({ channel: "email", reason: describeError(error) })
      }).pipe(
        Effect.flatMap((info) => {
          const accepted = (info.accepted ?? []).map(String)
          return accepted.length > 0
            ? Effect.succeed<Receipt>({ provider: "smtp", messageId: info.messageId ?? null })
            : Effect.fail(
                new NotificationFailed({ channel: "email", reason: `The SMTP server did not accept ${message.to}` })
              )
        }),
        Effect.withSpan("SmtpNotifier.send")
      )

    return { send }
  })

/** A Notifier that sends every message as an email over SMTP. */
export const layer = (options: SmtpOptions): Layer.Layer<Notifier> => Layer.scoped(Notifier, make(options))
