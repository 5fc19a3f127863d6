/**
 * The `paylinks` command tree and how its outcome becomes an exit code: 0 on success, 1 when the API
 * refused the command (its description on stderr, exactly as a server words it) or the environment
 * failed, 2 when the command line itself is wrong.
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as AdminCommand from "./AdminCommand.js"
import { type CliError, exitCodes } from "./CliError.js"
import * as InboxCommand from "./InboxCommand.js"
import * as Io from "./Io.js"
import * as LinksCommand from "./LinksCommand.js"
import * as Output from "./Output.js"
import * as PaymentLinksCommand from "./PaymentLinksCommand.js"
import * as ServeCommand from "./ServeCommand.js"
import { VERSION } from "./Version.js"
import * as WebhooksCommand from "./WebhooksCommand.js"

export { VERSION } from "./Version.js"

export const root = Command.make("paylinks").pipe(
  Command.withDescription(
    "Razorpay-compatible Payment Links: on the local database (default) or a server (--server URL)."
  ),
  Command.withSubcommands([
    ServeCommand.command,
    ...AdminCommand.commands,
    LinksCommand.command,
    PaymentLinksCommand.command,
    InboxCommand.command,
    WebhooksCommand.command
  ])
)

const cli = Command.run(root, { name: "paylinks", version: VERSION })

const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")
const plain = (args: ReadonlyArray<unknown>) =>
  args.map((arg) => (typeof arg === "string" ? arg.replace(ANSI_STYLE, "") : arg))

/** Help and usage errors are styled for a terminal; into a pipe or a file they go as plain text. */
const plainWhenPiped = <A, E, R>(effect: Effect.Effect<A, E, R>, io: Io.Io) =>
  Console.consoleWith((base) =>
    Effect.withConsole(effect, {
      ...base,
      log: (...args) => base.log(...(Io.isTerminal(io.stdout) ? args : plain(args))),
      error: (...args) => base.error(...(Io.isTerminal(io.stderr) ? args : plain(args)))
    })
  )

/** The flags' fallback variables are read from `Io.current`'s environment. */
const withEnvironment = <A, E, R>(effect: Effect.Effect<A, E, R>, io: Io.Io) => {
  const variables = new Map<string, string>()
  for (const [name, value] of Object.entries(io.env)) if (value !== undefined) variables.set(name, value)
  return Effect.withConfigProvider(effect, ConfigProvider.fromMap(variables))
}

/** Runs the command line (without `node` and the script) and answers with the exit code. */
export const run = (args: ReadonlyArray<string>) =>
  Effect.flatMap(FiberRef.get(Io.current), (io) =>
    withEnvironment(plainWhenPiped(cli(["node", "paylinks", ...args]), io), io)
  ).pipe(
    Effect.as(exitCodes.ok),
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.succeed(exitCodes.ok)
      const failure = Cause.failureOption(cause)
      if (Option.isNone(failure))
        return Effect.as(Output.err(`paylinks: unexpected failure\n${Cause.pretty(cause)}`), exitCodes.refused)
      const error = failure.value as CliError | ValidationError.ValidationError
      // @effect/cli has already printed what was wrong with the command line.
      if (ValidationError.isValidationError(error)) return Effect.succeed(exitCodes.usage)
      switch (error._tag) {
        case "Refused":
          return Effect.as(Output.err(error.description), exitCodes.refused)
        case "UsageError":
          return Effect.as(Output.err(error.message), exitCodes.usage)
        case "EnvironmentError":
        case "RowsRefused":
          return Effect.as(Output.err(error.message), exitCodes.refused)
      }
    })
  )
