/**
 * What a handler is: the request it receives, what it may answer and fail with, and the table of one
 * handler per endpoint of a contract (typed from the contract, so an endpoint without a handler does
 * not compile). Routes outside the contract (documents, pages) are `Route`s.
 */
import type * as Http from "node:http"
import type * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import type { CommandError } from "@paylinks/core/DomainError"
import type * as Effect from "effect/Effect"
import type { ApiError } from "@paylinks/contract/Wire"

/** A response a handler builds itself: HTML pages, redirects, documents. */
export interface RawResponse {
  readonly _tag: "RawResponse"
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Uint8Array
}

export const rawResponse = (
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | Uint8Array
): RawResponse => ({ _tag: "RawResponse", status, headers, body })

/** What a handler receives. `body` is the request's JSON object (core validates it, with Razorpay's texts). */
export interface Request<Path = {}> {
  readonly requestId: string
  readonly method: string
  /** The URL path, without the query string. */
  readonly pathname: string
  readonly path: Path
  /** Query parameters; a repeated one keeps its last value. */
  readonly query: Readonly<Record<string, string>>
  readonly body: Readonly<Record<string, unknown>>
  readonly headers: Http.IncomingHttpHeaders
}

type PathOf<E extends HttpApiEndpoint.HttpApiEndpoint.Any> = [HttpApiEndpoint.HttpApiEndpoint.PathParsed<E>] extends [
  never
]
  ? {}
  : HttpApiEndpoint.HttpApiEndpoint.PathParsed<E>

/** What a handler may fail with: a wire error, or a domain refusal that is rendered with core's text. */
export type HandlerError = ApiError | CommandError

export type Handler<E extends HttpApiEndpoint.HttpApiEndpoint.Any, R> = (
  request: Request<PathOf<E>>
) => Effect.Effect<HttpApiEndpoint.HttpApiEndpoint.Success<E> | RawResponse, HandlerError, R>

/**
 * One handler per endpoint of the contract, keyed by group name then endpoint name. Handlers of
 * endpoints behind `Authorization` find the caller in `CurrentPrincipal`.
 */
export type Handlers<A, R> =
  A extends HttpApi.HttpApi<infer _Id, infer Groups, infer _E, infer _R>
    ? {
        readonly [G in Groups as HttpApiGroup.HttpApiGroup.Name<G>]: {
          readonly [E in HttpApiGroup.HttpApiGroup.Endpoints<G> as HttpApiEndpoint.HttpApiEndpoint.Name<E>]: Handler<
            E,
            R
          >
        }
      }
    : never

/** A route outside the contract (the OpenAPI document, HTML pages). It is public: no authentication. */
export interface Route<R> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** A find-my-way path: `/i/:code`. */
  readonly path: string
  /** The largest body this route reads, in bytes; default the server's `bodyLimit`. */
  readonly bodyLimit?: number | undefined
  /** Cookies a request may carry at most once: with two, it is refused before anything is read. */
  readonly uniqueCookies?: ReadonlyArray<string> | undefined
  readonly handle: (request: Request<Readonly<Record<string, string>>>) => Effect.Effect<RawResponse, HandlerError, R>
}

/** The services a handler table needs, read from its handlers' types. */
export type RequirementsOf<H> = {
  [G in keyof H]: {
    [E in keyof H[G]]: H[G][E] extends (...args: any) => Effect.Effect<any, any, infer R> ? R : never
  }[keyof H[G]]
}[keyof H]
