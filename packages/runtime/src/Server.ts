/**
 * The composition root: configuration → storage → use-cases → the listening HTTP server, plus the
 * expiry sweeper and (unless configured off) the webhook and notification dispatcher, the outbox's one
 * consumer. `make` runs in a scope; closing it stops the sweeper, stops accepting and lets the requests
 * in flight finish, stops the dispatcher and closes the database, in that order. `apps/server` runs
 * it as its process (`run`), the CLI's `serve` as a command.
 *
 * Nothing that can wait delays the listening line: the dispatcher (and with it the HTTP client that
 * delivers webhooks) is loaded and started once the server answers, and the PostgreSQL, SMTP and SMS
 * drivers are loaded only when the configuration names them.
 *
 * Every line it writes is JSON (`Log`): the request log, the start-up lines (`msg` "startup", "credentials",
 * "listening"), the dispatcher's (`msg` "dispatcher"), at the current minimum log level — except the
 * generated key pair, written whatever the level since it is shown only once.
 */
import * as ExpirySweep from "@paylinks/core/ExpirySweep"
import type { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import type { Inbox } from "@paylinks/core/Inbox"
import type { Merchants } from "@paylinks/core/Merchants"
import * as PaymentGateway from "@paylinks/core/PaymentGateway"
import type { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import type { TestClocks } from "@paylinks/core/TestClocks"
import type * as NodeServer from "@paylinks/http/NodeServer"
import * as PaylinksServer from "@paylinks/http/PaylinksServer"
import * as Readiness from "@paylinks/http/Readiness"
import * as RequestLog from "@paylinks/http/RequestLog"
import * as NotifierSettings from "@paylinks/notifications/NotifierSettings"
import type { StorageStartupError } from "@paylinks/sql/StorageError"
import { StorageHealth } from "@paylinks/sql/StorageHealth"
import type * as Dispatcher from "@paylinks/webhooks/Dispatcher"
import * as Wake from "@paylinks/webhooks/Wake"
import * as WebhookRegistry from "@paylinks/webhooks/WebhookRegistry"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Bootstrap from "./Bootstrap.js"
import * as Database from "./Database.js"
import * as Log from "./Log.js"
import { localUrl, type ServerConfig } from "./ServerConfig.js"
import * as Shutdown from "./Shutdown.js"

export interface Options {
  /** The request log; default one JSON line per request on stdout (none below info). */
  readonly logger?: RequestLog.Logger | undefined
  /** Human-readable startup lines (URL, generated key pair); default JSON lines on stdout (`Log`). */
  readonly print?: ((line: string) => void) | undefined
  /** How often expired links are stored as expired (and their events emitted). Default 30 s; 0 disables. */
  readonly sweepIntervalMillis?: number | undefined
  /** How long shutdown waits for requests in flight. Default 30 s. */
  readonly shutdownTimeoutMillis?: number | undefined
  /** Where live-mode customers pay on the hosted page. Default none: live links cannot be paid there. */
  readonly paymentGateway?: Layer.Layer<PaymentGateway.PaymentGateway> | undefined
  /**
   * The background work's log (the dispatcher's); default Effect's current logger, JSON lines (`Log`) in place
   * of Effect's own, warnings and errors on stderr.
   */
  readonly log?: ((line: LogLine) => void) | undefined
}

/** One line of the background work's log. */
export interface LogLine {
  readonly time: string
  readonly level: "info" | "warn" | "error"
  readonly msg: "dispatcher"
  readonly message: string
  /** The failure behind an error, as Effect renders it. */
  readonly cause?: string
}

/** The services the server runs on, for embedders and tests that act beside the API (a sandbox payment). */
export type Services =
  | PaymentLinks.PaymentLinks
  | Merchants
  | TestClocks
  | PaymentLinkRepository
  | IdempotencyStore
  | StorageHealth
  | WebhookRegistry.WebhookRegistry
  | Inbox
  | Dispatcher.Requirements

/** A started server. */
export interface Started extends NodeServer.Running {
  /** The base of every `short_url`. */
  readonly publicUrl: string
  /** The running services (valid until the scope closes). */
  readonly context: Context.Context<Services>
  /** The key pair generated on a fresh database (its secret is shown this once), if any. */
  readonly generatedKey: { readonly keyId: string; readonly secret: string } | undefined
}

export type StartupError = StorageStartupError | NodeServer.ListenError

/**
 * Stores the expiry of due links in the background (core's `ExpirySweep`, test clocks included), so
 * their events leave even if nobody reads the links.
 */
const sweeper = (intervalMillis: number, logger: RequestLog.Logger) =>
  ExpirySweep.tick().pipe(
    Effect.catchAllCause((cause) =>
      Effect.sync(() =>
        logger({
          time: new Date().toISOString(),
          level: "error",
          msg: "fault",
          method: "SWEEP",
          path: "",
          request_id: "",
          cause: RequestLog.describeCause(cause)
        })
      )
    ),
    Effect.repeat(Schedule.spaced(intervalMillis)),
    Effect.forkScoped
  )

/** Effect's log (what the dispatcher reports) as `LogLine`s; debug and trace stay out. */
const backgroundLogger = (log: (line: LogLine) => void) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message, cause, date }) => {
      if (logLevel._tag === "Debug" || logLevel._tag === "Trace" || logLevel._tag === "None") return
      const level = logLevel._tag === "Info" ? "info" : logLevel._tag === "Warning" ? "warn" : "error"
      const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
      log({
        time: date.toISOString(),
        level,
        msg: "dispatcher",
        message: text,
        ...(Cause.isEmpty(cause) ? {} : { cause: RequestLog.describeCause(cause) })
      })
    })
  )

