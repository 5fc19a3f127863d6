/**
 * A lean `node:http` server for an `HttpApi` contract: one route per endpoint (`server/Router`), the
 * head's admission (`server/Admission`), the body (`server/Body`), one Effect per request on a
 * captured runtime (`server/Program`: authentication, idempotency, the handler, the envelope for every
 * refusal and fault) and the server's life (`server/Lifecycle`: connection cap, slow-request timeouts). `HttpApiBuilder.serve` costs about
 * five times as much per request (BENCHMARKS.md), and this adapter also owns what a framework would
 * answer by itself (unknown routes, bad bodies, oversized bodies, faults), so nothing but the envelope
 * leaves it. `InProcess` runs the very same path without a socket.
 *
 * Handlers are a record keyed by group and endpoint name, typed from the contract: an endpoint
 * without a handler does not compile. Routes outside the contract (documents, pages) are `Route`s.
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import { Merchants } from "@paylinks/core/Merchants"
import * as Effect from "effect/Effect"
import type * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import type { CurrentPrincipal } from "@paylinks/contract/Api"
import type * as AuthRateLimit from "./AuthRateLimit.js"
import * as RequestLog from "./RequestLog.js"
import * as Admission from "./server/Admission.js"
import * as Body from "./server/Body.js"
import * as Exchange from "./server/Exchange.js"
import * as Hosts from "./server/Hosts.js"
import type { Handlers, RequirementsOf, Route } from "./server/Handler.js"
import * as Lifecycle from "./server/Lifecycle.js"
import * as Program from "./server/Program.js"
import * as Router from "./server/Router.js"

export type {
  Handler,
  HandlerError,
  Handlers,
  RawResponse,
  Request,
  RequirementsOf,
  Route
} from "./server/Handler.js"
export { rawResponse } from "./server/Handler.js"
export { ListenError, type Running } from "./server/Lifecycle.js"

/** 1 MiB: larger bodies are refused with 413 without being read further (docs/http-api.md). */
export const DEFAULT_BODY_LIMIT = Body.DEFAULT_LIMIT

export interface Options<A, H, RR = never> {
  readonly api: A
  /** One handler per endpoint of `api` (see `Handlers`). */
  readonly handlers: H
  readonly routes?: ReadonlyArray<Route<RR>> | undefined
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** Default 0: a free port chosen by the system. */
  readonly port?: number | undefined
  readonly bodyLimit?: number | undefined
  readonly logger?: RequestLog.Logger | undefined
  /** How long shutdown waits for requests in flight before closing their connections. Default 30 s. */
  readonly shutdownTimeoutMillis?: number | undefined
  /** Failed authentications allowed per client address and per key id (see `AuthRateLimit`). Default 20 per 60 s. */
  readonly authFailureLimit?: AuthRateLimit.Settings | "off" | undefined
  /**
   * The names (or URLs) the server is reached at besides its listening address — its public URL, a
   * proxy's name; requests for any other `Host` are refused with 421 (`server/Hosts`). Loopback names
   * are answered when the server listens on loopback. `"any"`: every `Host`.
   */
  readonly publicHosts?: ReadonlyArray<string> | "any" | undefined
  /** Connections held at once; one more is answered 503 and closed. Default 1024. */
  readonly maxConnections?: number | undefined
  /** How long a request's head may take to arrive (408 after). Default 10 s. */
  readonly headersTimeoutSeconds?: number | undefined
  /** How long a whole request, head and body, may take to arrive (408 after). Default 30 s. */
  readonly requestTimeoutSeconds?: number | undefined
}

/** What a server of `H` and `RR` needs from the composition root. */
export type Requirements<H, RR> = Exclude<RequirementsOf<H> | RR, CurrentPrincipal> | Merchants | IdempotencyStore

/** The request path of `options`, wired once: the router, the head's admission and the program. */
export interface Prepared {
  readonly admission: Admission.Admission
  readonly program: Program.Program
  readonly logger: RequestLog.Logger
}

/** The hosts a server of `options` answers; without a listening address (in-process), every one. */
const hostsOf = (options: Pick<Options<unknown, unknown>, "host" | "publicHosts">, listening: boolean) =>
  !listening
    ? Hosts.any
    : options.publicHosts === "any"
      ? Hosts.anyNamed
      : Hosts.make({ listen: options.host ?? "127.0.0.1", names: options.publicHosts ?? [] })

export const prepare = <A extends HttpApi.HttpApi.Any, H extends Handlers<A, any>, RR = never>(
  options: Omit<
    Options<A, H, RR>,
    "port" | "shutdownTimeoutMillis" | "maxConnections" | "headersTimeoutSeconds" | "requestTimeoutSeconds"
  >,
  listening = true
): Effect.Effect<Prepared, never, Requirements<H, RR>> =>
  Effect.gen(function* () {
    // `CurrentPrincipal` is provided per request, after authentication.
    const runtime = yield* Effect.runtime<Merchants | IdempotencyStore>()
    const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
    const logger = options.logger ?? RequestLog.stdout
    const router = Router.make({ api: options.api, handlers: options.handlers, routes: options.routes })
    const program = Program.make({
      merchants: yield* Merchants,
      idempotency: yield* IdempotencyStore,
      runtime: runtime as Runtime.Runtime<never>,
      logger,
      bodyLimit,
      authFailureLimit: options.authFailureLimit
    })
    const admission = Admission.make(router, { bodyLimit, hosts: hostsOf(options, listening) })
    return { admission, program, logger }
  })

/**
 * Starts the server in the current scope; closing the scope stops accepting, lets the requests in
 * flight finish (up to `shutdownTimeoutMillis`), then returns.
 */
export const make = <A extends HttpApi.HttpApi.Any, H extends Handlers<A, any>, RR = never>(
  options: Options<A, H, RR>
): Effect.Effect<Lifecycle.Running, Lifecycle.ListenError, Requirements<H, RR> | Scope.Scope> =>
  Effect.flatMap(prepare(options), (prepared) =>
    Lifecycle.serve(options, (connections) => Exchange.make({ ...prepared, connections }))
  )
