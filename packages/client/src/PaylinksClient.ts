/**
 * A typed client for a paylinks server, derived from the HTTP contract (`@paylinks/contract/Api`): every
 * group and endpoint of the contract is a method, payloads are encoded and answers decoded with the
 * contract's schemas, and every error the contract declares fails as its tagged class
 * (`BadRequestError`, `UnauthorizedError`, …), so callers `catchTag` Razorpay's envelope.
 *
 * Two faces over the one derived client: `layer`/`layerConfig` for Effect programs, and `promise` for
 * code that only knows Promises — same requests, same wire types, same error classes.
 */
import { Readable } from "node:stream"
import type { ReadableStream as NodeReadableStream } from "node:stream/web"
import type * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Api } from "@paylinks/contract/Api"
import type * as PaymentLinkWire from "@paylinks/contract/PaymentLinkWire"
import type * as SandboxWire from "@paylinks/contract/SandboxWire"
import type * as Wire from "@paylinks/contract/Wire"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Simplify } from "effect/Types"
import * as Undici from "undici"

export {
  BadRequestError,
  ConflictError,
  PayloadTooLargeError,
  ServerError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError
} from "@paylinks/contract/Wire"

/** Where the server is and which key pair to present. */
export interface Options {
  /** The server's base URL, e.g. `http://127.0.0.1:7311`; a path prefix is kept. */
  readonly baseUrl: string | URL
  readonly keyId: string
  readonly keySecret: string | Redacted.Redacted<string>
}

/**
 * A request body as it is given: typed like the contract's schema, but not checked before it is sent.
 * The server checks every body with core's rules and answers Razorpay's texts (`The amount must be an
 * integer.`); a client that refused first would answer a parse error of its own instead.
 */
const asGiven = (schema: Schema.Schema.Any): Schema.Schema.Any =>
  Schema.declare((input: unknown): input is unknown => typeof input === "object" && input !== null).annotations(
    schema.ast.annotations
  )

/** The API with every request body sent as given; its endpoints, errors and types are the contract's. */
const sendAsGiven = (api: HttpApi.HttpApi.AnyWithProps): HttpApi.HttpApi.AnyWithProps => {
  let sent = api
  for (const group of Object.values(api.groups)) {
    let withBodies = group
    for (const endpoint of Object.values(group.endpoints))
      if (Option.isSome(endpoint.payloadSchema))
        withBodies = withBodies.add(endpoint.setPayload(asGiven(endpoint.payloadSchema.value)))
    sent = sent.add(withBodies)
  }
  return sent
}

const ClientApi = sendAsGiven(Api as unknown as HttpApi.HttpApi.AnyWithProps) as unknown as typeof Api

type ApiGroups = typeof Api extends HttpApi.HttpApi<string, infer Groups, infer _E, infer _R> ? Groups : never
type ApiErrors = typeof Api extends HttpApi.HttpApi<string, infer _Groups, infer E, infer _R> ? E : never

/**
 * `HttpApiClient` asks for `headers` (and `urlParams`) on every call of an endpoint that declares them,
 * even when every key is optional, as the `Idempotency-Key` is: such a part becomes optional here, and
 * a request with nothing left to give becomes optional itself.
 */
type Loosened<Request> = Request extends void
  ? Request
  : Simplify<
      {
        readonly [K in keyof Request as K extends "headers" | "urlParams"
          ? {} extends Request[K]
            ? never
            : K
          : K]: Request[K]
      } & {
        readonly [K in keyof Request as K extends "headers" | "urlParams"
          ? {} extends Request[K]
            ? K
            : never
          : never]?: Request[K]
      }
    >

type Arguments<Request> = {} extends Request ? [request?: Request] : [request: Request]

