/**
 * The server's request path without a socket: a request as bytes in, the reply as bytes out, through
 * exactly the router and program `NodeServer` serves (the same handlers, rendering, idempotency,
 * envelopes and fault handling). For callers that hold the database themselves and so already know
 * who they act as — the CLI's local mode: the request carries no credentials, its `principal` is the
 * caller of every authenticated endpoint.
 */
import type * as Http from "node:http"
import type * as HttpApi from "@effect/platform/HttpApi"
import type { Principal } from "@paylinks/core/Merchants"
import * as Effect from "effect/Effect"
import * as NodeServer from "./NodeServer.js"
import * as RequestLog from "./RequestLog.js"
import type { Handlers } from "./server/Handler.js"
import type { Incoming } from "./server/Program.js"
import type { Reply } from "./server/Render.js"
import * as RequestIds from "./server/RequestIds.js"

export interface Request {
  readonly method: string
  /** The path and query, as on a request line: `/v1/invoices?count=2`. */
  readonly url: string
  /** Lower-case names, as Node gives them. */
  readonly headers?: Http.IncomingHttpHeaders | undefined
  readonly body?: Uint8Array | undefined
  /** The caller of authenticated endpoints (no credentials are looked at). */
  readonly principal: Principal
}

export interface Response {
  readonly status: number
  /** Lower-case names: what the socket server would write (`content-type`, `content-length`, `x-request-id`, …). */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

export type Call = (request: Request) => Effect.Effect<Response>

export interface Options<A, H, RR = never> {
  readonly api: A
  readonly handlers: H
  readonly routes?: ReadonlyArray<NodeServer.Route<RR>> | undefined
  readonly bodyLimit?: number | undefined
  /** Where fault lines go; default nowhere (the reply is the 500 envelope). */
  readonly logger?: RequestLog.Logger | undefined
}

const EMPTY = new Uint8Array(0)

const toResponse = (reply: Reply, requestId: string): Response => {
  const body = typeof reply.body === "string" ? new TextEncoder().encode(reply.body) : reply.body
  return {
    status: reply.status,
    headers: {
      "x-request-id": requestId,
      ...reply.headers,
      "content-type": reply.contentType,
      "x-content-type-options": "nosniff",
      "content-length": String(body.byteLength)
    },
    body
  }
}

/** The in-process entry of a server of `options`, wired once. */
export const make = <A extends HttpApi.HttpApi.Any, H extends Handlers<A, any>, RR = never>(
  options: Options<A, H, RR>
): Effect.Effect<Call, never, NodeServer.Requirements<H, RR>> =>
  Effect.map(NodeServer.prepare({ ...options, logger: options.logger ?? RequestLog.silent }, false), (prepared) => {
    return (request) =>
      Effect.async<Response>((resume) => {
        const headers = request.headers ?? {}
        const bytes = request.body ?? EMPTY
        const requestId = RequestIds.pick(headers["x-request-id"])
        const done = (reply: Reply) => resume(Effect.succeed(toResponse(reply, requestId)))
        const verdict = prepared.admission.decide({ method: request.method, url: request.url, headers })
        if (verdict._tag === "Refuse") return done(verdict.reply)
        const incoming: Incoming = {
          requestId,
          address: "in-process",
          method: request.method,
          found: verdict.found,
          headers,
          body: bytes,
          log: { merchantId: null }
        }
        prepared.program.run(incoming, request.principal, done)
      })
  })
