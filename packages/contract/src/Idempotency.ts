/**
 * What makes two requests "the same" for `Idempotency-Key` (docs/http-api.md#idempotency-key): method, path and the
 * body as data (key order and whitespace do not matter, so a retry that re-serialises its JSON still
 * matches). Public because whoever writes idempotency records beside the server (the CLI on the
 * database) must key them the same way, so that a key used there replays here, and back.
 */
import { createHash } from "node:crypto"

/** JSON with object keys sorted at every level. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/** The hash a stored response is keyed on, besides the tenant and the key. */
export const requestHash = (method: string, path: string, body: unknown): string =>
  createHash("sha256")
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest("hex")
