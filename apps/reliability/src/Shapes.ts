/**
 * What may leave the server, checked against the contract's own schemas (`@paylinks/contract/Wire`):
 * Razorpay's error envelope with its keys in order, or an entity of the endpoint, with no key more
 * or less, in the invoice entity's key order (docs/http-api.md#the-invoice-entity), and amounts that add up. A check
 * returns the problem, or undefined.
 */
import * as SandboxWire from "@paylinks/contract/SandboxWire"
import * as Wire from "@paylinks/contract/Wire"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { Answer } from "./Http.js"

const exact = { onExcessProperty: "error", errors: "first" } as const

const checker = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema, exact)
  return (value: unknown): string | undefined => {
    const decoded = decode(value)
    return Either.isLeft(decoded) ? ParseResult.TreeFormatter.formatErrorSync(decoded.left) : undefined
  }
}

const ENVELOPE_KEYS = ["code", "description", "source", "step", "reason", "metadata"]
const ENTITY_KEYS = Object.keys(Wire.InvoiceEntity.fields)

const decodeDetail = checker(Wire.ErrorDetail)

/** Razorpay's envelope: `{"error":{code, description, source, step, reason, metadata, field?}}`, nothing else. */
export const envelopeProblem = (json: unknown): string | undefined => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "not a JSON object"
  const keys = Object.keys(json)
  if (keys.length !== 1 || keys[0] !== "error") return `keys ${JSON.stringify(keys)} instead of ["error"]`
  const detail = (json as { error: unknown }).error
  const problem = decodeDetail(detail)
  if (problem !== undefined) return problem
  const detailKeys = Object.keys(detail as object)
  const expected = detailKeys.length === 7 ? [...ENVELOPE_KEYS, "field"] : ENVELOPE_KEYS
  if (JSON.stringify(detailKeys) !== JSON.stringify(expected)) return `error keys ${JSON.stringify(detailKeys)}`
  const { code, source, step, reason, description } = detail as Record<string, unknown>
  if (code !== "BAD_REQUEST_ERROR" && code !== "SERVER_ERROR") return `code ${String(code)}`
  if (typeof description !== "string" || description === "") return "empty description"
  const business = source === "business" && step === "payment_initiation" && reason === "input_validation_failed"
  const na = source === "NA" && step === "NA" && reason === "NA"
  if (!business && !na) return `source/step/reason ${String(source)}/${String(step)}/${String(reason)}`
  return undefined
}

const decodeEntity = checker(Wire.InvoiceEntity)

/** A link as the API shows it: every key in order, the right types, and `amount_due = amount − amount_paid`. */
export const entityProblem = (json: unknown): string | undefined => {
  const problem = decodeEntity(json)
  if (problem !== undefined) return problem
  const entity = json as Wire.InvoiceEntity
  if (JSON.stringify(Object.keys(entity)) !== JSON.stringify(ENTITY_KEYS)) return "keys out of the entity's order"
  if (entity.amount_due !== entity.amount - entity.amount_paid) return "amount_due ≠ amount − amount_paid"
  if (entity.amount_paid < 0 || entity.amount_paid > entity.amount) return "amount_paid outside [0, amount]"
  if (entity.gross_amount !== entity.amount) return "gross_amount ≠ amount"
  return undefined
}

const decodeCollection = checker(Wire.InvoiceCollection)

export const collectionProblem = (json: unknown): string | undefined => {
  const problem = decodeCollection(json)
  if (problem !== undefined) return problem
  const collection = json as Wire.InvoiceCollection
  if (collection.count !== collection.items.length) return "count ≠ items on the page"
  for (const item of collection.items) {
    const itemProblem = entityProblem(item)
    if (itemProblem !== undefined) return itemProblem
  }
  return undefined
}

const decodePayment = checker(SandboxWire.SandboxPaymentResult)

export const sandboxPaymentProblem = (json: unknown): string | undefined =>
  decodePayment(json) ?? entityProblem((json as { invoice?: unknown }).invoice)

const decodeClock = checker(SandboxWire.TestClockEntity)
const decodeNotify = checker(Wire.NotifyResult)
const decodeHealth = checker(Wire.HealthStatus)

/** The success shapes, by what was asked. */
export type Expected = "entity" | "collection" | "sandboxPayment" | "clock" | "notify" | "health"

const successCheckers: Record<Expected, (json: unknown) => string | undefined> = {
  entity: entityProblem,
  collection: collectionProblem,
  sandboxPayment: sandboxPaymentProblem,
  clock: decodeClock,
  notify: decodeNotify,
  health: decodeHealth
}

/**
 * A JSON answer of the API: a 200 with the endpoint's entity, or a 4xx/5xx with the envelope,
 * served as JSON. (Whether a 5xx is acceptable is the caller's business.)
 */
export const apiAnswerProblem = (answer: Answer, expected: Expected): string | undefined => {
  if (!/^application\/json\b/.test(answer.headers["content-type"] ?? ""))
    return `content-type ${answer.headers["content-type"]}`
  if (answer.json === undefined) return `not JSON: ${answer.text.slice(0, 200)}`
  if (answer.status === 200) return successCheckers[expected](answer.json)
  if (answer.status >= 400 && answer.status <= 599) return envelopeProblem(answer.json)
  return `status ${answer.status}`
}

/** The description of an envelope (for assertions on the text). */
export const descriptionOf = (answer: Answer): string | undefined =>
  (answer.json as { error?: { description?: unknown } } | undefined)?.error?.description as string | undefined

/** The security headers every HTML answer carries; returns what is missing. */
export const htmlHeaderProblem = (headers: Readonly<Record<string, string>>): string | undefined => {
  const csp = headers["content-security-policy"] ?? ""
  if (!/default-src 'none'/.test(csp)) return `CSP without default-src 'none': ${csp}`
  if (!/frame-ancestors 'none'/.test(csp)) return `CSP without frame-ancestors 'none': ${csp}`
  if (/script-src/.test(csp) && !/script-src 'none'/.test(csp)) return `CSP allows scripts: ${csp}`
  if (headers["x-content-type-options"] !== "nosniff") return "no X-Content-Type-Options: nosniff"
  if (!["same-origin", "no-referrer", "strict-origin"].includes(headers["referrer-policy"] ?? ""))
    return `referrer policy ${headers["referrer-policy"]}`
  if (headers["x-frame-options"] !== "DENY") return "no X-Frame-Options: DENY"
  return undefined
}
