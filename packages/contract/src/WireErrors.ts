/**
 * Turns every refusal into Razorpay's error envelope (docs/errors.md): the texts of the errors the
 * HTTP layer raises itself (routing, bodies, idempotency, faults), and the one table that maps each of
 * core's domain errors, whose texts core already carries, to its wire error. The table is keyed by
 * every domain error tag, so a new domain error without an entry does not compile.
 */
import type { CommandError } from "@paylinks/core/DomainError"
import type { AuthenticationFailed } from "@paylinks/core/Merchants"
import {
  type ApiError,
  BadRequestError,
  ConflictError,
  type ErrorDetail,
  errorClasses,
  PayloadTooLargeError,
  ServerError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError
} from "./Wire.js"

/** The descriptions the HTTP layer answers with; core's errors carry their own. */
export const texts = {
  routeNotFound: "The requested URL was not found on the server.",
  invalidJsonBody: "The request body is not a valid JSON object",
  bodyTooLarge: "The request body is too large",
  authenticationFailed: "Authentication failed",
  serverError: "The server encountered an error. The incident has been reported to admins.",
  idempotencyMismatch: "Idempotency key already used with a different request",
  idempotencyInProgress:
    "A request with this Idempotency-Key is still being processed. Retry once it has been answered.",
  idempotencyKeyTooLong: "The Idempotency-Key header may not be greater than 255 characters.",
  idempotencyKeyEmpty: "The Idempotency-Key header may not be empty.",
  tooManyRequests: "Too many requests",
  notReady: "The storage is not reachable.",
  malformedRequest: "The request could not be read."
} as const

/** Where a problem arose, as Razorpay reports it: request-content errors vs. transport/auth errors. */
type Origin = "business" | "NA"

const BAD_REQUEST = "BAD_REQUEST_ERROR"
const SERVER_ERROR = "SERVER_ERROR"

/** Builds the envelope's inner object with the keys in Razorpay's order; `field` only when one field is at fault. */
export const detail = (code: string, description: string, origin: Origin, field?: string | null): ErrorDetail => {
  const business = origin === "business"
  const base = {
    code,
    description,
    source: business ? "business" : "NA",
    step: business ? "payment_initiation" : "NA",
    reason: business ? "input_validation_failed" : "NA",
    metadata: {}
  }
  return field === undefined || field === null ? base : { ...base, field }
}

/** A 400 about the request's content (validation, state, ids, bodies). */
export const badRequest = (description: string, field?: string | null): BadRequestError =>
  new BadRequestError({ error: detail(BAD_REQUEST, description, "business", field) })

/** The 400 for unknown routes and wrong methods (Razorpay answers both the same way). */
export const routeNotFound = (): BadRequestError =>
  new BadRequestError({ error: detail(BAD_REQUEST, texts.routeNotFound, "NA") })

export const invalidJsonBody = (): BadRequestError => badRequest(texts.invalidJsonBody)

export const bodyTooLarge = (): PayloadTooLargeError =>
  new PayloadTooLargeError({ error: detail(BAD_REQUEST, texts.bodyTooLarge, "NA") })

export const unauthorized = (description: string = texts.authenticationFailed): UnauthorizedError =>
  new UnauthorizedError({ error: detail(BAD_REQUEST, description, "NA") })

export const idempotencyInProgress = (): ConflictError =>
  new ConflictError({ error: detail(BAD_REQUEST, texts.idempotencyInProgress, "NA") })

export const tooManyRequests = (): TooManyRequestsError =>
  new TooManyRequestsError({ error: detail(BAD_REQUEST, texts.tooManyRequests, "NA") })

export const serverError = (): ServerError => new ServerError({ error: detail(SERVER_ERROR, texts.serverError, "NA") })

export const notReady = (): ServiceUnavailableError =>
  new ServiceUnavailableError({ error: detail(SERVER_ERROR, texts.notReady, "NA") })

/** Every error core refuses a request with: the use-cases' refusals and a failed authentication. */
export type DomainError = CommandError | AuthenticationFailed
export type DomainErrorTag = DomainError["_tag"]

/**
 * A mapping from every tag of the error union `E` to its wire error. Typed over the union, so the
 * table below must name every domain error: one that is added to core without an entry here is a
 * compile error, not a 500.
 */
export type FromDomainTable<E extends { readonly _tag: string }> = {
  readonly [K in E["_tag"]]: (error: Extract<E, { readonly _tag: K }>) => ApiError
}

/** Each domain error rendered with core's own text; `field` only when one field is at fault. */
export const fromDomainTable: FromDomainTable<DomainError> = {
  ValidationFailed: (error) => badRequest(error.first.description, error.first.field),
  PaymentRefused: (error) => badRequest(error.description, error.field),
  LinkNotFound: (error) => badRequest(error.message),
  MalformedId: (error) => badRequest(error.message),
  OperationNotAllowed: (error) => badRequest(error.message),
  ReferenceTaken: (error) => badRequest(error.message, "reference_id"),
  AuthenticationFailed: (error) => unauthorized(error.message)
}

/** A refusal from core as its wire error. */
export const fromDomain = (error: DomainError): ApiError =>
  (fromDomainTable[error._tag] as (error: DomainError) => ApiError)(error)

const statuses: ReadonlyMap<string, number> = new Map(errorClasses.map((error) => [error._tag, error.status]))

/** Whether a value is one of the API's wire errors. */
export const isApiError = (value: unknown): value is ApiError =>
  typeof value === "object" &&
  value !== null &&
  statuses.has((value as { _tag?: unknown })._tag as string) &&
  "error" in value

/** A failure as a wire error (a domain error through the table, a wire error as it is), or `undefined` for anything else (a fault). */
export const toApiError = (error: unknown): ApiError | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  const tag = (error as { _tag?: unknown })._tag
  if (typeof tag !== "string") return undefined
  if (Object.hasOwn(fromDomainTable, tag)) return fromDomain(error as DomainError)
  return isApiError(error) ? error : undefined
}

/** The HTTP status of an API error, as its class declares it. */
export const statusOf = (error: ApiError): number => statuses.get(error._tag) ?? ServerError.status

/** The exact bytes of an error response body. */
export const body = (error: ApiError): string => JSON.stringify({ error: error.error })