/** One endpoint as a method: `HttpApiClient`'s, with the parts that have no required key optional. */
export type Method<Endpoint, GroupError> = [Endpoint] extends [
  HttpApiEndpoint.HttpApiEndpoint<
    infer _Name,
    infer _Method,
    infer Path,
    infer UrlParams,
    infer Payload,
    infer Headers,
    infer Success,
    infer Error,
    infer _R,
    infer _RE
  >
]
  ? <WithResponse extends boolean = false>(
      ...request: Arguments<
        Loosened<HttpApiEndpoint.HttpApiEndpoint.ClientRequest<Path, UrlParams, Payload, Headers, WithResponse>>
      >
    ) => Effect.Effect<
      WithResponse extends true ? [Success, HttpClientResponse.HttpClientResponse] : Success,
      Error | GroupError | ApiErrors | HttpClientError.HttpClientError | ParseResult.ParseError
    >
  : never

/** The client's methods, grouped as the contract groups its endpoints (`client.invoices.create(…)`). */
export type Client = {
  readonly [Group in ApiGroups as HttpApiGroup.HttpApiGroup.Name<Group>]: Group extends HttpApiGroup.HttpApiGroup<
    infer _Name,
    infer Endpoints,
    infer GroupError,
    infer _R
  >
    ? {
        readonly [Endpoint in Endpoints as HttpApiEndpoint.HttpApiEndpoint.Name<Endpoint>]: Method<Endpoint, GroupError>
      }
    : never
}

type AnyRequest = { readonly headers?: unknown; readonly urlParams?: unknown } | undefined
type AnyMethod = (request: AnyRequest) => unknown

/** Every method of the derived client, called with `{}` for the headers and query parameters left out. */
const withDefaults = (derived: Record<string, Record<string, AnyMethod>>): Client => {
  const client: Record<string, Record<string, AnyMethod>> = {}
  for (const [group, methods] of Object.entries(derived)) {
    const wrapped: Record<string, AnyMethod> = {}
    for (const [name, method] of Object.entries(methods))
      wrapped[name] = (request) =>
        method({ ...request, headers: request?.headers ?? {}, urlParams: request?.urlParams ?? {} })
    client[group] = wrapped
  }
  return client as unknown as Client
}

/**
 * The client over whatever `HttpClient` is provided. Basic auth goes on every request: the contract's
 * security middleware describes it but a derived client does not send credentials by itself.
 */
export const make = (options: Options): Effect.Effect<Client, never, HttpClient.HttpClient> =>
  Effect.map(
    HttpApiClient.make(ClientApi, {
      baseUrl: options.baseUrl,
      transformClient: HttpClient.mapRequest(HttpClientRequest.basicAuth(options.keyId, options.keySecret))
    }),
    (derived) => withDefaults(derived as unknown as Record<string, Record<string, AnyMethod>>)
  )

export class PaylinksClient extends Context.Tag("@paylinks/client/PaylinksClient")<PaylinksClient, Client>() {}

/** Statuses whose answer has no body (a web `Response` refuses one). */
const NO_BODY = new Set([204, 205, 304])

/** undici's answer as a web `Response`, which `HttpClientResponse.fromWeb` reads. */
const toWebResponse = (data: Undici.Dispatcher.ResponseData): Response => {
  const headers = new globalThis.Headers()
  for (const [name, value] of Object.entries(data.headers))
    if (value !== undefined) for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one)
  if (NO_BODY.has(data.statusCode)) {
    data.body.resume()
    return new Response(null, { status: data.statusCode, headers })
  }
  return new Response(Readable.toWeb(data.body) as ReadableStream<Uint8Array>, { status: data.statusCode, headers })
}

/**
 * `HttpClient` on `undici.request` over an agent of its own, closed (after the requests in flight) with
 * the layer. Not undici's `fetch`: fetch refuses the ports of its "bad port" list (a server on 6000 or
 * 6667 would be unreachable) and adds headers of its own to every request.
 */
const layerUndici: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Undici.Agent()),
      (agent) => Effect.promise(() => agent.close())
    ),
    (agent) =>
      HttpClient.make((request, url, signal) =>
        Effect.flatMap(requestBody(request.body), (body) =>
          Effect.tryPromise({
            try: () =>
              agent.request({
                origin: url.origin,
                path: url.pathname + url.search,
                method: request.method,
                headers: request.headers,
                body,
                signal,
                // Timeouts are the caller's (Effect.timeout); undici's own would cut a slow answer short.
                headersTimeout: 0,
                bodyTimeout: 0
              }),
            catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause })
          })
        ).pipe(Effect.map((data) => HttpClientResponse.fromWeb(request, toWebResponse(data))))
      )
  )
)

