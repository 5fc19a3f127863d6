/**
 * The request body: read from the socket up to the limit (past it, reading stops and the request is
 * answered 413) — only once the request was admitted and its caller authenticated — then parsed into
 * the JSON object a handler receives (`internal/body.ts`: one parse for every body, with its depth
 * limit and its refusal of `__proto__`).
 */
import type * as Http from "node:http"
import { type Decoded, decodeBody, texts } from "../internal/body.js"
import type { ApiError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import type { Endpoint } from "./Router.js"

/** 1 MiB: larger bodies are refused with 413 without being read further (docs/http-api.md). */
export const DEFAULT_LIMIT = 1024 * 1024

export const EMPTY = new Uint8Array(0)
const EMPTY_BODY: Decoded = { _tag: "Object", value: Object.freeze({}) }

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

/** The body a handler of `endpoint` receives, or why it is refused (`internal/body.ts`). */
export const parse = (endpoint: Endpoint, bytes: Uint8Array, contentType: string | undefined): Decoded =>
  endpoint.readsBody ? decodeBody(bytes, contentType, endpoint.integerFields) : EMPTY_BODY

/** The 400 of a refused body. */
export const refusal = (reason: "not_object" | "too_deep" | "forbidden_key"): ApiError =>
  reason === "not_object"
    ? WireErrors.invalidJsonBody()
    : WireErrors.badRequest(reason === "too_deep" ? texts.tooDeep : texts.forbiddenKey)
