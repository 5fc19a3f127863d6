/**
 * The process around the command line: SIGINT and SIGTERM interrupt the running command (a `serve`
 * then shuts down gracefully); the exit code is the command's.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Cli from "./Cli.js"

/** What @effect/cli needs of the platform, and no more (no child processes, no workers). */
export const environment = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/** Runs the command line (without `node` and the script) as the process. */
export const main = (args: ReadonlyArray<string>): void =>
  NodeRuntime.runMain(Cli.run(args).pipe(Effect.provide(environment)), {
    disableErrorReporting: true,
    teardown: (exit, onExit) =>
      onExit(Exit.isSuccess(exit) ? (exit.value as number) : Cause.isInterruptedOnly(exit.cause) ? 0 : 1)
  })
