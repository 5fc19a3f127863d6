/**
 * How every paylinks process runs its program: `NodeRuntime.runMain` interrupts it on SIGINT or SIGTERM, which
 * closes its scope (each program says what that stops, in which order), and the exit code tells how it ended —
 * 0 when it finished or was stopped, 2 for a configuration error, 1 for anything else, with its message on
 * stderr after the process's name.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"

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
 * Runs `program` as the process. Effect's default logger is kept as it is (a program that wants JSON lines
 * replaces it), and failures are reported here, once, as `<name>: <message>`.
 */
export const run = <E>(name: string, program: Effect.Effect<void, E>): void =>
  NodeRuntime.runMain(
    program.pipe(
      Effect.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.void
          : Effect.sync(() => process.stderr.write(`${name}: ${describe(cause)}\n`))
      )
    ),
    { disableErrorReporting: true, disablePrettyLogger: true, teardown: (exit, onExit) => onExit(exitCode(exit)) }
  )
