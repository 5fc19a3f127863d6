/**
 * The request path, from a routed request with its body to the reply, the same for the socket server
 * (`Exchange`) and the in-process entry (`InProcess`): authentication (unless the caller is already
 * known) on the head, then the body (read from the socket only now, so a refused caller's body is never
 * read), idempotency, the endpoint's handler on the caller's context, and the rendering of
 * every refusal as the envelope and of every fault as the 500 envelope (logged). One `runCallback` per
 * request on the runtime captured at start; no generator on the way.
 */
import type * as Http from "node:http"
import type { IdempotencyStoreShape } from "@paylinks/core/IdempotencyStore"
import type { MerchantsShape, Principal } from "@paylinks/core/Merchants"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as AuthRateLimit from "../AuthRateLimit.js"
import * as RequestLog from "../RequestLog.js"
import type { ApiError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import * as Authentication from "./Authentication.js"
import * as Body from "./Body.js"
import * as Contexts from "./Contexts.js"
import type { Request } from "./Handler.js"
import * as Idempotency from "./Idempotency.js"
import { errorReply, type Reply, toApiError } from "./Render.js"
import type { Found } from "./Router.js"

/** A routed request with its body. */
export interface Incoming {
  readonly requestId: string
  /** The client's address, as the socket sees it. */
  readonly address: string
  readonly method: string
  readonly found: Found
  readonly headers: Http.IncomingHttpHeaders
  /**
   * The body: its bytes (in-process), or how to read it from the socket — called only once the request
   * was authenticated, so that a refused caller's body is never read.
   */
  readonly body: Uint8Array | ReadBody
  /** Filled in once the caller is known, for the request log. */
  readonly log: { merchantId: string | null }
}

/** Reads the body up to `limit` bytes; an oversized or broken body is answered with `refused`. */
export type ReadBody = (limit: number, done: (bytes: Uint8Array | ApiError) => void) => void

export interface Program {
  /**
   * Answers `incoming`. `principal`, when given, is the caller of an authenticated endpoint already
   * known to whoever calls (the CLI on its own database): no credentials are looked at.
   */
  readonly run: (incoming: Incoming, principal: Principal | undefined, done: (reply: Reply) => void) => void
}

export interface Settings {
  readonly merchants: MerchantsShape
  readonly idempotency: IdempotencyStoreShape
  readonly runtime: Runtime.Runtime<never>
  readonly logger: RequestLog.Logger
  /** The server's body limit; an endpoint may have a smaller one. */
  readonly bodyLimit: number
  readonly authFailureLimit?: AuthRateLimit.Settings | "off" | undefined
}

export const make = (settings: Settings): Program => {
  const { idempotency, logger } = settings
  const authentication = Authentication.make(settings.merchants, settings.authFailureLimit)
  const contextOf = Contexts.make(settings.runtime.context)

  /** The handler's outcome as a reply; refusals become envelopes, anything else stays a fault. */
  const answer = (incoming: Incoming, request: Request<any>): Effect.Effect<Reply, never, any> =>
    incoming.found.endpoint.handle(request).pipe(
      Effect.map(incoming.found.endpoint.render),
      Effect.catchAll((error) => {
        const wire = toApiError(error)
        return wire === undefined ? Effect.die(error) : Effect.succeed(errorReply(wire))
      })
    )

  /**
   * The rest of a request once its caller is known. The caller's context (`contextOf`) becomes the request fiber's
   * own: the fiber answers this request only and ends with it, so there is nothing to restore afterwards.
   */
  const serve = (
    incoming: Incoming,
    principal: Principal | undefined,
    bytes: Uint8Array
  ): Effect.Effect<Reply, ApiError, any> => {
    const { found } = incoming
    const decoded = Body.parse(found.endpoint, bytes, incoming.headers["content-type"])
    if (decoded._tag === "Refused") return Effect.fail(Body.refusal(decoded.reason))
    const body = decoded.value
    const path = found.endpoint.decodePath(found.params)
    if (Either.isLeft(path)) return Effect.fail(WireErrors.routeNotFound())
    const request: Request<any> = {
      requestId: incoming.requestId,
      method: incoming.method,
      pathname: found.pathname,
      path: path.right,
      query: found.query,
      body,
      headers: incoming.headers
    }
    if (principal === undefined) return answer(incoming, request)
    const run = Effect.zipRight(FiberRef.set(FiberRef.currentContext, contextOf(principal)), answer(incoming, request))
    const key = incoming.headers["idempotency-key"]
    return found.endpoint.idempotent && typeof key === "string"
      ? Idempotency.keyed(idempotency, principal, key, incoming.method, found.pathname, body, run)
      : run
  }

  /** The body, read now (after authentication) when it is still on the socket. */
  const withBody = (incoming: Incoming, principal: Principal | undefined): Effect.Effect<Reply, ApiError, any> => {
    const { body, found } = incoming
    if (!found.endpoint.readsBody) return serve(incoming, principal, Body.EMPTY)
    const limit = found.endpoint.bodyLimit ?? settings.bodyLimit
    if (typeof body !== "function")
      return body.byteLength > limit ? Effect.fail(WireErrors.bodyTooLarge()) : serve(incoming, principal, body)
    return Effect.flatMap(
      Effect.async<Uint8Array, ApiError>((resume) =>
        body(limit, (bytes) => resume(bytes instanceof Uint8Array ? Effect.succeed(bytes) : Effect.fail(bytes)))
      ),
      (bytes) => serve(incoming, principal, bytes)
    )
  }

  const program = (incoming: Incoming, known: Principal | undefined): Effect.Effect<Reply, ApiError, any> => {
    if (!incoming.found.endpoint.secured) return withBody(incoming, undefined)
    if (known !== undefined) {
      incoming.log.merchantId = known.tenant.merchantId
      return withBody(incoming, known)
    }
    const credentials = Authentication.parseBasic(incoming.headers.authorization)
    const refused = authentication.limited(incoming.address, credentials)
    if (refused !== undefined) return Effect.succeed(refused)
    return Effect.flatMap(authentication.authenticate(incoming.address, credentials), (principal) => {
      incoming.log.merchantId = principal.tenant.merchantId
      return withBody(incoming, principal)
    })
  }

  const fault = (incoming: Incoming, cause: Cause.Cause<unknown>): Reply => {
    logger({
      time: new Date().toISOString(),
      level: "error",
      msg: "fault",
      method: incoming.method,
      path: incoming.found.pathname,
      request_id: incoming.requestId,
      cause: RequestLog.describeCause(cause)
    })
    return errorReply(WireErrors.serverError())
  }

  const runReply = Runtime.runCallback(settings.runtime as Runtime.Runtime<any>)

  return {
    run: (incoming, principal, done) =>
      // Suspended: anything the request's own code throws becomes a fault of this request, answered with a 500.
      runReply(
        Effect.suspend(() => program(incoming, principal)),
        {
          onExit: (exit) => {
            if (Exit.isSuccess(exit)) return done(exit.value)
            const failure = Cause.failureOption(exit.cause)
            if (Option.isSome(failure) && !Cause.isDie(exit.cause)) return done(errorReply(failure.value))
            done(fault(incoming, exit.cause))
          }
        }
      )
  }
}