/** A start-up line: `options.print`'s text, or a JSON line of kind `msg` with `fields`. */
const say =
  (print: Options["print"]) =>
  (msg: string, message: string, fields: Record<string, string> = {}): Effect.Effect<void> =>
    print !== undefined
      ? Effect.sync(() => print(message))
      : Effect.logInfo(message).pipe(Effect.annotateLogs({ msg, ...fields }))

/** Starts everything the configuration describes, in the current scope. */
export const make = (config: ServerConfig, options: Options = {}): Effect.Effect<Started, StartupError, Scope.Scope> =>
  Effect.gen(function* () {
    const startup = say(options.print)
    const logger = options.logger ?? RequestLog.atLevel(yield* Log.currentLevel, RequestLog.stdout)
    // With port 0 the public URL is only known once listening; the use-cases read it per link.
    const publicUrl = { value: config.publicUrl ?? localUrl(config.host, config.port) }
    const settings = Layer.succeed(PaymentLinks.LinkSettings, {
      get publicUrl() {
        return publicUrl.value
      }
    })
    // Its link writes wake this process's dispatcher: their events need not wait for its next poll.
    const storage = Wake.onWrites(Database.layer(config.database, { masterKey: config.masterKey }))
    const readiness = Readiness.fromPing(Effect.flatMap(StorageHealth, (health) => health.ping))
    const registry = WebhookRegistry.layer({
      allowPrivateAddresses: config.dispatcher.allowPrivateAddresses,
      retryWindowSeconds: config.dispatcher.retryWindowSeconds
    })
    const app = Layer.mergeAll(
      PaymentLinks.layer,
      readiness,
      options.paymentGateway ?? PaymentGateway.layerNone,
      registry,
      NotifierSettings.layer(config.notifier)
    ).pipe(Layer.provideMerge(Layer.mergeAll(storage, settings)))
    const context = yield* Layer.build(app)
    // Opened before the server so that it closes after it: requests in flight still get their events
    // relayed, and the dispatcher is gone before the database closes.
    const dispatcherScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    return yield* Effect.gen(function* () {
      const generatedKey = yield* Bootstrap.ensureCredentials(config.seedKey)
      const running = yield* PaylinksServer.make({
        host: config.host,
        port: config.port,
        logger,
        shutdownTimeoutMillis: options.shutdownTimeoutMillis,
        authFailureLimit: config.authFailureLimit,
        publicHosts:
          config.allowedHosts === "any"
            ? "any"
            : [...(config.publicUrl === undefined ? [] : [config.publicUrl]), ...(config.allowedHosts ?? [])],
        maxConnections: config.maxConnections,
        headersTimeoutSeconds: config.headersTimeoutSeconds,
        requestTimeoutSeconds: config.requestTimeoutSeconds
      })
      if (config.publicUrl === undefined) publicUrl.value = localUrl(config.host, running.port)
      const interval = options.sweepIntervalMillis ?? 30_000
      if (interval > 0) yield* sweeper(interval, logger)
      if (generatedKey !== undefined) {
        if (options.print !== undefined) options.print(Bootstrap.announcement(generatedKey))
        else
          RequestLog.write({
            time: new Date().toISOString(),
            level: "info",
            msg: "credentials",
            key_id: generatedKey.keyId,
            // The values stand between spaces, as in the plain-text announcement, for whoever copies them out.
            message: `A merchant and a test key pair were created: key_id: ${generatedKey.keyId} key_secret: ${generatedKey.secret} (the secret is shown this once)`
          })
      }
      yield* startup("startup", `notifications: ${NotifierSettings.describe(config.notifier)}`)
      yield* startup(
        "startup",
        config.runDispatcher
          ? `webhooks and notifications: delivered by this process (dispatcher ${config.dispatcher.workerId})`
          : "webhooks and notifications: not delivered by this process (dispatcher off); run paylinks-dispatcher"
      )
      // The last startup line: once it is out, the server answers. The URL is followed by a space (and `url`
      // holds it alone), so that scraping the text for `listening on <url>` stops where the URL does.
      yield* startup("listening", `paylinks listening on ${running.url} (ready)`, { url: running.url })
      // Started once the public URL is known (notifications print `short_url`) and the server answers: what the
      // requests store meanwhile waits in the outbox, which the dispatcher's first pass relays.
      if (config.runDispatcher) {
        const Dispatcher = yield* Effect.promise(() => import("@paylinks/webhooks/Dispatcher"))
        const build = Layer.buildWithScope(Dispatcher.layer(config.dispatcher), dispatcherScope)
        yield* options.log === undefined
          ? build.pipe(Effect.annotateLogs("msg", "dispatcher"))
          : build.pipe(Effect.provide(backgroundLogger(options.log)))
      }
      return { ...running, publicUrl: publicUrl.value, generatedKey, context }
    }).pipe(Effect.provide(context))
  }).pipe(Log.withJson("paylinks"))

/**
 * The server as a process: `make`, then serve until interrupted (SIGTERM or SIGINT through `Main.run`); once
 * everything has stopped, its last line (`Shutdown.stoppedLine`) says so — also when the signal came during
 * start-up (migrations, seeding).
 */
export const run = (config: ServerConfig, options: Options = {}): Effect.Effect<never, StartupError> =>
  Effect.scoped(Effect.zipRight(make(config, options), Effect.never)).pipe(
    Effect.onInterrupt(() => Effect.sync(() => Shutdown.writeStopped()))
  )
