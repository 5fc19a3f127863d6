/**
 * Request ids: the client's `X-Request-Id` when it is a sensible token, else one the server makes —
 * 32 hex digits, a random half drawn once per process and a counter, so that ids are unique across
 * processes and restarts without drawing randomness for every request.
 */
import { randomBytes } from "node:crypto"

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
const REQUEST_ID_PREFIX = `req_${randomBytes(8).toString("hex")}`
let requestCount = 0

export const next = (): string => {
  requestCount = (requestCount + 1) % Number.MAX_SAFE_INTEGER
  return REQUEST_ID_PREFIX + requestCount.toString(16).padStart(16, "0")
}

/** The id of a request that sent `header` as its `X-Request-Id`. */
export const pick = (header: string | string[] | undefined): string =>
  typeof header === "string" && REQUEST_ID.test(header) ? header : next()
