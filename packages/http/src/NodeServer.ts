/**
 * A lean `node:http` server for an `HttpApi` contract. It walks the contract (`HttpApi.reflect`) to
 * register one route per endpoint on `find-my-way`, and runs one Effect per request on a captured
 * runtime: authentication, body, idempotency, the endpoint's handler, and the rendering of every
 * refusal as Razorpay's error envelope. `HttpApiBuilder.serve` costs about five times as much per
 * request (PERFORMANCE.md), and this adapter also owns what a framework would answer by itself
 * (unknown routes, bad bodies, oversized bodies, faults), so nothing but the envelope leaves it.
 *
 * Handlers are a record keyed by group and endpoint name, typed from the contract: an endpoint
 * without a handler does not compile. Routes outside the contract (documents, pages) are `Route`s.
 */
import { randomBytes } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import type { CommandError } from "@paylinks/core/DomainError"
import { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import { Merchants, type Principal } from "@paylinks/core/Merchants"
import { LIMITS } from "@paylinks/core/Validation"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as Scope from "effect/Scope"
import FindMyWay from "find-my-way"
import { Authorization, CurrentPrincipal } from "@paylinks/contract/Api"
import * as AuthRateLimit from "./AuthRateLimit.js"
import { integerFieldsOf, parseBody } from "./internal/body.js"
import { requestHash } from "@paylinks/contract/Idempotency"
import * as RequestLog from "./RequestLog.js"
import type { ApiError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"

/** 1 MiB: larger bodies are refused with 413 without being read further (PRODUCT.md §4.6). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

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
  readonly handle: (request: Request<Readonly<Record<string, string>>>) => Effect.Effect<RawResponse, HandlerError, R>
}

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
}

/** The services a handler table needs, read from its handlers' types. */
export type RequirementsOf<H> = {
  [G in keyof H]: {
    [E in keyof H[G]]: H[G][E] extends (...args: any) => Effect.Effect<any, any, infer R> ? R : never
  }[keyof H[G]]
}[keyof H]

export interface Running {
  /** `http://host:port`, as a client would reach it. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly server: Http.Server
}

export class ListenError extends Data.TaggedError("ListenError")<{ readonly cause: unknown }> {
  override get message(): string {
    return this.cause instanceof Error ? this.cause.message : String(this.cause)
  }
}

/** A reply ready to be written. */
interface Reply {
  readonly status: number
  readonly contentType: string
  readonly body: string | Uint8Array
  readonly headers?: Readonly<Record<string, string>>
}

interface Incoming {
  readonly requestId: string
  /** The client's address, as the socket sees it. */
  readonly address: string
  readonly method: string
  readonly pathname: string
  readonly params: Readonly<Record<string, string | undefined>>
  readonly query: Readonly<Record<string, string>>
  readonly headers: Http.IncomingHttpHeaders
  readonly bytes: Uint8Array
  /** Filled in once the caller is known, for the request log. */
  readonly log: { merchantId: string | null }
}

interface Entry {
  readonly secured: boolean
  readonly readsBody: boolean
  /** POST requests of authenticated endpoints honour `Idempotency-Key`. */
  readonly idempotent: boolean
  readonly integerFields: ReadonlySet<string>
  readonly decodePath: (params: Readonly<Record<string, string | undefined>>) => Either.Either<unknown, unknown>
  readonly handle: (request: Request<any>) => Effect.Effect<unknown, HandlerError, any>
  readonly render: (value: unknown) => Reply
}

const JSON_TYPE = "application/json; charset=utf-8"
/** Callers whose request context is kept (see `contextOf`). */
const PRINCIPAL_CONTEXTS = 1024
const EMPTY = new Uint8Array(0)
const EMPTY_BODY: Readonly<Record<string, unknown>> = Object.freeze({})
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

const errorReply = (error: ApiError): Reply => ({
  status: WireErrors.statusOf(error),
  contentType: JSON_TYPE,
  body: WireErrors.body(error)
})

/** Whether JSON of a value of this schema is the value itself (no transformation), so encoding can be skipped. */
const isJsonIdentity = (ast: SchemaAST.AST): boolean => {
  switch (ast._tag) {
    case "Refinement":
      return isJsonIdentity(ast.from)
    case "TypeLiteral":
      return (
        ast.propertySignatures.every((property) => isJsonIdentity(property.type)) &&
        ast.indexSignatures.every((signature) => isJsonIdentity(signature.type))
      )
    case "Union":
      return ast.types.every(isJsonIdentity)
    case "TupleType":
      return (
        ast.elements.every((element) => isJsonIdentity(element.type)) && ast.rest.every((r) => isJsonIdentity(r.type))
      )
    case "Literal":
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "UnknownKeyword":
    case "UndefinedKeyword":
    case "TemplateLiteral":
    case "Enums":
      return true
    default:
      return false
  }
}

/** How a handler's success value becomes a reply, decided once per endpoint. */
const makeRenderer = (status: number, ast: Option.Option<SchemaAST.AST>): ((value: unknown) => Reply) => {
  const passRaw = (value: unknown): Reply | undefined =>
    typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "RawResponse"
      ? {
          status: (value as RawResponse).status,
          contentType: (value as RawResponse).headers["content-type"] ?? "text/plain; charset=utf-8",
          body: (value as RawResponse).body,
          headers: (value as RawResponse).headers
        }
      : undefined
  if (Option.isNone(ast)) return (value) => passRaw(value) ?? { status, contentType: JSON_TYPE, body: "" }
  const encoding = HttpApiSchema.getEncoding(ast.value)
  if (encoding.kind === "Text" || encoding.kind === "Uint8Array")
    return (value) =>
      passRaw(value) ?? { status, contentType: encoding.contentType, body: value as string | Uint8Array }
  const encode = isJsonIdentity(ast.value)
    ? (value: unknown) => value
    : Schema.encodeUnknownSync(Schema.make<unknown, unknown, never>(ast.value))
  const contentType = encoding.contentType === "application/json" ? JSON_TYPE : encoding.contentType
  return (value) => passRaw(value) ?? { status, contentType, body: JSON.stringify(encode(value)) }
}

/** `Authorization: Basic base64(key_id:key_secret)`, with the scheme word exactly `Basic`. */
const parseBasic = (header: string | undefined): { keyId: string; secret: string } | undefined => {
  if (header === undefined || !header.startsWith("Basic ")) return undefined
  const encoded = header.slice(6).trim()
  if (encoded.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined
  const decoded = Buffer.from(encoded, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon <= 0) return undefined
  return { keyId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

const normaliseQuery = (raw: Record<string, unknown> | undefined): Record<string, string> => {
  const query: Record<string, string> = {}
  if (raw === undefined) return query
  for (const key of Object.keys(raw)) {
    if (key === "__proto__") continue
    const value = raw[key]
    if (typeof value === "string") query[key] = value
    else if (Array.isArray(value) && value.length > 0) query[key] = String(value[value.length - 1])
  }
  return query
}

/**
 * Request ids the server makes: 32 hex digits, a random half drawn once per process and a counter, so that ids are
 * unique across processes and restarts without drawing randomness for every request.
 */
const REQUEST_ID_PREFIX = `req_${randomBytes(8).toString("hex")}`
let requestCount = 0
const nextRequestId = (): string => {
  requestCount = (requestCount + 1) % Number.MAX_SAFE_INTEGER
  return REQUEST_ID_PREFIX + requestCount.toString(16).padStart(16, "0")
}

const pickRequestId = (header: string | string[] | undefined): string =>
  typeof header === "string" && REQUEST_ID.test(header) ? header : nextRequestId()

/**
 * Starts the server in the current scope; closing the scope stops accepting, lets the requests in
 * flight finish (up to `shutdownTimeoutMillis`), then returns.
 */
export const make = <A extends HttpApi.HttpApi.Any, H extends Handlers<A, any>, RR = never>(
  options: Options<A, H, RR>
): Effect.Effect<
  Running,
  ListenError,
  Exclude<RequirementsOf<H> | RR, CurrentPrincipal> | Merchants | IdempotencyStore | Scope.Scope
> =>
  Effect.gen(function* () {
    // `CurrentPrincipal` is provided per request, after authentication.
    const runtime = yield* Effect.runtime<Merchants | IdempotencyStore>()
    const merchants = yield* Merchants
    const idempotency = yield* IdempotencyStore
    const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
    const logger = options.logger ?? RequestLog.stdout
    const router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, maxParamLength: 2048 })
    const state = { closing: false }
    const limiter =
      options.authFailureLimit === "off"
        ? undefined
        : AuthRateLimit.make(options.authFailureLimit ?? AuthRateLimit.defaults)
    // Requests being answered on each open connection: at shutdown, connections with none are closed
    // at once (Node's own idle tracking misses connections that never sent a request).
    const active = new Map<Socket, number>()

    const handlers = options.handlers as unknown as Record<string, Record<string, Entry["handle"] | undefined>>
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
        const entry: Entry = {
          secured,
          readsBody,
          idempotent: secured && endpoint.method === "POST",
          integerFields: integerFieldsOf(Option.getOrUndefined(endpoint.payloadSchema)?.ast),
          decodePath,
          handle,
          render: makeRenderer(status, success.ast)
        }
        router.on(endpoint.method, endpoint.path, () => {}, entry)
      }
    })
    for (const route of options.routes ?? []) {
      const entry: Entry = {
        secured: false,
        readsBody: route.method !== "GET",
        idempotent: false,
        integerFields: new Set(),
        decodePath: (params) => Either.right(params),
        handle: route.handle,
        render: makeRenderer(200, Option.none())
      }
      router.on(route.method, route.path, () => {}, entry)
    }

    type Credentials = ReturnType<typeof parseBasic>

    const authenticate = (address: string, credentials: Credentials): Effect.Effect<Principal, ApiError> => {
      if (credentials === undefined) {
        limiter?.failed(address, undefined)
        return Effect.fail(WireErrors.unauthorized())
      }
      return Effect.mapError(merchants.authenticate(credentials.keyId, credentials.secret), (error) => {
        limiter?.failed(address, credentials.keyId)
        return WireErrors.fromDomain(error)
      })
    }

    /** The 429 for a client that failed to authenticate too often, or undefined when it may try. */
    const limited = (address: string, credentials: Credentials): Reply | undefined => {
      const wait = limiter?.blockedFor(address, credentials?.keyId)
      if (wait === undefined) return undefined
      return { ...errorReply(WireErrors.tooManyRequests()), headers: { "retry-after": String(wait) } }
    }

    /** The handler's outcome as a reply; refusals become envelopes, anything else stays a fault. */
    const answer = (entry: Entry, request: Request<any>): Effect.Effect<Reply, never, any> =>
      entry.handle(request).pipe(
        Effect.map(entry.render),
        Effect.catchAll((error) => {
          const wire = WireErrors.toApiError(error)
          return wire === undefined ? Effect.die(error) : Effect.succeed(errorReply(wire))
        })
      )

    /** §4.5: the first reply to a key is stored and replayed; a fault gives the key up. */
    const withIdempotency = (
      principal: Principal,
      key: string,
      incoming: Incoming,
      body: unknown,
      run: Effect.Effect<Reply, never, any>
    ): Effect.Effect<Reply, ApiError, any> =>
      Effect.gen(function* () {
        if (key.length === 0) return yield* WireErrors.badRequest(WireErrors.texts.idempotencyKeyEmpty)
        if (key.length > LIMITS.idempotencyKey)
          return yield* WireErrors.badRequest(WireErrors.texts.idempotencyKeyTooLong)
        const hash = requestHash(incoming.method, incoming.pathname, body)
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const claim = yield* idempotency.begin(principal.tenant, key, hash, now)
        switch (claim._tag) {
          case "Replay":
            return {
              status: claim.response.status,
              contentType: JSON_TYPE,
              body: claim.response.body,
              headers: { "idempotent-replayed": "true" }
            }
          case "Mismatch":
            return yield* WireErrors.badRequest(WireErrors.texts.idempotencyMismatch)
          case "InProgress":
            return yield* WireErrors.idempotencyInProgress()
          case "Claimed":
            return yield* run.pipe(
              Effect.onExit((exit) =>
                Exit.isSuccess(exit) && exit.value.status < 500 && typeof exit.value.body === "string"
                  ? idempotency.complete(principal.tenant, key, { status: exit.value.status, body: exit.value.body })
                  : idempotency.release(principal.tenant, key)
              )
            )
        }
      })

    /**
     * The request fiber's context for a caller: the server's services and `CurrentPrincipal`. Adding a service copies
     * the whole context (every layer's service), so each key's context is made once and kept, at most
     * `PRINCIPAL_CONTEXTS` of them, the oldest forgotten first. A key never changes merchant or mode; the kept one is
     * used only while it matches the caller the storage just authenticated.
     */
    const contexts = new Map<string, { readonly principal: Principal; readonly context: Context.Context<never> }>()
    const contextOf = (principal: Principal): Context.Context<never> => {
      const kept = contexts.get(principal.keyId)
      if (
        kept !== undefined &&
        kept.principal.tenant.merchantId === principal.tenant.merchantId &&
        kept.principal.tenant.mode === principal.tenant.mode
      )
        return kept.context
      const context = Context.add(runtime.context, CurrentPrincipal, principal) as Context.Context<never>
      if (contexts.size >= PRINCIPAL_CONTEXTS) contexts.delete(contexts.keys().next().value!)
      contexts.set(principal.keyId, { principal, context })
      return context
    }

    /**
     * The rest of a request once its caller is known. The caller's context (`contextOf`) becomes the request fiber's
     * own: the fiber answers this request only and ends with it, so there is nothing to restore afterwards.
     */
    const serve = (
      entry: Entry,
      incoming: Incoming,
      principal: Principal | undefined
    ): Effect.Effect<Reply, ApiError, any> => {
      let body = EMPTY_BODY
      if (entry.readsBody) {
        const parsed = parseBody(incoming.bytes, incoming.headers["content-type"], entry.integerFields)
        if (parsed === undefined) return Effect.fail(WireErrors.invalidJsonBody())
        body = parsed
      }
      const path = entry.decodePath(incoming.params)
      if (Either.isLeft(path)) return Effect.fail(WireErrors.routeNotFound())
      const request: Request<any> = {
        requestId: incoming.requestId,
        method: incoming.method,
        pathname: incoming.pathname,
        path: path.right,
        query: incoming.query,
        body,
        headers: incoming.headers
      }
      if (principal === undefined) return answer(entry, request)
      const run = Effect.zipRight(FiberRef.set(FiberRef.currentContext, contextOf(principal)), answer(entry, request))
      const key = incoming.headers["idempotency-key"]
      return entry.idempotent && typeof key === "string" ? withIdempotency(principal, key, incoming, body, run) : run
    }

    const program = (entry: Entry, incoming: Incoming): Effect.Effect<Reply, ApiError, any> => {
      if (!entry.secured) return serve(entry, incoming, undefined)
      const credentials = parseBasic(incoming.headers.authorization)
      const refused = limited(incoming.address, credentials)
      if (refused !== undefined) return Effect.succeed(refused)
      return Effect.flatMap(authenticate(incoming.address, credentials), (principal) => {
        incoming.log.merchantId = principal.tenant.merchantId
        return serve(entry, incoming, principal)
      })
    }

    const runReply = Runtime.runCallback(runtime as Runtime.Runtime<any>)

    const send = (res: Http.ServerResponse, reply: Reply): void => {
      if (res.headersSent || res.destroyed) return
      const headers: Record<string, string | number> = { ...reply.headers }
      headers["content-type"] = reply.contentType
      headers["content-length"] = typeof reply.body === "string" ? Buffer.byteLength(reply.body) : reply.body.byteLength
      if (state.closing) headers.connection = "close"
      res.writeHead(reply.status, headers)
      res.end(reply.body)
    }

    const fault = (incoming: Incoming, cause: Cause.Cause<unknown>): Reply => {
      logger({
        time: new Date().toISOString(),
        level: "error",
        msg: "fault",
        method: incoming.method,
        path: incoming.pathname,
        request_id: incoming.requestId,
        cause: RequestLog.describeCause(cause)
      })
      return errorReply(WireErrors.serverError())
    }

    const dispatch = (entry: Entry, incoming: Incoming, res: Http.ServerResponse): void => {
      // Suspended: anything the request's own code throws becomes a fault of this request, answered with a 500.
      runReply(
        Effect.suspend(() => program(entry, incoming)),
        {
          onExit: (exit) => {
            if (Exit.isSuccess(exit)) return send(res, exit.value)
            const failure = Cause.failureOption(exit.cause)
            if (Option.isSome(failure) && !Cause.isDie(exit.cause)) return send(res, errorReply(failure.value))
            send(res, fault(incoming, exit.cause))
          }
        }
      )
    }

    /** Reads the body up to the limit; past it, stops reading and answers 413 (and closes the connection). */
    const readBody = (req: Http.IncomingMessage, done: (bytes: Uint8Array | "too_large" | "aborted") => void) => {
      const declared = Number(req.headers["content-length"])
      if (Number.isFinite(declared) && declared > bodyLimit) return done("too_large")
      const chunks: Array<Buffer> = []
      let size = 0
      let finished = false
      const finish = (result: Uint8Array | "too_large" | "aborted") => {
        if (finished) return
        finished = true
        done(result)
      }
      req.on("data", (chunk: Buffer) => {
        if (finished) return
        size += chunk.length
        if (size > bodyLimit) {
          req.pause()
          return finish("too_large")
        }
        chunks.push(chunk)
      })
      req.on("end", () => finish(chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size)))
      req.on("error", () => finish("aborted"))
    }

    const onRequest = (req: Http.IncomingMessage, res: Http.ServerResponse): void => {
      const started = performance.now()
      const socket = req.socket
      active.set(socket, (active.get(socket) ?? 0) + 1)
      const method = req.method ?? "GET"
      const url = req.url ?? "/"
      const queryAt = url.indexOf("?")
      const pathname = queryAt === -1 ? url : url.slice(0, queryAt)
      const requestId = pickRequestId(req.headers["x-request-id"])
      res.setHeader("x-request-id", requestId)
      const log = { merchantId: null as string | null }
      res.once("close", () => {
        const left = (active.get(socket) ?? 1) - 1
        active.set(socket, left)
        if (state.closing && left === 0) socket.destroySoon()
        logger({
          time: new Date().toISOString(),
          level: "info",
          msg: "request",
          method,
          path: pathname,
          // 499: the client went away before an answer was sent (nginx's convention).
          status: res.headersSent ? res.statusCode : 499,
          latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
          merchant_id: log.merchantId,
          request_id: requestId
        })
      })
      let found: FindMyWay.FindResult<FindMyWay.HTTPVersion.V1> | null = null
      try {
        found = router.find(method as FindMyWay.HTTPMethod, url)
      } catch {
        found = null
      }
      if (found === null) {
        send(res, errorReply(WireErrors.routeNotFound()))
        return
      }
      const entry = found.store as Entry
      const { params, searchParams } = found
      // `/v1/invoices/` would otherwise be a fetch of the id "": a path with an empty segment is no route.
      for (const key in params)
        if (params[key] === "") {
          send(res, errorReply(WireErrors.routeNotFound()))
          return
        }
      const incoming = (bytes: Uint8Array): Incoming => ({
        requestId,
        address: socket.remoteAddress ?? "",
        method,
        pathname,
        params,
        query: normaliseQuery(searchParams),
        headers: req.headers,
        bytes,
        log
      })
      if (!entry.readsBody) {
        dispatch(entry, incoming(EMPTY), res)
        return
      }
      readBody(req, (bytes) => {
        if (bytes === "aborted") return
        if (bytes === "too_large") {
          res.setHeader("connection", "close")
          res.once("finish", () => req.socket.destroySoon())
          send(res, errorReply(WireErrors.bodyTooLarge()))
          return
        }
        dispatch(entry, incoming(bytes), res)
      })
    }

    const server = Http.createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 }, onRequest)
    server.on("connection", (socket: Socket) => {
      active.set(socket, 0)
      socket.once("close", () => active.delete(socket))
    })
    // Malformed HTTP never reaches `onRequest`; Node would answer it with a bare status line.
    server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || error.code === "ECONNRESET") return socket.destroy()
      const body = WireErrors.body(WireErrors.badRequest(WireErrors.texts.malformedRequest))
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${pickRequestId(undefined)}\r\nconnection: close\r\n\r\n${body}`
      )
    })

    const host = options.host ?? "127.0.0.1"
    yield* Effect.async<void, ListenError>((resume) => {
      const onError = (cause: unknown) => resume(Effect.fail(new ListenError({ cause })))
      server.once("error", onError)
      server.listen(options.port ?? 0, host, () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        state.closing = true
        const timer = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMillis ?? 30_000)
        server.close(() => {
          clearTimeout(timer)
          resume(Effect.void)
        })
        for (const [socket, requests] of active) if (requests === 0) socket.destroy()
      })
    )
    const port = (server.address() as AddressInfo).port
    const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host
    return { url: `http://${urlHost}:${port}`, host, port, server }
  })
