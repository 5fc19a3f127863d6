/**
 * Which notifier serves each channel, from `PAYLINKS_*` settings: email over SMTP when an SMTP server
 * is configured, SMS over the HTTP provider when its URL is, and the sandbox inbox for any channel
 * left unconfigured (so a bare `paylinks serve` sends nothing off the machine).
 *
 *   PAYLINKS_SMTP_URL        smtp://user:password@host:587 or smtps://user:password@host:465
 *   PAYLINKS_SMTP_HOST       instead of the URL: host, with
 *   PAYLINKS_SMTP_PORT       default 587 (465 with SECURE=true)
 *   PAYLINKS_SMTP_USER       optional
 *   PAYLINKS_SMTP_PASSWORD   optional
 *   PAYLINKS_SMTP_SECURE     true (implicit TLS), starttls (require STARTTLS), false (default: STARTTLS when offered)
 *   PAYLINKS_SMTP_FROM       the sender; default "paylinks <no-reply@localhost>"
 *   PAYLINKS_SMS_URL         the provider endpoint (JSON shape in SmsNotifier)
 *   PAYLINKS_SMS_TOKEN       sent as `Authorization: Bearer <token>`; optional
 *   PAYLINKS_SMS_SENDER      the sender id; optional
 */
import type { Inbox } from "@paylinks/core/Inbox"
import { Notifier } from "@paylinks/core/Notifier"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as InboxNotifier from "./InboxNotifier.js"
import type * as SmsNotifier from "./SmsNotifier.js"
import type * as SmtpNotifier from "./SmtpNotifier.js"

export interface NotifierSettings {
  /** SMTP for email; undefined sends email to the sandbox inbox. */
  readonly email: SmtpNotifier.SmtpOptions | undefined
  /** The HTTP provider for SMS; undefined sends SMS to the sandbox inbox. */
  readonly sms: SmsNotifier.SmsOptions | undefined
}

export const DEFAULT_FROM = "paylinks <no-reply@localhost>"

/** Nothing configured: every channel goes to the sandbox inbox. */
export const sandbox: NotifierSettings = { email: undefined, sms: undefined }

export class NotifierConfigError extends Data.TaggedError("NotifierConfigError")<{ readonly message: string }> {}

/** The settings' environment variables, for help texts. */
export const variables = [
  "PAYLINKS_SMTP_URL",
  "PAYLINKS_SMTP_HOST",
  "PAYLINKS_SMTP_PORT",
  "PAYLINKS_SMTP_USER",
  "PAYLINKS_SMTP_PASSWORD",
  "PAYLINKS_SMTP_SECURE",
  "PAYLINKS_SMTP_FROM",
  "PAYLINKS_SMS_URL",
  "PAYLINKS_SMS_TOKEN",
  "PAYLINKS_SMS_SENDER"
] as const

type Env = Readonly<Record<string, string | undefined>>

const read = (env: Env, name: (typeof variables)[number]): string | undefined => {
  const value = env[name]?.trim()
  return value === undefined || value === "" ? undefined : value
}

const fail = (message: string) => Either.left(new NotifierConfigError({ message }))

const parsePort = (raw: string, name: string): Either.Either<number, NotifierConfigError> => {
  const port = Number(raw)
  return /^[0-9]+$/.test(raw) && port >= 1 && port <= 65535
    ? Either.right(port)
    : fail(`${name} must be a port number between 1 and 65535, not "${raw}"`)
}

const parseSecurity = (
  raw: string | undefined
): Either.Either<SmtpNotifier.SmtpOptions["security"], NotifierConfigError> => {
  switch (raw?.toLowerCase()) {
    case undefined:
    case "false":
    case "0":
      return Either.right("none")
    case "true":
    case "1":
      return Either.right("tls")
    case "starttls":
      return Either.right("starttls")
    default:
      return fail(`PAYLINKS_SMTP_SECURE must be true, false or starttls, not "${raw}"`)
  }
}

