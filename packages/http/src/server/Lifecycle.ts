/**
 * The server's life: listening, the connections it holds (at most `maxConnections`: one more is
 * answered 503 and closed), slow requests (cut after `headersTimeoutSeconds` without a complete head
 * and `requestTimeoutSeconds` without a complete request: 408), everything Node would answer by itself
 * (malformed HTTP, oversized headers, an unknown `Expect`) in the envelope with an `X-Request-Id`, not
 * with Node's bare status line, and a graceful shutdown — stop accepting, close idle connections at
 * once, let the requests in flight finish (up to a timeout), then close the rest.
 */
import * as Http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as WireErrors from "@paylinks/contract/WireErrors"
import { busyReply, statusReply, texts } from "./Admission.js"
import { errorReply, type Reply } from "./Render.js"
import * as RequestIds from "./RequestIds.js"

export class ListenError extends Data.TaggedError("ListenError")<{ readonly cause: unknown }> {
  override get message(): string {
    return this.cause instanceof Error ? this.cause.message : String(this.cause)
  }
}

export interface Running {
  /** `http://host:port`, as a client would reach it. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly server: Http.Server
}

/**
 * Requests being answered on each open connection: at shutdown, connections with none are closed at
 * once (Node's own idle tracking misses connections that never sent a request).
 */
export interface Connections {
  readonly closing: () => boolean
  readonly started: (socket: Socket) => void
  readonly finished: (socket: Socket) => void
}

export interface Settings {
  readonly host?: string | undefined
  readonly port?: number | undefined
  /** How long shutdown waits for requests in flight before closing their connections. Default 30 s. */
  readonly shutdownTimeoutMillis?: number | undefined
  /** Connections held at once; one more is answered 503 and closed. Default 1024. */
  readonly maxConnections?: number | undefined
  /** How long a request's head may take to arrive. Default 10 s. */
  readonly headersTimeoutSeconds?: number | undefined
  /** How long a whole request (head and body) may take to arrive. Default 30 s. */
  readonly requestTimeoutSeconds?: number | undefined
}

export const DEFAULT_MAX_CONNECTIONS = 1024
export const DEFAULT_HEADERS_TIMEOUT_SECONDS = 10
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  417: "Expectation Failed",
  503: "Service Unavailable"
}

/** A reply written straight to a socket that has no `ServerResponse` (or whose request Node refused), then closed. */
const rawReply = (reply: Reply): string => {
  const body = typeof reply.body === "string" ? reply.body : Buffer.from(reply.body).toString("utf8")
  return (
    `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? "Error"}\r\ncontent-type: ${reply.contentType}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nx-content-type-options: nosniff\r\n` +
    `x-request-id: ${RequestIds.next()}\r\nconnection: close\r\n\r\n${body}`
  )
}

/** What Node's parser refused, as the envelope. */
const clientErrorReply = (error: NodeJS.ErrnoException): Reply => {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return statusReply(408, texts.timeout)
    // 400, not 431: some clients treat 431 specially; the text says what was wrong.
    case "HPE_HEADER_OVERFLOW":
      return errorReply(WireErrors.badRequest(texts.headersTooLarge))
    default:
      return errorReply(WireErrors.badRequest(WireErrors.texts.malformedRequest))
  }
}

/** Serves `onRequest` in the current scope; closing the scope shuts the server down gracefully. */
export const serve = (
  settings: Settings,
  onRequest: (connections: Connections) => (req: Http.IncomingMessage, res: Http.ServerResponse) => void
): Effect.Effect<Running, ListenError, Scope.Scope> =>
  Effect.gen(function* () {
    const state = { closing: false }
    const active = new Map<Socket, number>()
    const connections: Connections = {
      closing: () => state.closing,
      started: (socket) => active.set(socket, (active.get(socket) ?? 0) + 1),
      finished: (socket) => {
        const left = (active.get(socket) ?? 1) - 1
        active.set(socket, left)
        if (state.closing && left === 0) socket.destroySoon()
      }
    }
    const headersTimeout = (settings.headersTimeoutSeconds ?? DEFAULT_HEADERS_TIMEOUT_SECONDS) * 1000
    const requestTimeout = Math.max(
      headersTimeout,
      (settings.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000
    )
    const maxConnections = settings.maxConnections ?? DEFAULT_MAX_CONNECTIONS
    const handler = onRequest(connections)
    const server = Http.createServer(
      {
        keepAliveTimeout: 5_000,
        headersTimeout,
        requestTimeout,
        // Node looks for expired requests this often (default 30 s, which let slow requests live 60–90 s).
        connectionsCheckingInterval: Math.max(250, Math.min(1_000, headersTimeout / 4)),
        // A request without `Host` is refused by `Admission`, in the envelope, not by Node with a bare 400.
        requireHostHeader: false
      },
      handler
    )
    // Without a listener, Node answers `100 Continue` before the request is even routed; the body is
    // asked for only once the request is admitted and authenticated (`Exchange`).
    server.on("checkContinue", handler)
    server.on("checkExpectation", (req: Http.IncomingMessage, res: Http.ServerResponse) => {
      const reply = statusReply(417, WireErrors.texts.malformedRequest)
      res.writeHead(417, {
        "content-type": reply.contentType,
        "content-length": Buffer.byteLength(reply.body as string),
        "x-content-type-options": "nosniff",
        "x-request-id": RequestIds.pick(req.headers["x-request-id"]),
        connection: "close"
      })
      res.end(reply.body)
    })
    server.on("connection", (socket: Socket) => {
      if (active.size >= maxConnections) {
        // Not read from (so no request is parsed on it): answered, then closed once the answer is out.
        socket.pause()
        socket.on("error", () => socket.destroy())
        socket.end(rawReply(busyReply()), () => socket.destroy())
        return
      }
      active.set(socket, 0)
      socket.once("close", () => active.delete(socket))
    })
    // Malformed HTTP and slow requests never reach `onRequest`; Node would answer them with a bare status line.
    server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
      const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
      if (!socket.writable || error.code === "ECONNRESET" || inFlight?.headersSent === true) return socket.destroy()
      socket.end(rawReply(clientErrorReply(error)))
    })

    const host = settings.host ?? "127.0.0.1"
    yield* Effect.async<void, ListenError>((resume) => {
      const onError = (cause: unknown) => resume(Effect.fail(new ListenError({ cause })))
      server.once("error", onError)
      server.listen(settings.port ?? 0, host, () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        state.closing = true
        const timer = setTimeout(() => server.closeAllConnections(), settings.shutdownTimeoutMillis ?? 30_000)
        server.close(() => {
          clearTimeout(timer)
          resume(Effect.void)
        })
        for (const [socket, requests] of active) if (requests === 0) socket.destroy()
      })
    )
    const port = (server.address() as AddressInfo).port
    const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host
    return { url: `http://${urlHost}:${port}`, host, port, server }
  })
