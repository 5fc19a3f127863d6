/**
 * The paylinks HTTP server: the contract (`Api`), its handlers, its documents and the hosted payment
 * page on the lean node:http adapter. The composition root provides the use-cases, merchants,
 * idempotency store and readiness; closing the scope stops the server gracefully. `inProcess` is the
 * same server without a socket (the CLI's local mode).
 */
import type { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import type { Merchants } from "@paylinks/core/Merchants"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Api } from "@paylinks/contract/Api"
import * as ApiDocs from "./ApiDocs.js"
import type * as AuthRateLimit from "./AuthRateLimit.js"
import * as Handlers from "./Handlers.js"
import * as HostedPage from "./HostedPage.js"
import * as InProcess from "./InProcess.js"
import * as NodeServer from "./NodeServer.js"
import type * as RequestLog from "./RequestLog.js"

export interface Options<R = never> {
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** Default 0: a free port. */
  readonly port?: number | undefined
  readonly bodyLimit?: number | undefined
  readonly logger?: RequestLog.Logger | undefined
  readonly shutdownTimeoutMillis?: number | undefined
  /** Failed authentications allowed per client address and per key id; default 20 per 60 s (`AuthRateLimit`). */
  readonly authFailureLimit?: AuthRateLimit.Settings | "off" | undefined
  /** Names or URLs the server is reached at besides its listening address (`NodeServer.Options`); `"any"`: every `Host`. */
  readonly publicHosts?: ReadonlyArray<string> | "any" | undefined
  /** Connections held at once (default 1024). */
  readonly maxConnections?: number | undefined
  /** Seconds a request's head may take to arrive (default 10). */
  readonly headersTimeoutSeconds?: number | undefined
  /** Seconds a whole request may take to arrive (default 30). */
  readonly requestTimeoutSeconds?: number | undefined
  /** More routes outside the contract (pages), served next to the API. */
  readonly routes?: ReadonlyArray<NodeServer.Route<R>> | undefined
}

/** What the paylinks server needs from the composition root. */
export type Requirements = Handlers.Requirements | HostedPage.Requirements | Merchants | IdempotencyStore

const routes = <R>(more: ReadonlyArray<NodeServer.Route<R>> | undefined) =>
  [...ApiDocs.routes(Api), ...HostedPage.routes, ...(more ?? [])] as ReadonlyArray<
    NodeServer.Route<HostedPage.Requirements | R>
  >

/** Serves the paylinks API in the current scope. */
export const make = <R = never>(
  options: Options<R> = {}
): Effect.Effect<NodeServer.Running, NodeServer.ListenError, Requirements | Scope.Scope | R> =>
  NodeServer.make({ ...options, api: Api, handlers: Handlers.handlers, routes: routes(options.routes) })

/** The paylinks server's request path in-process (see `InProcess`): the same routes, handlers and answers. */
export const inProcess = (
  options: Pick<InProcess.Options<unknown, unknown>, "bodyLimit" | "logger"> = {}
): Effect.Effect<InProcess.Call, never, Requirements> =>
  InProcess.make({ ...options, api: Api, handlers: Handlers.handlers, routes: routes(undefined) })
