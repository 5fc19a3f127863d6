/**
 * One `node:http` request and its response: the request id, the request log line, the head's
 * `Admission`, the `Program` (which asks for the body once the caller is authenticated), and writing
 * the reply. An answer given without reading a body the request declared closes the connection, so an
 * unread body is never drained either; `Expect: 100-continue` is answered only when the body is wanted.
 */
import type * as Http from "node:http"
import type { ApiError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import type * as RequestLog from "../RequestLog.js"
import type { Admission } from "./Admission.js"
import * as Body from "./Body.js"
import type { Connections } from "./Lifecycle.js"
import type { Incoming, Program } from "./Program.js"
import { declaresBody } from "./Admission.js"
import type { Reply } from "./Render.js"
import * as RequestIds from "./RequestIds.js"

export interface Settings {
  readonly admission: Admission
  readonly program: Program
  readonly logger: RequestLog.Logger
  readonly connections: Connections
}

export const make = (settings: Settings): ((req: Http.IncomingMessage, res: Http.ServerResponse) => void) => {
  const { admission, program, logger, connections } = settings

  const send = (res: Http.ServerResponse, reply: Reply): void => {
    if (res.headersSent || res.destroyed) return
    const headers: Record<string, string | number> = { ...reply.headers }
    headers["content-type"] = reply.contentType
    headers["x-content-type-options"] = "nosniff"
    headers["content-length"] = typeof reply.body === "string" ? Buffer.byteLength(reply.body) : reply.body.byteLength
    if (connections.closing()) headers.connection = "close"
    res.writeHead(reply.status, headers)
    res.end(reply.body)
  }

  const closeAfter = (req: Http.IncomingMessage, res: Http.ServerResponse): void => {
    res.setHeader("connection", "close")
    res.once("finish", () => req.socket.destroySoon())
  }

  return (req, res) => {
    const started = performance.now()
    const socket = req.socket
    connections.started(socket)
    const method = req.method ?? "GET"
    const url = req.url ?? "/"
    const queryAt = url.indexOf("?")
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt)
    const requestId = RequestIds.pick(req.headers["x-request-id"])
    res.setHeader("x-request-id", requestId)
    const log = { merchantId: null as string | null }
    res.once("close", () => {
      connections.finished(socket)
      logger({
        time: new Date().toISOString(),
        level: "info",
        msg: "request",
        method,
        path: pathname,
        // 499: the client went away before an answer was sent (nginx's convention).
        status: res.headersSent ? res.statusCode : 499,
        latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
        merchant_id: log.merchantId,
        request_id: requestId
      })
    })
    const verdict = admission.decide({ method, url, headers: req.headers })
    if (verdict._tag === "Refuse") {
      if (verdict.close) closeAfter(req, res)
      return send(res, verdict.reply)
    }
    const { found } = verdict
    let reading = false
    const readBody = (limit: number, done: (bytes: Uint8Array | ApiError) => void) => {
      reading = true
      if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue()
      Body.read(req, limit, (bytes) => {
        if (bytes === "aborted") return done(WireErrors.badRequest(WireErrors.texts.malformedRequest))
        if (bytes === "too_large") {
          closeAfter(req, res)
          return done(WireErrors.bodyTooLarge())
        }
        done(bytes)
      })
    }
    const incoming: Incoming = {
      requestId,
      address: socket.remoteAddress ?? "",
      method,
      found,
      headers: req.headers,
      body: found.endpoint.readsBody ? readBody : Body.EMPTY,
      log
    }
    program.run(incoming, undefined, (reply) => {
      // Refused before its body was wanted (401, 429): the body stays unread, and the connection goes with it.
      if (!reading && !req.complete && declaresBody(req.headers)) closeAfter(req, res)
      send(res, reply)
    })
  }
}
