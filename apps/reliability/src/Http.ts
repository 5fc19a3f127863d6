/**
 * Requests with a bound on every wait: a request that gets no complete answer within its timeout
 * is reported as such (a hang), never waited on forever. `send` speaks through `fetch`; `sendRaw`
 * writes exact bytes on a socket, for what `fetch` would refuse or repair (invalid header values,
 * raw bytes in the request line, oversized headers).
 */
import * as Net from "node:net"

export interface Answer {
  readonly _tag: "Answer"
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  /** The body as JSON, or undefined when it is not JSON. */
  readonly json: unknown
  readonly ms: number
}

/** No answer: the connection failed or closed, or the timeout passed (`timedOut`). */
export interface NoAnswer {
  readonly _tag: "NoAnswer"
  readonly error: string
  readonly timedOut: boolean
  readonly ms: number
}

export type Outcome = Answer | NoAnswer

export interface SendOptions {
  /** The `Authorization` header's value. */
  readonly auth?: string | undefined
  /** Sent as JSON. */
  readonly body?: unknown
  /** Sent as it is (instead of `body`). */
  readonly raw?: string | Uint8Array | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Default 10 s. */
  readonly timeoutMs?: number | undefined
  /** `manual` keeps redirects as answers (the hosted page's 303). Default `manual`. */
  readonly redirect?: "manual" | "follow" | undefined
}

export const basic = (keyId: string, secret: string): string =>
  `Basic ${Buffer.from(`${keyId}:${secret}`).toString("base64")}`

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** One request through `fetch`; never throws. */
export const send = async (base: string, method: string, path: string, options: SendOptions = {}): Promise<Outcome> => {
  const started = performance.now()
  const timeoutMs = options.timeoutMs ?? 10_000
  const headers: Record<string, string> = { ...options.headers }
  if (options.auth !== undefined) headers.authorization = options.auth
  let body: string | Uint8Array | undefined = options.raw
  if (options.body !== undefined && body === undefined) {
    body = JSON.stringify(options.body)
    headers["content-type"] ??= "application/json"
  }
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      redirect: options.redirect ?? "manual",
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body })
    })
    const text = await response.text()
    const answerHeaders: Record<string, string> = {}
    response.headers.forEach((value, key) => {
      answerHeaders[key] = value
    })
    return {
      _tag: "Answer",
      status: response.status,
      headers: answerHeaders,
      text,
      json: parseJson(text),
      ms: performance.now() - started
    }
  } catch (error) {
    const timedOut = (error as Error).name === "TimeoutError" || (error as Error).name === "AbortError"
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return {
      _tag: "NoAnswer",
      error: `${(error as Error).message}${cause === undefined ? "" : ` (${cause.code ?? cause.message})`}`,
      timedOut,
      ms: performance.now() - started
    }
  }
}

/** Like `send`, but an unanswered request is a test failure with the reason. */
export const answer = async (base: string, method: string, path: string, options: SendOptions = {}) => {
  const outcome = await send(base, method, path, options)
  if (outcome._tag === "NoAnswer") throw new Error(`${method} ${path}: no answer (${outcome.error})`)
  return outcome
}

/**
 * Writes `request` (a whole HTTP/1.1 request, which should say `Connection: close`) on a fresh
 * connection — from `localAddress` when given (any 127.x.y.z is a client of its own) — and reads
 * until the server closes it or `timeoutMs` passes. Never throws.
 */
export const sendRaw = (
  port: number,
  request: string | Uint8Array,
  timeoutMs = 10_000,
  localAddress?: string
): Promise<Outcome> =>
  new Promise((resolve) => {
    const started = performance.now()
    const chunks: Array<Buffer> = []
    let settled = false
    const socket = Net.connect({ port, host: "127.0.0.1", ...(localAddress === undefined ? {} : { localAddress }) })
    const finish = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    const timer = setTimeout(
      () => finish({ _tag: "NoAnswer", error: "timeout", timedOut: true, ms: performance.now() - started }),
      timeoutMs
    )
    const parse = () => {
      const data = Buffer.concat(chunks)
      const split = data.indexOf("\r\n\r\n")
      const head = (split === -1 ? data : data.subarray(0, split)).toString("latin1")
      const lines = head.split("\r\n")
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1])
      if (!Number.isInteger(status))
        return finish({
          _tag: "NoAnswer",
          error: `not an HTTP answer: ${JSON.stringify(head.slice(0, 200))}`,
          timedOut: false,
          ms: performance.now() - started
        })
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":")
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      let body = split === -1 ? Buffer.alloc(0) : data.subarray(split + 4)
      const length = Number(headers["content-length"])
      if (Number.isInteger(length)) body = body.subarray(0, length)
      const text = body.toString("utf8")
      finish({ _tag: "Answer", status, headers, text, json: parseJson(text), ms: performance.now() - started })
    }
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
    })
    // No half-close after the request: Node's server takes a client's FIN as the client going away.
    socket.once("connect", () => socket.write(request))
    // The server may close while we are still writing (an oversized request): what it answered counts.
    socket.once("error", (error) => {
      if (chunks.length > 0) parse()
      else finish({ _tag: "NoAnswer", error: error.message, timedOut: false, ms: performance.now() - started })
    })
    socket.once("close", () =>
      chunks.length > 0
        ? parse()
        : finish({
            _tag: "NoAnswer",
            error: "closed without an answer",
            timedOut: false,
            ms: performance.now() - started
          })
    )
    socket.once("end", () => parse())
  })
