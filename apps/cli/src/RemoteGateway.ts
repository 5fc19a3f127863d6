/**
 * The `links` commands on a running server, through the typed client. The contract's wire errors
 * become refusals with the server's own text; a server that cannot be reached or answers outside
 * the contract is an environment problem.
 */
import * as PaylinksClient from "@paylinks/client/PaylinksClient"
import { modeOfKeyId } from "@paylinks/core/Tenant"
import type { CreatePaymentLinkRequest } from "@paylinks/contract/PaymentLinkWire"
import type { CreateInvoiceRequest, ErrorDetail } from "@paylinks/contract/Wire"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { EnvironmentError, Refused } from "./CliError.js"
import { LinksGateway } from "./LinksGateway.js"

export interface Options {
  readonly server: string
  readonly keyId: string
}

const isWireError = (error: unknown): error is { readonly _tag: string; readonly error: ErrorDetail } =>
  typeof error === "object" &&
  error !== null &&
  "error" in error &&
  typeof (error as { error: unknown }).error === "object" &&
  typeof (error as { error: { description?: unknown } }).error?.description === "string"

/** Maps whatever the client failed with to a refusal (the wire envelope) or an environment problem. */
const classify =
  (server: string) =>
  (error: unknown): Refused | EnvironmentError => {
    if (isWireError(error)) return new Refused({ description: error.error.description, field: error.error.field })
    const tag = (error as { _tag?: unknown })?._tag
    if (tag === "RequestError")
      return new EnvironmentError({ message: `Cannot reach the paylinks server at ${server}: ${describe(error)}` })
    if (tag === "ResponseError")
      return new EnvironmentError({
        message: `The server at ${server} answered outside the contract: ${describe(error)}`
      })
    if (tag === "ParseError")
      return new EnvironmentError({
        message: `The server at ${server} answered with an unexpected body: ${describe(error)}`
      })
    return new EnvironmentError({ message: `The request to ${server} failed: ${describe(error)}` })
  }

const describe = (error: unknown): string => {
  const cause = (error as { cause?: { message?: unknown } }).cause
  const own = (error as { message?: unknown }).message
  const text = typeof own === "string" && own !== "" ? own : String(error)
  return typeof cause?.message === "string" && cause.message !== "" && !text.includes(cause.message)
    ? `${text} (${cause.message})`
    : text
}

export const make = (options: Options) =>
  Effect.gen(function* () {
    const client = yield* PaylinksClient.PaylinksClient
    const mode = modeOfKeyId(options.keyId) ?? "test"
    const failWith = classify(options.server)
    const call = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.mapError(effect, failWith)

    return LinksGateway.of({
      mode,
      create: (input, createOptions) =>
        Effect.gen(function* () {
          // Sent as given (a CSV cell that is not a number stays text): the server refuses it with the
          // same text local mode prints, and the client does not check bodies before sending them.
          const body = { type: "link", ...input } as CreateInvoiceRequest
          const key = createOptions?.idempotencyKey
          const [entity, response] = yield* call(
            client.invoices.create({
              payload: body,
              headers: key === undefined ? {} : { "idempotency-key": key },
              withResponse: true
            })
          )
          return { entity, replayed: isReplay(response.headers) }
        }),
      get: (id) => call(client.invoices.fetch({ path: { id } })),
      list: (filters) => call(client.invoices.list({ urlParams: filters }).pipe(Effect.map((page) => page.items))),
      cancel: (id) => call(client.invoices.cancel({ path: { id }, headers: {} })),
      update: (id, input) => call(client.invoices.update({ path: { id }, payload: input })),
      notify: (id, medium) => call(client.invoices.notifyBy({ path: { id, medium }, headers: {} })),
      pay: (id, input) =>
        call(
          client.sandbox.pay({
            path: { id },
            payload: { amount: input.amount ?? null, method: input.method ?? null },
            headers: {}
          })
        ).pipe(Effect.map((result) => result.invoice)),
      paymentLinks: {
        create: (input, createOptions) =>
          Effect.gen(function* () {
            const key = createOptions?.idempotencyKey
            const [entity, response] = yield* call(
              client.paymentLinks.create({
                // Sent as given, as `create` above.
                payload: input as CreatePaymentLinkRequest,
                headers: key === undefined ? {} : { "idempotency-key": key },
                withResponse: true
              })
            )
            return { entity, replayed: isReplay(response.headers) }
          }),
        get: (id) => call(client.paymentLinks.fetch({ path: { id } })),
        list: (filters) =>
          call(
            client.paymentLinks
              .list({
                urlParams: {
                  ...filters,
                  upi_link: filters.upi_link === undefined ? undefined : String(filters.upi_link)
                }
              })
              .pipe(Effect.map((page) => page.payment_links))
          ),
        cancel: (id) => call(client.paymentLinks.cancel({ path: { id }, headers: {} })),
        update: (id, input) => call(client.paymentLinks.update({ path: { id }, payload: input })),
        notify: (id, medium) => call(client.paymentLinks.notifyBy({ path: { id, medium }, headers: {} })),
        pay: (id, input) =>
          call(
            client.sandbox.payPaymentLink({
              path: { id },
              payload: { amount: input.amount ?? null, method: input.method ?? null },
              headers: {}
            })
          ).pipe(Effect.map((result) => result.payment_link))
      },
      inbox: (filters) =>
        call(
          client.sandbox.inbox({
            urlParams: {
              ...(filters.channel === undefined ? {} : { channel: filters.channel }),
              ...(filters.invoice_id === undefined ? {} : { invoice_id: filters.invoice_id }),
              ...(filters.count === undefined ? {} : { count: filters.count })
            }
          })
        ).pipe(Effect.map((collection) => collection.items))
    })
  })

/** Whether the server replayed a stored answer for the idempotency key. */
const isReplay = (headers: Readonly<Record<string, string | undefined>>): boolean =>
  headers["idempotent-replayed"] === "true"

export const layer = (options: Options): Layer.Layer<LinksGateway, never, PaylinksClient.PaylinksClient> =>
  Layer.effect(LinksGateway, make(options))

/** The gateway through the server at `server`, with that key pair. */
export const layerFor = (credentials: Options & { readonly keySecret: Redacted.Redacted<string> }) =>
  layer(credentials).pipe(
    Layer.provide(
      PaylinksClient.layer({ baseUrl: credentials.server, keyId: credentials.keyId, keySecret: credentials.keySecret })
    )
  )
