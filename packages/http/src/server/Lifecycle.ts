/**
 * The server's life: listening, the connections it holds, malformed HTTP (answered in the envelope,
 * not with Node's bare status line), and a graceful shutdown — stop accepting, close idle
 * connections at once, let the requests in flight finish (up to a timeout), then close the rest.
 */
import * as Http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as WireErrors from "@paylinks/contract/WireErrors"
import { JSON_TYPE } from "./Render.js"
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
    const server = Http.createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 }, onRequest(connections))
    server.on("connection", (socket: Socket) => {
      active.set(socket, 0)
      socket.once("close", () => active.delete(socket))
    })
    // Malformed HTTP never reaches `onRequest`; Node would answer it with a bare status line.
    server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || error.code === "ECONNRESET") return socket.destroy()
      const body = WireErrors.body(WireErrors.badRequest(WireErrors.texts.malformedRequest))
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${RequestIds.next()}\r\nconnection: close\r\n\r\n${body}`
      )
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
