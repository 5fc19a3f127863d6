/**
 * The server's configuration (docs/http-api.md, "Running the server"): command-line flags over
 * `PAYLINKS_*` environment variables over defaults. Secrets stay `Redacted` so that no log or error can print them.
 */
import * as AuthRateLimit from "@paylinks/http/AuthRateLimit"
import * as NotifierSettings from "@paylinks/notifications/NotifierSettings"
import * as DispatcherSettings from "@paylinks/webhooks/DispatcherSettings"
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"

import { DEFAULT_DATABASE, DEFAULT_HOST, DEFAULT_PORT, localUrl, settings } from "./ServerSettings.js"

// The settings' names, help and defaults live in `ServerSettings` (which imports nothing, for the CLI's help); this
// module reads and checks them.
export { DEFAULT_DATABASE, DEFAULT_HOST, DEFAULT_PORT, localUrl, settings }

export interface ServerConfig {
  /** `sqlite:<file>` or `postgres://…`. */
  readonly database: Redacted.Redacted<string>
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Where links are served (`short_url` = `<publicUrl>/i/<code>`); default `http://<host>:<port>`. */
  readonly publicUrl: string | undefined
  /** An operator-seeded key pair, both or neither. */
  readonly seedKey: { readonly keyId: string; readonly secret: Redacted.Redacted<string> } | undefined
  /** Base64 of 32 bytes; encrypts API key secrets at rest. */
  readonly masterKey: Redacted.Redacted<string> | undefined
  /** Failed authentications allowed per client address and per key id; undefined: the default (20 per 60 s). */
  readonly authFailureLimit?: AuthRateLimit.Settings | "off" | undefined
  /**
   * Whether this process runs the webhook and notification dispatcher (the outbox's one consumer). Off
   * for deployments where `paylinks-dispatcher` processes deliver instead.
   */
  readonly runDispatcher: boolean
  /** The dispatcher's settings (`PAYLINKS_WEBHOOK_*`); the webhook registry follows them even when it is off. */
  readonly dispatcher: DispatcherSettings.Settings
  /** Where customer emails and SMS go (`PAYLINKS_SMTP_*`, `PAYLINKS_SMS_*`; the sandbox inbox by default). */
  readonly notifier: NotifierSettings.NotifierSettings
  /** More names the server is reached at besides its address and public URL (`*`: any `Host`). */
  readonly allowedHosts?: ReadonlyArray<string> | "any" | undefined
  /** Connections held at once; undefined: 1024. */
  readonly maxConnections?: number | undefined
  /** Seconds a request's head may take; undefined: 10. */
  readonly headersTimeoutSeconds?: number | undefined
  /** Seconds a whole request may take; undefined: 30. */
  readonly requestTimeoutSeconds?: number | undefined
}

export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

/** Every setting: its flag, its environment variable, and what it means. */

type Setting = (typeof settings)[number]["flag"]

/** Variable names, a few to a line. */
const wrapNames = (names: ReadonlyArray<string>): Array<string> => {
  const lines: Array<string> = []
  let line = " "
  for (const name of names) {
    if (line.length + name.length + 1 > 100) {
      lines.push(line)
      line = " "
    }
    line += ` ${name}`
  }
  if (line.trim() !== "") lines.push(line)
  return lines
}

export const usage = (): string =>
  [
    "Usage: paylinks-server [options]",
    "",
    "Serves the paylinks API. Each option can also be set through its environment variable.",
    "",
    ...settings.map((s) => `  --${s.flag.padEnd(16)} ${s.env.padEnd(25)} ${s.help}`),
    "  --help                                       print this help",
    "",
    "Webhook delivery and customer notifications are set through the environment only (docs/webhooks.md):",
    ...wrapNames([...DispatcherSettings.variables, ...NotifierSettings.variables])
  ].join("\n")

/** Reads `--name value` and `--name=value` pairs; anything else is an error. */
export const parseFlags = (argv: ReadonlyArray<string>): Either.Either<Map<Setting | "help", string>, ConfigError> => {
  const known = new Set<string>(settings.map((s) => s.flag))
  const flags = new Map<Setting | "help", string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--help" || arg === "-h") {
      flags.set("help", "")
      continue
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg)
    if (match === null || !known.has(match[1]!))
      return Either.left(new ConfigError({ message: `Unknown argument ${arg.split("=")[0]}\n\n${usage()}` }))
    const name = match[1] as Setting
    let value = match[2]
    if (value === undefined) {
      value = argv[i + 1]
      if (value === undefined) return Either.left(new ConfigError({ message: `--${name} needs a value` }))
      i++
    }
    flags.set(name, value)
  }
  return Either.right(flags)
}

const KEY_ID = /^rzp_(test|live)_[0-9A-Za-z]+$/

const SWITCH = new Map<string, boolean>([
  ["on", true],
  ["true", true],
  ["1", true],
  ["off", false],
  ["false", false],
  ["0", false]
])

