/**
 * The routing table: one route per endpoint of the contract (walked with `HttpApi.reflect` at start),
 * plus the routes outside it, on `find-my-way`. Everything about an endpoint that does not depend on
 * the request — whether it is authenticated, reads a body, honours `Idempotency-Key`, how its path is
 * decoded and its answer rendered — is decided here, once.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import FindMyWay from "find-my-way"
import { Authorization, TrailingSlash } from "@paylinks/contract/Api"
import { integerFieldsOf } from "../internal/body.js"
import type { HandlerError, Request, Route } from "./Handler.js"
import { makeRenderer, type Reply } from "./Render.js"

/** An endpoint, as the request path needs it. */
export interface Endpoint {
  readonly secured: boolean
  readonly readsBody: boolean
  /** POST requests of authenticated endpoints honour `Idempotency-Key`. */
  readonly idempotent: boolean
  readonly integerFields: ReadonlySet<string>
  /** This endpoint's body limit in bytes; `undefined`: the server's. */
  readonly bodyLimit: number | undefined
  /** Cookies a request may carry at most once (a second one is a planted one, and the request is refused). */
  readonly uniqueCookies: ReadonlyArray<string>
  readonly decodePath: (params: Readonly<Record<string, string | undefined>>) => Either.Either<unknown, unknown>
  readonly handle: (request: Request<any>) => Effect.Effect<unknown, HandlerError, any>
  readonly render: (value: unknown) => Reply
}

/** A request's endpoint, with what its URL says. */
export interface Found {
  readonly endpoint: Endpoint
  /** The URL path, without the query string. */
  readonly pathname: string
  readonly params: Readonly<Record<string, string | undefined>>
  readonly query: Readonly<Record<string, string>>
}

export interface Router {
  /** The endpoint of `method url`, or `undefined` when no route matches (answered as an unknown route). */
  readonly find: (method: string, url: string) => Found | undefined
}

/**
 * The query as text values, in an object without a prototype: `__proto__` is a parameter like any other
 * (validated, and refused where unknown, as `constructor` is), never a way into `Object.prototype`.
 */
const normaliseQuery = (raw: Record<string, unknown> | undefined): Record<string, string> => {
  const query: Record<string, string> = Object.create(null)
  if (raw === undefined) return query
  for (const key of Object.keys(raw)) {
    const value = raw[key]
    if (typeof value === "string") query[key] = value
    else if (Array.isArray(value) && value.length > 0) query[key] = String(value[value.length - 1])
  }
  return query
}

export const make = (options: {
  readonly api: HttpApi.HttpApi.Any
  readonly handlers: unknown
  readonly routes?: ReadonlyArray<Route<any>> | undefined
}): Router => {
  const router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, maxParamLength: 2048 })
  const handlers = options.handlers as Record<string, Record<string, Endpoint["handle"] | undefined>>
  HttpApi.reflect(options.api as unknown as HttpApi.HttpApi.AnyWithProps, {
    onGroup: () => {},
    onEndpoint: ({ group, endpoint, middleware, successes }) => {
      const handle = handlers[group.identifier]?.[endpoint.name]
      if (handle === undefined) throw new Error(`No handler for ${group.identifier}.${endpoint.name}`)
      const authorization: unknown = Authorization
      for (const tag of middleware)
        if (tag !== authorization) throw new Error(`Unsupported middleware ${tag.key} on ${endpoint.name}`)
      const [status, success] = successes.entries().next().value ?? [200, { ast: Option.none() }]
      const secured = [...middleware].some((tag) => tag === authorization)
      const readsBody = endpoint.method !== "GET" && endpoint.method !== "HEAD" && endpoint.method !== "OPTIONS"
      const decodePath = Option.match(endpoint.pathSchema, {
        onNone: () => (params: Readonly<Record<string, string | undefined>>) => Either.right(params),
        onSome: (schema) => Schema.decodeUnknownEither(schema as unknown as Schema.Schema<unknown, unknown, never>)
      })
      const entry: Endpoint = {
        secured,
        readsBody,
        idempotent: secured && endpoint.method === "POST",
        integerFields: integerFieldsOf(Option.getOrUndefined(endpoint.payloadSchema)?.ast),
        bodyLimit: undefined,
        uniqueCookies: [],
        decodePath,
        handle,
        render: makeRenderer(status, success.ast)
      }
      router.on(endpoint.method, endpoint.path, () => {}, entry)
      // The group's collection path, declared as its prefix alone, also answers as `prefix/`.
      const slashed = Context.getOption(group.annotations, TrailingSlash).pipe(Option.getOrElse(() => false))
      if (slashed && !endpoint.path.endsWith("/") && !endpoint.path.includes(":"))
        router.on(endpoint.method, `${endpoint.path}/`, () => {}, entry)
    }
  })
  for (const route of options.routes ?? []) {
    const entry: Endpoint = {
      secured: false,
      readsBody: route.method !== "GET",
      idempotent: false,
      integerFields: new Set(),
      bodyLimit: route.bodyLimit,
      uniqueCookies: route.uniqueCookies ?? [],
      decodePath: (params) => Either.right(params),
      handle: route.handle,
      render: makeRenderer(200, Option.none())
    }
    router.on(route.method, route.path, () => {}, entry)
  }
  return {
    find: (method, url) => {
      let found: FindMyWay.FindResult<FindMyWay.HTTPVersion.V1> | null = null
      try {
        found = router.find(method as FindMyWay.HTTPMethod, url)
      } catch {
        return undefined
      }
      if (found === null) return undefined
      const { params, searchParams } = found
      // `/v1/invoices/` would otherwise be a fetch of the id "": a path with an empty segment is no route.
      for (const key in params) if (params[key] === "") return undefined
      const queryAt = url.indexOf("?")
      return {
        endpoint: found.store as Endpoint,
        pathname: queryAt === -1 ? url : url.slice(0, queryAt),
        params,
        query: normaliseQuery(searchParams)
      }
    }
  }
}
