/**
 * The server's structured log: one JSON line per request, and one per fault. Lines never carry
 * secrets, Authorization headers, bodies or query strings. Every other line a paylinks process writes
 * (start-up, the dispatcher, shutdown) has the same shape — `{"time","level","msg",…}`, `msg` naming the
 * kind of line — and goes out through `write`, after the request lines still held.
 */
import * as Cause from "effect/Cause"

/** One answered request. */
export interface RequestLine {
  readonly time: string
  readonly level: "info"
  readonly msg: "request"
  readonly method: string
  /** The path without its query string (queries may carry customer data). */
  readonly path: string
  readonly status: number
  readonly latency_ms: number
  /** The authenticated merchant, or null when the request was not (or could not be) authenticated. */
  readonly merchant_id: string | null
  readonly request_id: string
}

/** A server fault: what went wrong, for operators; the client only saw the request id. */
export interface FaultLine {
  readonly time: string
  readonly level: "error"
  readonly msg: "fault"
  readonly method: string
  readonly path: string
  readonly request_id: string
  readonly cause: string
}

export type Line = RequestLine | FaultLine

export type Logger = (line: Line) => void

/** The levels of every paylinks log line, least severe first. */
export type Level = "debug" | "info" | "warn" | "error"

export const levels: ReadonlyArray<Level> = ["debug", "info", "warn", "error"]

/** Whether a line of `level` is written when the log's minimum level is `minimum`. */
export const enabled = (minimum: Level, level: Level): boolean => levels.indexOf(level) >= levels.indexOf(minimum)

/** Request lines waiting for the end of the event loop's turn. */
let pending: Array<string> = []
let pendingBytes = 0
let scheduled = false
let hooked = false

/** A turn's lines in one write; past this size they are written at once rather than held. */
const FLUSH_BYTES = 64 * 1024

const flush = (): void => {
  scheduled = false
  if (pending.length === 0) return
  const text = pending.join("")
  pending = []
  pendingBytes = 0
  process.stdout.write(text)
}

/**
 * Writes each line as JSON to stdout (requests) or stderr (faults). A write to a file or pipe is a
 * synchronous system call, which cost about an eighth of a fetch's time when made per request: the
 * request lines answered in one turn of the event loop go out in one write at its end. Writes to
 * stdout are synchronous on Linux, so the last turn's lines are written on `exit` (SIGTERM included:
 * the server exits through `process.exit`). Faults are written at once, unbuffered.
 */
export const stdout: Logger = (line) => {
  const text = `${JSON.stringify(line)}\n`
  if (line.level === "error") {
    flush()
    process.stderr.write(text)
    return
  }
  pending.push(text)
  pendingBytes += text.length
  if (pendingBytes >= FLUSH_BYTES) return flush()
  if (!hooked) {
    hooked = true
    process.once("exit", flush)
  }
  if (!scheduled) {
    scheduled = true
    setImmediate(flush)
  }
}

/**
 * Writes one line of any kind at once: debug and info on stdout, warnings and errors on stderr. The
 * request lines still held are written first, so the lines keep their order.
 */
export const write = (line: {
  readonly level: Level
  readonly msg: string
  readonly [field: string]: unknown
}): void => {
  flush()
  const text = `${JSON.stringify(line)}\n`
  if (line.level === "debug" || line.level === "info") process.stdout.write(text)
  else process.stderr.write(text)
}

/** `logger` at a minimum level: request lines (info) are dropped above info, faults (error) never. */
export const atLevel = (minimum: Level, logger: Logger): Logger =>
  enabled(minimum, "info") ? logger : (line) => (line.level === "error" ? logger(line) : undefined)

/** Drops every line (embedding, benchmarks). */
export const silent: Logger = () => {}

/**
 * A fault's cause for the log: Effect's rendering, then the chain of `cause`s below each error —
 * where drivers say what really went wrong (`SqlError: Failed to execute statement` is caused by
 * `SqliteError (SQLITE_FULL): database or disk is full`).
 */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const lines = [Cause.pretty(cause)]
  const seen = new Set<unknown>()
  for (const error of [...Cause.failures(cause), ...Cause.defects(cause)]) {
    let below = typeof error === "object" && error !== null ? (error as { cause?: unknown }).cause : undefined
    while (typeof below === "object" && below !== null && !seen.has(below) && seen.size < 10) {
      seen.add(below)
      const { name, code, message } = below as { name?: unknown; code?: unknown; message?: unknown }
      lines.push(
        `caused by: ${typeof name === "string" ? name : "Error"}${typeof code === "string" ? ` (${code})` : ""}: ${String(message)}`
      )
      below = (below as { cause?: unknown }).cause
    }
  }
  return lines.join("\n")
}
