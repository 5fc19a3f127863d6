/**
 * The dispatcher as a process of its own (`paylinks-dispatcher`, apps/dispatcher), beside or instead of the
 * one in the server: it opens the same database, and any number of them share the work through the outbox
 * and delivery leases. Stopped, it stops polling; what was in flight is released with its lease and done
 * again by whoever claims it next.
 *
 *   PAYLINKS_DATABASE       sqlite:<file> or postgres://… (default sqlite:./paylinks.db)
 *   PAYLINKS_MASTER_KEY     base64 of 32 bytes; required for PostgreSQL (endpoint secrets are sealed with it)
 *   PAYLINKS_PUBLIC_URL     the base of short_url, as the server has it (only read by the use-cases' settings)
 *   plus the dispatcher's (DispatcherSettings) and the notifiers' (NotifierSettings) variables.
 */
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as NotifierSettings from "@paylinks/notifications/NotifierSettings"
import type { StorageStartupError } from "@paylinks/sql/StorageError"
import * as Dispatcher from "@paylinks/webhooks/Dispatcher"
import * as DispatcherSettings from "@paylinks/webhooks/DispatcherSettings"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Database from "./Database.js"
import { ConfigError, DEFAULT_DATABASE, DEFAULT_HOST, DEFAULT_PORT, localUrl } from "./ServerConfig.js"

export interface StandaloneConfig {
  readonly database: Redacted.Redacted<string>
  readonly masterKey: Redacted.Redacted<string> | undefined
  readonly publicUrl: string
  readonly dispatcher: DispatcherSettings.Settings
  readonly notifier: NotifierSettings.NotifierSettings
}

type Env = Readonly<Record<string, string | undefined>>

/** The configuration from the environment; an error names the variable at fault. */
export const fromEnv = (env: Env): Either.Either<StandaloneConfig, ConfigError> =>
  Either.gen(function* () {
    const read = (name: string) => {
      const value = env[name]?.trim()
      return value === undefined || value === "" ? undefined : value
    }
    const wrap = <A>(result: Either.Either<A, { readonly message: string }>) =>
      Either.mapLeft(result, (error) => new ConfigError({ message: error.message }))
    const masterKey = read("PAYLINKS_MASTER_KEY")
    return {
      database: Redacted.make(read("PAYLINKS_DATABASE") ?? DEFAULT_DATABASE),
      masterKey: masterKey === undefined ? undefined : Redacted.make(masterKey),
      publicUrl: (read("PAYLINKS_PUBLIC_URL") ?? localUrl(DEFAULT_HOST, DEFAULT_PORT)).replace(/\/+$/, ""),
      dispatcher: yield* wrap(DispatcherSettings.fromEnv(env)),
      notifier: yield* wrap(NotifierSettings.fromEnv(env))
    }
  })

/** Storage, use-cases, notifiers and the polling dispatcher, as one layer. */
export const layer = (config: StandaloneConfig): Layer.Layer<Dispatcher.Dispatcher, StorageStartupError> => {
  const ports = Layer.mergeAll(
    PaymentLinks.layer.pipe(Layer.provide(PaymentLinks.linkSettings(config.publicUrl))),
    NotifierSettings.layer(config.notifier)
  ).pipe(Layer.provideMerge(Database.layer(config.database, { masterKey: config.masterKey })))
  return Dispatcher.layer(config.dispatcher).pipe(Layer.provide(ports))
}

/** Runs the dispatcher until interrupted. */
export const run = (config: StandaloneConfig): Effect.Effect<never, StorageStartupError> =>
  Layer.launch(layer(config)).pipe(
    Effect.zipLeft(Effect.logInfo(`paylinks dispatcher (${NotifierSettings.describe(config.notifier)})`), {
      concurrent: true
    })
  )
