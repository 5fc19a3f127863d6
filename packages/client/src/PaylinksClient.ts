/**
 * A typed client for a paylinks server, derived from the HTTP contract (`@paylinks/contract/Api`): every
 * group and endpoint of the contract is a method, payloads are encoded and answers decoded with the
 * contract's schemas, and every error the contract declares fails as its tagged class
 * (`BadRequestError`, `UnauthorizedError`, …), so callers `catchTag` Razorpay's envelope.
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Api } from "@paylinks/contract/Api"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

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

/** The client's methods, grouped as the contract groups its endpoints (`client.invoices.create(…)`). */
export type Client = Effect.Effect.Success<ReturnType<typeof make>>

/**
 * The client over whatever `HttpClient` is provided. Basic auth goes on every request: the contract's
 * security middleware describes it but a derived client does not send credentials by itself.
 */
export const make = (options: Options) =>
  HttpApiClient.make(ClientApi, {
    baseUrl: options.baseUrl,
    transformClient: HttpClient.mapRequest(HttpClientRequest.basicAuth(options.keyId, options.keySecret))
  })

export class PaylinksClient extends Context.Tag("@paylinks/client/PaylinksClient")<PaylinksClient, Client>() {}

/** The client on undici. */
export const layer = (options: Options): Layer.Layer<PaylinksClient> =>
  Layer.effect(PaylinksClient, make(options)).pipe(Layer.provide(NodeHttpClient.layerUndici))

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
