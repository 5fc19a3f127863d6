/**
 * The request body: read from the socket up to the limit (past it, reading stops and the request is
 * answered 413), then parsed into the JSON object a handler receives (`internal/body.ts`).
 */
import type * as Http from "node:http"
import { parseBody } from "../internal/body.js"
import type { Endpoint } from "./Router.js"

/** 1 MiB: larger bodies are refused with 413 without being read further (docs/http-api.md). */
export const DEFAULT_LIMIT = 1024 * 1024

export const EMPTY = new Uint8Array(0)
const EMPTY_BODY: Readonly<Record<string, unknown>> = Object.freeze({})

export type Read = Uint8Array | "too_large" | "aborted"

/** Whether the request declares a body over the limit (decided on the head, before reading). */
export const declaredTooLarge = (headers: Http.IncomingHttpHeaders, limit: number): boolean => {
  const declared = Number(headers["content-length"])
  return Number.isFinite(declared) && declared > limit
}

/** Reads the body up to `limit`; past it, stops reading (`"too_large"`). */
export const read = (req: Http.IncomingMessage, limit: number, done: (bytes: Read) => void): void => {
  const chunks: Array<Buffer> = []
  let size = 0
  let finished = false
  const finish = (result: Read) => {
    if (finished) return
    finished = true
    done(result)
  }
  req.on("data", (chunk: Buffer) => {
    if (finished) return
    size += chunk.length
    if (size > limit) {
      req.pause()
      return finish("too_large")
    }
    chunks.push(chunk)
  })
  req.on("end", () => finish(chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size)))
  req.on("error", () => finish("aborted"))
}

/** The body a handler of `endpoint` receives, or `undefined` when it is not a JSON object (nor a form). */
export const parse = (
  endpoint: Endpoint,
  bytes: Uint8Array,
  contentType: string | undefined
): Readonly<Record<string, unknown>> | undefined =>
  endpoint.readsBody ? parseBody(bytes, contentType, endpoint.integerFields) : EMPTY_BODY