/** The configuration from flags and environment; `help` when `--help` was asked for. */
export const load = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<ServerConfig | "help", ConfigError> =>
  Either.flatMap(parseFlags(argv), (flags): Either.Either<ServerConfig | "help", ConfigError> => {
    if (flags.has("help")) return Either.right("help" as const)
    const read = (flag: Setting): string | undefined => {
      const value = flags.get(flag) ?? env[settings.find((s) => s.flag === flag)!.env]
      return value === undefined || value.trim() === "" ? undefined : value.trim()
    }
    const fail = (message: string): Either.Either<never, ConfigError> => Either.left(new ConfigError({ message }))

    const rawPort = read("port")
    const port = rawPort === undefined ? DEFAULT_PORT : Number(rawPort)
    if (!/^[0-9]+$/.test(rawPort ?? "0") || !Number.isInteger(port) || port < 0 || port > 65535)
      return fail(`PAYLINKS_PORT must be a port number between 0 and 65535, not "${rawPort}"`)

    const publicUrl = read("public-url")
    if (publicUrl !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(publicUrl))
      return fail(`PAYLINKS_PUBLIC_URL must be an http(s) URL such as https://pay.example.com, not "${publicUrl}"`)

    const keyId = read("key-id")
    // A secret may legitimately contain spaces at its ends; only an empty one is refused.
    const secret = flags.get("key-secret") ?? env.PAYLINKS_KEY_SECRET
    if (keyId !== undefined && !KEY_ID.test(keyId))
      return fail(`PAYLINKS_KEY_ID must look like rzp_test_… or rzp_live_… (letters and digits after the prefix)`)
    if (keyId !== undefined && (secret === undefined || secret === ""))
      return fail("PAYLINKS_KEY_ID is set but PAYLINKS_KEY_SECRET is empty: seed both or neither")
    if (keyId === undefined && secret !== undefined && secret !== "")
      return fail("PAYLINKS_KEY_SECRET is set but PAYLINKS_KEY_ID is not: seed both or neither")

    const rawLimit = read("auth-failure-limit")
    const authFailureLimit = rawLimit === undefined ? undefined : AuthRateLimit.parse(rawLimit)
    if (rawLimit !== undefined && authFailureLimit === undefined)
      return fail(`PAYLINKS_AUTH_FAILURE_LIMIT must be <failures>/<seconds> (e.g. 20/60) or off, not "${rawLimit}"`)

    const rawDispatcher = read("dispatcher")?.toLowerCase()
    const runDispatcher = rawDispatcher === undefined ? true : SWITCH.get(rawDispatcher)
    if (runDispatcher === undefined) return fail(`PAYLINKS_DISPATCHER must be on or off, not "${read("dispatcher")}"`)
    const dispatcher = DispatcherSettings.fromEnv(env)
    if (Either.isLeft(dispatcher)) return fail(dispatcher.left.message)
    const notifier = NotifierSettings.fromEnv(env)
    if (Either.isLeft(notifier)) return fail(notifier.left.message)

    const rawHosts = read("allowed-hosts")
    const allowedHosts =
      rawHosts === undefined
        ? undefined
        : rawHosts === "*"
          ? ("any" as const)
          : rawHosts
              .split(",")
              .map((name) => name.trim())
              .filter((name) => name !== "")
    if (Array.isArray(allowedHosts) && allowedHosts.some((name) => !/^[A-Za-z0-9.:[\]-]+$/.test(name)))
      return fail(`PAYLINKS_ALLOWED_HOSTS must be host names separated by commas, or *, not "${rawHosts}"`)

    const whole = (
      flag: "max-connections" | "headers-timeout" | "request-timeout",
      env: string
    ): Either.Either<number | undefined, ConfigError> => {
      const raw = read(flag)
      if (raw === undefined) return Either.right(undefined)
      const value = Number(raw)
      return /^[0-9]{1,9}$/.test(raw) && value > 0
        ? Either.right(value)
        : fail(`${env} must be a whole number above 0, not "${raw}"`)
    }
    const maxConnections = whole("max-connections", "PAYLINKS_MAX_CONNECTIONS")
    if (Either.isLeft(maxConnections)) return Either.left(maxConnections.left)
    const headersTimeout = whole("headers-timeout", "PAYLINKS_HEADERS_TIMEOUT")
    if (Either.isLeft(headersTimeout)) return Either.left(headersTimeout.left)
    const requestTimeout = whole("request-timeout", "PAYLINKS_REQUEST_TIMEOUT")
    if (Either.isLeft(requestTimeout)) return Either.left(requestTimeout.left)
    if ((headersTimeout.right ?? 10) > (requestTimeout.right ?? 30))
      return fail("PAYLINKS_HEADERS_TIMEOUT may not be longer than PAYLINKS_REQUEST_TIMEOUT")

    const masterKey = read("master-key")
    return Either.right({
      database: Redacted.make(read("database") ?? DEFAULT_DATABASE),
      host: read("host") ?? DEFAULT_HOST,
      port,
      publicUrl: publicUrl?.replace(/\/+$/, ""),
      seedKey: keyId === undefined ? undefined : { keyId, secret: Redacted.make(secret!) },
      masterKey: masterKey === undefined ? undefined : Redacted.make(masterKey),
      authFailureLimit,
      runDispatcher,
      dispatcher: dispatcher.right,
      notifier: notifier.right,
      allowedHosts,
      maxConnections: maxConnections.right,
      headersTimeoutSeconds: headersTimeout.right,
      requestTimeoutSeconds: requestTimeout.right
    })
  })
