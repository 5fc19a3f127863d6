/**
 * One `node:http` request and its response: the request id, the request log line, the head's
 * `Admission`, reading the body, the `Program`, and writing the reply.
 */
import type * as Http from "node:http"
import * as WireErrors from "@paylinks/contract/WireErrors"
import type * as RequestLog from "../RequestLog.js"
import type { Admission } from "./Admission.js"
import * as Body from "./Body.js"
import type { Connections } from "./Lifecycle.js"
import type { Incoming, Program } from "./Program.js"
import { errorReply, type Reply } from "./Render.js"
import * as RequestIds from "./RequestIds.js"

export interface Settings {
  readonly admission: Admission
  readonly program: Program
  readonly bodyLimit: number
  readonly logger: RequestLog.Logger
  readonly connections: Connections
}

export const make = (settings: Settings): ((req: Http.IncomingMessage, res: Http.ServerResponse) => void) => {
  const { admission, program, bodyLimit, logger, connections } = settings

  const send = (res: Http.ServerResponse, reply: Reply): void => {
    if (res.headersSent || res.destroyed) return
    const headers: Record<string, string | number> = { ...reply.headers }
    headers["content-type"] = reply.contentType
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
    const dispatch = (bytes: Uint8Array) => {
      const incoming: Incoming = {
        requestId,
        address: socket.remoteAddress ?? "",
        method,
        found,
        headers: req.headers,
        bytes,
        log
      }
      program.run(incoming, undefined, (reply) => send(res, reply))
    }
    if (!found.endpoint.readsBody) return dispatch(Body.EMPTY)
    Body.read(req, bodyLimit, (bytes) => {
      if (bytes === "aborted") return
      if (bytes === "too_large") {
        closeAfter(req, res)
        return send(res, errorReply(WireErrors.bodyTooLarge()))
      }
      dispatch(bytes)
    })
  }
}
