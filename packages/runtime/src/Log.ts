/**
 * One log format for every paylinks process: JSON lines shaped like the request log's
 * (`{"time","level","msg",…}`, `RequestLog`), Effect's own log calls included, at the minimum level
 * `PAYLINKS_LOG_LEVEL` names (debug, info, warn or error; default info). Debug and info go to stdout,
 * warnings and errors to stderr.
 *
 * An Effect log line's `msg` is its `msg` annotation (`Effect.annotateLogs("msg", "dispatcher")`),
 * otherwise the process's; its text is `message`, its other annotations are fields of their own, and
 * the failure behind it, if any, is `cause`.
 */
import * as RequestLog from "@paylinks/http/RequestLog"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { ConfigError } from "./ServerConfig.js"

export type Level = RequestLog.Level

export const DEFAULT_LEVEL: Level = "info"

/** `PAYLINKS_LOG_LEVEL`; an unknown level is a configuration error naming the variable. */
export const levelFromEnv = (env: Readonly<Record<string, string | undefined>>): Either.Either<Level, ConfigError> => {
  const given = env.PAYLINKS_LOG_LEVEL?.trim().toLowerCase()
  if (given === undefined || given === "") return Either.right(DEFAULT_LEVEL)
  const level = RequestLog.levels.find((known) => known === given || (given === "warning" && known === "warn"))
  return level === undefined
    ? Either.left(
        new ConfigError({
          message: `PAYLINKS_LOG_LEVEL must be one of ${RequestLog.levels.join(", ")}, not ${JSON.stringify(env.PAYLINKS_LOG_LEVEL)}`
        })
      )
    : Either.right(level)
}

const toEffect: Record<Level, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warning,
  error: LogLevel.Error
}

/** The paylinks level of an Effect level (trace is debug, fatal is error). */
export const fromEffect = (level: LogLevel.LogLevel): Level =>
  level.ordinal <= LogLevel.Debug.ordinal
    ? "debug"
    : level.ordinal <= LogLevel.Info.ordinal
      ? "info"
      : level.ordinal <= LogLevel.Warning.ordinal
        ? "warn"
        : "error"

/** The minimum level the current fiber logs at, as a paylinks level. */
export const currentLevel: Effect.Effect<Level> = Effect.map(FiberRef.get(FiberRef.currentMinimumLogLevel), fromEffect)

/** Effect's log calls as JSON lines; `msg` when a line has no `msg` annotation. */
export const json = (msg: string): Logger.Logger<unknown, void> =>
  Logger.make(({ logLevel, message, cause, date, annotations }) => {
    if (logLevel._tag === "None") return
    const line: Record<string, unknown> = { time: date.toISOString(), level: fromEffect(logLevel), msg }
    for (const [key, value] of HashMap.toEntries(annotations)) line[key] = value
    line.message = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    if (!Cause.isEmpty(cause)) line.cause = RequestLog.describeCause(cause)
    RequestLog.write(line as { readonly level: Level; readonly msg: string })
  })

const isEffectsOwn = (logger: Logger.Logger<unknown, any>) =>
  logger === Logger.defaultLogger || logger === Logger.prettyLoggerDefault

/**
 * Runs `effect` with Effect's own logger (logfmt, or the pretty one) replaced by `json(msg)`; a logger an
 * embedder installed stays. With `level`, at that minimum level.
 */
export const withJson =
  (msg: string, level?: Level) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    const logged = Effect.locallyWith(effect, FiberRef.currentLoggers, (loggers) =>
      HashSet.some(loggers, isEffectsOwn)
        ? HashSet.add(
            HashSet.filter(loggers, (logger) => !isEffectsOwn(logger)),
            json(msg)
          )
        : loggers
    )
    return level === undefined ? logged : Effect.locally(logged, FiberRef.currentMinimumLogLevel, toEffect[level])
  }