const requestBody = (
  body: HttpBody.HttpBody
): Effect.Effect<Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(null)
    case "Raw":
    case "Uint8Array":
      return Effect.succeed(body.body as Uint8Array)
    case "FormData":
      return Effect.succeed(body.formData as unknown as Undici.FormData)
    case "Stream":
      return Effect.map(Stream.toReadableStreamEffect(body.stream), (stream) =>
        Readable.fromWeb(stream as NodeReadableStream<Uint8Array>)
      )
  }
}

/** The client on undici. */
export const layer = (options: Options): Layer.Layer<PaylinksClient> =>
  Layer.effect(PaylinksClient, make(options)).pipe(Layer.provide(layerUndici))

/** The configuration `layerConfig` reads: `PAYLINKS_SERVER`, `PAYLINKS_KEY_ID`, `PAYLINKS_KEY_SECRET`. */
export const config: Config.Config<Options> = Config.all({
  baseUrl: Config.string("PAYLINKS_SERVER"),
  keyId: Config.string("PAYLINKS_KEY_ID"),
  keySecret: Config.redacted("PAYLINKS_KEY_SECRET")
})

/** The client on undici, configured from `PAYLINKS_SERVER`, `PAYLINKS_KEY_ID` and `PAYLINKS_KEY_SECRET`. */
export const layerConfig: Layer.Layer<PaylinksClient, ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.map(config, layer)
)

/** What a write may carry besides its body. */
export interface WriteOptions {
  /** Sent as `Idempotency-Key`: a retry with the same key and body gets the first answer again. */
  readonly idempotencyKey?: string
}

/**
 * The client for code that does not use Effect: every method returns a Promise of the wire entity, and
 * rejects with the error the Effect client fails with — a wire error class of this module
 * (`BadRequestError`, `UnauthorizedError`, …, each carrying Razorpay's envelope as `error`), an
 * `HttpClientError` (`_tag` `RequestError` when the server cannot be reached) or a `ParseError`.
 */
export interface PromiseClient {
  readonly invoices: {
    readonly create: (body: Wire.CreateInvoiceRequest, options?: WriteOptions) => Promise<Wire.InvoiceEntity>
    readonly fetch: (id: string) => Promise<Wire.InvoiceEntity>
    readonly list: (query?: Wire.ListInvoicesParams) => Promise<Wire.InvoiceCollection>
    readonly update: (id: string, body: Wire.UpdateInvoiceRequest) => Promise<Wire.InvoiceEntity>
    readonly cancel: (id: string, options?: WriteOptions) => Promise<Wire.InvoiceEntity>
    /** `medium` is `sms` or `email`; the server refuses any other with its own text. */
    readonly notifyBy: (id: string, medium: string, options?: WriteOptions) => Promise<Wire.NotifyResult>
  }
  /** Razorpay's current Payment Links API (`/v1/payment_links`): `plink_…` links, the `payment_link` entity. */
  readonly paymentLinks: {
    readonly create: (
      body: PaymentLinkWire.CreatePaymentLinkRequest,
      options?: WriteOptions
    ) => Promise<PaymentLinkWire.PaymentLinkEntity>
    readonly fetch: (id: string) => Promise<PaymentLinkWire.PaymentLinkEntity>
    readonly list: (query?: PaymentLinkWire.ListPaymentLinksParams) => Promise<PaymentLinkWire.PaymentLinkList>
    readonly update: (
      id: string,
      body: PaymentLinkWire.UpdatePaymentLinkRequest
    ) => Promise<PaymentLinkWire.PaymentLinkEntity>
    readonly cancel: (id: string, options?: WriteOptions) => Promise<PaymentLinkWire.PaymentLinkEntity>
    /** `medium` is `sms` or `email`; the server refuses any other with its own text. */
    readonly notifyBy: (id: string, medium: string, options?: WriteOptions) => Promise<Wire.NotifyResult>
  }
  readonly sandbox: {
    readonly pay: (
      id: string,
      body?: SandboxWire.SandboxPaymentRequest,
      options?: WriteOptions
    ) => Promise<SandboxWire.SandboxPaymentResult>
    /** The same sandbox payment on a link of the Payment Links API (`plink_…`). */
    readonly payPaymentLink: (
      id: string,
      body?: SandboxWire.SandboxPaymentRequest,
      options?: WriteOptions
    ) => Promise<SandboxWire.SandboxPaymentLinkPaymentResult>
    readonly clock: () => Promise<SandboxWire.TestClockEntity>
    readonly advanceClock: (
      body: SandboxWire.AdvanceClockRequest,
      options?: WriteOptions
    ) => Promise<SandboxWire.TestClockEntity>
    readonly inbox: (query?: SandboxWire.InboxParams) => Promise<SandboxWire.InboxCollection>
  }
  readonly system: {
    readonly healthz: () => Promise<Wire.HealthStatus>
    readonly readyz: () => Promise<Wire.HealthStatus>
  }
  /** Closes the client's connections once the requests in flight are answered. */
  readonly close: () => Promise<void>
}

