/**
 * Where a command writes and which environment it reads: the process's own streams and variables,
 * unless a caller runs the command line in its own process with others (`Cli.run` under
 * `Effect.locally(Io.current, …)`).
 */
import * as FiberRef from "effect/FiberRef"

/** The part of a writable stream the commands use. */
export interface Sink {
  readonly write: (text: string) => boolean
  readonly once: (event: "drain", listener: () => void) => unknown
  readonly isTTY?: boolean | undefined
}

export interface Io {
  readonly stdout: Sink
  readonly stderr: Sink
  readonly env: Readonly<Record<string, string | undefined>>
}

export const current: FiberRef.FiberRef<Io> = FiberRef.unsafeMake<Io>({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env
})

/** Whether the sink is a terminal (help and progress are styled only there). */
export const isTerminal = (sink: Sink): boolean => sink.isTTY === true
