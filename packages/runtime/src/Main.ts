/**
 * How every paylinks process runs its program: `NodeRuntime.runMain` interrupts it on SIGINT or SIGTERM, which
 * closes its scope (each program says what that stops, in which order), and the exit code tells how it ended —
 * 0 when it finished or was stopped, 2 for a configuration error, 1 for anything else, with its message on
 * stderr after the process's name. Its log is JSON lines (`Log`) at the level `PAYLINKS_LOG_LEVEL` names.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Log from "./Log.js"

/** What a failure says: its own message when it has one, otherwise Effect's rendering of the cause. */
export const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const message = (failure.value as { readonly message?: unknown } | null)?.message
    if (typeof message === "string") return message
  }
  return Cause.pretty(cause)
}

const isConfigError = (cause: Cause.Cause<unknown>): boolean =>
  Option.match(Cause.failureOption(cause), {
    onNone: () => false,
    onSome: (error) => (error as { readonly _tag?: unknown } | null)?._tag === "ConfigError"
  })

/** The exit code of a program that ended with `exit`. */
export const exitCode = (exit: Exit.Exit<unknown, unknown>): number =>
  Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause) ? 0 : isConfigError(exit.cause) ? 2 : 1

/**
 * Runs `program` as the process, its log as JSON lines (`Log.withJson`, `msg` the process's name unless a
 * line says otherwise) at `PAYLINKS_LOG_LEVEL`. Failures are reported here, once, as `<name>: <message>`: the
 * one line that is not JSON, since it is the answer to whoever started the process.
 */
export const run = <E>(name: string, program: Effect.Effect<void, E>): void =>
  NodeRuntime.runMain(
    Effect.flatMap(Log.levelFromEnv(process.env), (level) => program.pipe(Log.withJson(name, level))).pipe(
      Effect.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.void
          : Effect.sync(() => process.stderr.write(`${name}: ${describe(cause)}\n`))
      )
    ),
    { disableErrorReporting: true, disablePrettyLogger: true, teardown: (exit, onExit) => onExit(exitCode(exit)) }
  )