const idempotency = (options: WriteOptions | undefined) =>
  options?.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey }

/**
 * The Promise client: the Effect client of `layer(options)` in a runtime of its own, each method one
 * call of it. Its connections stay open between calls; `close()` ends them.
 */
export const promise = (options: Options): PromiseClient => {
  const runtime = ManagedRuntime.make(layer(options))
  const run = <A, E>(call: (client: Client) => Effect.Effect<A, E>): Promise<A> =>
    runtime.runPromiseExit(Effect.flatMap(PaylinksClient, call)).then((exit) => {
      // The failure itself, not a FiberFailure around it, so `instanceof` and `.error` work.
      if (Exit.isSuccess(exit)) return exit.value
      throw Cause.squash(exit.cause)
    })
  return {
    invoices: {
      create: (body, write) => run((client) => client.invoices.create({ payload: body, headers: idempotency(write) })),
      fetch: (id) => run((client) => client.invoices.fetch({ path: { id } })),
      list: (query) => run((client) => client.invoices.list({ urlParams: query ?? {} })),
      update: (id, body) => run((client) => client.invoices.update({ path: { id }, payload: body })),
      cancel: (id, write) => run((client) => client.invoices.cancel({ path: { id }, headers: idempotency(write) })),
      notifyBy: (id, medium, write) =>
        run((client) => client.invoices.notifyBy({ path: { id, medium }, headers: idempotency(write) }))
    },
    paymentLinks: {
      create: (body, write) =>
        run((client) => client.paymentLinks.create({ payload: body, headers: idempotency(write) })),
      fetch: (id) => run((client) => client.paymentLinks.fetch({ path: { id } })),
      list: (query) => run((client) => client.paymentLinks.list({ urlParams: query ?? {} })),
      update: (id, body) => run((client) => client.paymentLinks.update({ path: { id }, payload: body })),
      cancel: (id, write) => run((client) => client.paymentLinks.cancel({ path: { id }, headers: idempotency(write) })),
      notifyBy: (id, medium, write) =>
        run((client) => client.paymentLinks.notifyBy({ path: { id, medium }, headers: idempotency(write) }))
    },
    sandbox: {
      pay: (id, body, write) =>
        run((client) => client.sandbox.pay({ path: { id }, payload: body ?? {}, headers: idempotency(write) })),
      payPaymentLink: (id, body, write) =>
        run((client) =>
          client.sandbox.payPaymentLink({ path: { id }, payload: body ?? {}, headers: idempotency(write) })
        ),
      clock: () => run((client) => client.sandbox.clock()),
      advanceClock: (body, write) =>
        run((client) => client.sandbox.advanceClock({ payload: body, headers: idempotency(write) })),
      inbox: (query) => run((client) => client.sandbox.inbox({ urlParams: query ?? {} }))
    },
    system: {
      healthz: () => run((client) => client.system.healthz()),
      readyz: () => run((client) => client.system.readyz())
    },
    close: () => runtime.dispose()
  }
}