const smtpFromEnv = (env: Env): Either.Either<SmtpNotifier.SmtpOptions | undefined, NotifierConfigError> => {
  const url = read(env, "PAYLINKS_SMTP_URL")
  const host = read(env, "PAYLINKS_SMTP_HOST")
  const from = read(env, "PAYLINKS_SMTP_FROM") ?? DEFAULT_FROM
  if (url !== undefined) {
    if (host !== undefined) return fail("Set PAYLINKS_SMTP_URL or PAYLINKS_SMTP_HOST, not both")
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return fail("PAYLINKS_SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465")
    }
    if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:")
      return fail("PAYLINKS_SMTP_URL must start with smtp:// or smtps://")
    const secure = parsed.protocol === "smtps:"
    const port =
      parsed.port === "" ? Either.right(secure ? 465 : 587) : parsePort(parsed.port, "The port of PAYLINKS_SMTP_URL")
    return Either.map(port, (port) => ({
      host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
      port,
      security: secure ? "tls" : parsed.searchParams.get("starttls") === "require" ? "starttls" : "none",
      user: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
      password: parsed.password === "" ? undefined : Redacted.make(decodeURIComponent(parsed.password)),
      from
    }))
  }
  if (host === undefined) return Either.right(undefined)
  return Either.gen(function* () {
    const security = yield* parseSecurity(read(env, "PAYLINKS_SMTP_SECURE"))
    const rawPort = read(env, "PAYLINKS_SMTP_PORT")
    const port =
      rawPort === undefined ? (security === "tls" ? 465 : 587) : yield* parsePort(rawPort, "PAYLINKS_SMTP_PORT")
    const password = read(env, "PAYLINKS_SMTP_PASSWORD")
    return {
      host,
      port,
      security,
      user: read(env, "PAYLINKS_SMTP_USER"),
      password: password === undefined ? undefined : Redacted.make(password),
      from
    }
  })
}

const smsFromEnv = (env: Env): Either.Either<SmsNotifier.SmsOptions | undefined, NotifierConfigError> => {
  const url = read(env, "PAYLINKS_SMS_URL")
  if (url === undefined) return Either.right(undefined)
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url))
    return fail(`PAYLINKS_SMS_URL must be an http(s) URL, not "${url}"`)
  const token = read(env, "PAYLINKS_SMS_TOKEN")
  return Either.right({
    url,
    token: token === undefined ? undefined : Redacted.make(token),
    sender: read(env, "PAYLINKS_SMS_SENDER")
  })
}

/** The settings the environment describes; an error names the variable at fault. */
export const fromEnv = (env: Env): Either.Either<NotifierSettings, NotifierConfigError> =>
  Either.gen(function* () {
    return { email: yield* smtpFromEnv(env), sms: yield* smsFromEnv(env) }
  })

/** One line for the startup log, without credentials: `email: smtp host:587, sms: sandbox inbox`. */
export const describe = (settings: NotifierSettings): string => {
  const email = settings.email === undefined ? "sandbox inbox" : `smtp ${settings.email.host}:${settings.email.port}`
  const sms = settings.sms === undefined ? "sandbox inbox" : `http ${new URL(settings.sms.url).origin}`
  return `email: ${email}, sms: ${sms}`
}

/**
 * A Notifier that routes each message to its channel's adapter (the inbox for unconfigured channels).
 * The adapters are loaded only when configured: reading settings (the CLI does on every command) and a
 * sandbox-only server never load nodemailer or undici.
 */
export const layer = (settings: NotifierSettings): Layer.Layer<Notifier, never, Inbox> =>
  Layer.scoped(
    Notifier,
    Effect.gen(function* () {
      const inbox = yield* InboxNotifier.make
      const smtpOptions = settings.email
      const smsOptions = settings.sms
      const email =
        smtpOptions === undefined
          ? inbox
          : yield* Effect.flatMap(
              Effect.promise(() => import("./SmtpNotifier.js")),
              (module) => module.make(smtpOptions)
            )
      const sms =
        smsOptions === undefined
          ? inbox
          : yield* Effect.flatMap(
              Effect.promise(() => import("./SmsNotifier.js")),
              (module) => module.make(smsOptions)
            )
      return { send: (message) => (message.channel === "email" ? email.send(message) : sms.send(message)) }
    })
  )
