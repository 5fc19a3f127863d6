#!/usr/bin/env node
/**
 * `paylinks …`: the command line's entry point. SIGINT and SIGTERM interrupt the running command
 * (a `serve` then shuts down gracefully); the exit code is the command's, 0 when stdout's reader went away.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Cli from "./Cli.js"

// A reader that stops early (`paylinks links list | head`) closes the pipe: the rest of the answer has
// nowhere to go, which is the reader's choice and no failure of the command.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0)
  throw error
})

NodeRuntime.runMain(Cli.run(process.argv.slice(2)).pipe(Effect.provide(NodeContext.layer)), {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) ? (exit.value as number) : Cause.isInterruptedOnly(exit.cause) ? 0 : 1)
})
