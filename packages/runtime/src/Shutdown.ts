/**
 * How a process stops on SIGTERM or SIGINT before its program runs, and the server's line when it
 * stops. A process's main module imports only this (it imports nothing), so the signals are handled
 * from its first milliseconds: loading the program's modules takes a while, and a signal that arrives
 * meanwhile would otherwise end the process with Node's default (exit 143 for SIGTERM) instead of 0.
 */

/** The server's last log line, in the format of its other lines (one JSON object). */
export interface StoppedLine {
  readonly time: string
  readonly level: "info"
  readonly msg: "shutdown"
  readonly message: string
}

/** The line the server writes once it has stopped. */
export const stoppedLine = (message = "paylinks stopped"): StoppedLine => ({
  time: new Date().toISOString(),
  level: "info",
  msg: "shutdown",
  message
})

/** Writes the stopped line on stdout (synchronously on files and pipes, so it is out before the process exits). */
export const writeStopped = (message?: string): void => {
  process.stdout.write(`${JSON.stringify(stoppedLine(message))}\n`)
}

/**
 * Until the returned `release` is called, SIGTERM and SIGINT end the process at once with exit code 0,
 * after `onSignal`: nothing is open yet, so there is nothing to close. Call `release` right after the
 * program has installed its own handlers (`Main.run` does so before it returns), in the same turn of the
 * event loop: a signal's listeners must never drop to none in between, since Node then closes its watch of
 * the signal and a signal arriving while it is reopened can be lost (the process would not stop).
 */
export const holdSignals = (onSignal: () => void = () => {}): (() => void) => {
  const stop = () => {
    onSignal()
    process.exit(0)
  }
  process.once("SIGTERM", stop)
  process.once("SIGINT", stop)
  return () => {
    process.removeListener("SIGTERM", stop)
    process.removeListener("SIGINT", stop)
  }
}
