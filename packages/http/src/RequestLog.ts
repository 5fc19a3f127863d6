/**
 * The server's structured log: one JSON line per request, and one per fault. Lines never carry
 * secrets, Authorization headers, bodies or query strings.
 */

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

/** Writes each line as JSON to stdout (requests) or stderr (faults). */
export const stdout: Logger = (line) => {
  const text = `${JSON.stringify(line)}\n`
  if (line.level === "error") process.stderr.write(text)
  else process.stdout.write(text)
}

/** Drops every line (embedding, benchmarks). */
export const silent: Logger = () => {}
