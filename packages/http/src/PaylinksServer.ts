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
import * as Handlers from "./Handlers.js"
import * as HostedPage from "./HostedPage.js"
import * as InProcess from "./InProcess.js"
import * as NodeServer from "./NodeServer.js"

/** The server's settings: `NodeServer.Options` without the contract and handlers, which are paylinks' own. */
export type Options<R = never> = Omit<NodeServer.Options<unknown, unknown, R>, "api" | "handlers">

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
