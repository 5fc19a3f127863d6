/**
 * The dispatcher as a process of its own, beside (or instead of) the one in the server: it opens the
 * same database, and any number of them share the work through the outbox and delivery leases.
 *
 *   PAYLINKS_DATABASE       sqlite:<file> or postgres://… (default sqlite:./paylinks.db)
 *   PAYLINKS_MASTER_KEY     base64 of 32 bytes; required for PostgreSQL (endpoint secrets are sealed with it)
 *   PAYLINKS_PUBLIC_URL     the base of short_url, as the server has it (only read by the use-cases' settings)
 *   plus the dispatcher's (DispatcherSettings) and the notifiers' (NotifierSettings) variables.
 */
import * as IdGenerator from "@paylinks/core/IdGenerator"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as NotifierSettings from "@paylinks/notifications/NotifierSettings"
import * as Storage from "@paylinks/sql/Storage"
import type { StorageStartupError } from "@paylinks/sql/StorageError"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Dispatcher from "./Dispatcher.js"
import * as DispatcherSettings from "./DispatcherSettings.js"

export interface StandaloneConfig {
  readonly database: Redacted.Redacted<string>
  readonly masterKey: Redacted.Redacted<string> | undefined
  readonly publicUrl: string
  readonly dispatcher: DispatcherSettings.Settings
  readonly notifier: NotifierSettings.NotifierSettings
}

export class StandaloneConfigError extends Data.TaggedError("StandaloneConfigError")<{ readonly message: string }> {}

type Env = Readonly<Record<string, string | undefined>>

/** The configuration from the environment; an error names the variable at fault. */
export const fromEnv = (env: Env): Either.Either<StandaloneConfig, StandaloneConfigError> =>
  Either.gen(function* () {
    const read = (name: string) => {
      const value = env[name]?.trim()
      return value === undefined || value === "" ? undefined : value
    }
    const wrap = <A>(result: Either.Either<A, { readonly message: string }>) =>
      Either.mapLeft(result, (error) => new StandaloneConfigError({ message: error.message }))
    const masterKey = read("PAYLINKS_MASTER_KEY")
    return {
      database: Redacted.make(read("PAYLINKS_DATABASE") ?? Storage.DEFAULT_DATABASE_URL),
      masterKey: masterKey === undefined ? undefined : Redacted.make(masterKey),
      publicUrl: (read("PAYLINKS_PUBLIC_URL") ?? "http://127.0.0.1:4010").replace(/\/+$/, ""),
      dispatcher: yield* wrap(DispatcherSettings.fromEnv(env)),
      notifier: yield* wrap(NotifierSettings.fromEnv(env))
    }
  })

/** Storage, use-cases, notifiers and the polling dispatcher, as one layer. */
export const layer = (config: StandaloneConfig): Layer.Layer<Dispatcher.Dispatcher, StorageStartupError> => {
  const storage = Storage.layerFromUrl(config.database, { masterKey: config.masterKey })
  const ports = Layer.mergeAll(
    PaymentLinks.layer.pipe(Layer.provide(PaymentLinks.linkSettings(config.publicUrl))),
    NotifierSettings.layer(config.notifier)
  ).pipe(Layer.provideMerge(storage), Layer.provideMerge(IdGenerator.layerCrypto))
  return Dispatcher.layer(config.dispatcher).pipe(Layer.provide(ports))
}

/** Runs the dispatcher until interrupted. */
export const run = (config: StandaloneConfig): Effect.Effect<never, StorageStartupError> =>
  Layer.launch(layer(config)).pipe(
    Effect.zipLeft(Effect.logInfo(`paylinks dispatcher (${NotifierSettings.describe(config.notifier)})`), {
      concurrent: true
    })
  )

/**
 * The process entry: reads the environment, runs until SIGTERM or SIGINT, then stops polling and
 * exits 0 (what was in flight is released with its lease and done again by whoever claims it next).
 */
export const main = (env: Env = process.env): void => {
  const config = fromEnv(env)
  if (Either.isLeft(config)) {
    process.stderr.write(`paylinks-dispatcher: ${config.left.message}\n`)
    process.exit(2)
  }
  const fiber = Effect.runFork(run(config.right))
  const stop = () => Effect.runFork(Fiber.interrupt(fiber))
  process.once("SIGTERM", stop)
  process.once("SIGINT", stop)
  fiber.addObserver((exit) => {
    if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) process.exit(0)
    const failure = Cause.failureOption(exit.cause)
    const message =
      failure._tag === "Some" && typeof (failure.value as { message?: unknown }).message === "string"
        ? (failure.value as { message: string }).message
        : Cause.pretty(exit.cause)
    process.stderr.write(`paylinks-dispatcher: ${message}\n`)
    process.exit(1)
  })
}
