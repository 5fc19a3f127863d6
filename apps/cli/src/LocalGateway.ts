/**
 * The `links` commands on the database itself: the server's own request path, in-process
 * (`PaylinksServer.inProcess`), acting as the merchant and mode of one API key. Every command is the
 * very request a remote command sends — same route, handler, rendering, idempotency and envelope —
 * so it answers exactly what a server on the same database would. Local mode holds the database, so
 * it acts as the key without presenting its secret (it checks one when given: `resolvePrincipal`).
 */
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Merchants, type Principal } from "@paylinks/core/Merchants"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as Tenant from "@paylinks/core/Tenant"
import type * as InProcess from "@paylinks/http/InProcess"
import * as PaylinksServer from "@paylinks/http/PaylinksServer"
import * as Readiness from "@paylinks/http/Readiness"
import { PaymentLinkEntity, PaymentLinkList } from "@paylinks/contract/PaymentLinkWire"
import { InboxCollection, SandboxPaymentLinkPaymentResult, SandboxPaymentResult } from "@paylinks/contract/SandboxWire"
import { ErrorDetail, InvoiceCollection, InvoiceEntity, NotifyResult } from "@paylinks/contract/Wire"
import { announcement, ensureCredentials } from "@paylinks/runtime/Bootstrap"
import { DEFAULT_HOST, DEFAULT_PORT, localUrl } from "@paylinks/runtime/ServerSettings"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { EnvironmentError, Refused, UsageError } from "./CliError.js"
import type { Connection } from "./ConnectionOptions.js"
import { filtersAsQuery, LinksGateway, type PaymentInput } from "./LinksGateway.js"
import { storage } from "./LocalStorage.js"
import * as Output from "./Output.js"

const decodeEnvelope = Schema.decodeUnknownEither(Schema.parseJson(Schema.Struct({ error: ErrorDetail })))

const textOf = (response: InProcess.Response): string => new TextDecoder().decode(response.body)

/** The answer as `schema`'s value; a refusal (the envelope) as `Refused` with the wire's text. */
const answer =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (response: InProcess.Response): Effect.Effect<A, Refused | EnvironmentError> => {
    const text = textOf(response)
    if (response.status === 200)
      return Schema.decodeUnknown(Schema.parseJson(schema))(text).pipe(
        Effect.mapError(
          (error) => new EnvironmentError({ message: `The answer is outside the contract: ${error.message}` })
        )
      )
    const envelope = decodeEnvelope(text)
    if (envelope._tag === "Left")
      return Effect.fail(
        new EnvironmentError({ message: `The answer is outside the contract (status ${response.status}).` })
      )
    const { description, field } = envelope.right.error
    if (response.status >= 500) return Effect.fail(new EnvironmentError({ message: description }))
    return Effect.fail(new Refused({ description, field }))
  }

const JSON_HEADERS = { "content-type": "application/json" } as const

const path = (...segments: ReadonlyArray<string>): string => segments.map(encodeURIComponent).join("/")

const withQuery = (base: string, query: Record<string, string>): string => {
  const search = new URLSearchParams(query).toString()
  return search === "" ? base : `${base}?${search}`
}

/** A sandbox payment's body: the values given, the others left to the API's defaults. */
const paymentBody = (input: PaymentInput): Record<string, unknown> => {
  const body: Record<string, unknown> = {}
  if (input.amount !== undefined) body["amount"] = input.amount
  if (input.method !== undefined) body["method"] = input.method
  return body
}

/** The gateway acting as `principal`, through `call` (the server's request path in-process). */
export const make = (principal: Principal, call: InProcess.Call) => {
  const send = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    call({
      method,
      url,
      principal,
      headers: body === undefined ? headers : { ...JSON_HEADERS, ...headers },
      body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body))
    })
  const invoice = (id: string) => `/v1/invoices/${path(id)}`
  const paymentLink = (id: string) => `/v1/payment_links/${path(id)}`
  const created =
    <A, I>(schema: Schema.Schema<A, I>) =>
    (response: InProcess.Response) =>
      Effect.map(answer(schema)(response), (entity) => ({
        entity,
        replayed: response.headers["idempotent-replayed"] === "true"
      }))
  const idempotency = (key: string | undefined): Record<string, string> =>
    key === undefined ? {} : { "idempotency-key": key }

  return LinksGateway.of({
    mode: principal.tenant.mode,
    create: (input, options) =>
      Effect.flatMap(
        send("POST", "/v1/invoices", { type: "link", ...input }, idempotency(options?.idempotencyKey)),
        created(InvoiceEntity)
      ),
    get: (id) => Effect.flatMap(send("GET", invoice(id)), answer(InvoiceEntity)),
    list: (filters) =>
      Effect.flatMap(send("GET", withQuery("/v1/invoices", filtersAsQuery(filters))), (response) =>
        Effect.map(answer(InvoiceCollection)(response), (page) => page.items)
      ),
    cancel: (id) => Effect.flatMap(send("POST", `${invoice(id)}/cancel`), answer(InvoiceEntity)),
    update: (id, input) => Effect.flatMap(send("PATCH", invoice(id), input), answer(InvoiceEntity)),
    notify: (id, medium) =>
      Effect.flatMap(send("POST", `${invoice(id)}/notify_by/${path(medium)}`), answer(NotifyResult)),
    pay: (id, input) =>
      Effect.flatMap(send("POST", `/v1/sandbox/invoices/${path(id)}/payments`, paymentBody(input)), (response) =>
        Effect.map(answer(SandboxPaymentResult)(response), (result) => result.invoice)
      ),
    paymentLinks: {
      create: (input, options) =>
        Effect.flatMap(
          send("POST", "/v1/payment_links", input, idempotency(options?.idempotencyKey)),
          created(PaymentLinkEntity)
        ),
      get: (id) => Effect.flatMap(send("GET", paymentLink(id)), answer(PaymentLinkEntity)),
      list: (filters) =>
        Effect.flatMap(send("GET", withQuery("/v1/payment_links", filtersAsQuery(filters))), (response) =>
          Effect.map(answer(PaymentLinkList)(response), (page) => page.payment_links)
        ),
      cancel: (id) => Effect.flatMap(send("POST", `${paymentLink(id)}/cancel`), answer(PaymentLinkEntity)),
      update: (id, input) => Effect.flatMap(send("PATCH", paymentLink(id), input), answer(PaymentLinkEntity)),
      notify: (id, medium) =>
        Effect.flatMap(send("POST", `${paymentLink(id)}/notify_by/${path(medium)}`), answer(NotifyResult)),
      pay: (id, input) =>
        Effect.flatMap(send("POST", `/v1/sandbox/payment_links/${path(id)}/payments`, paymentBody(input)), (response) =>
          Effect.map(answer(SandboxPaymentLinkPaymentResult)(response), (result) => result.payment_link)
        )
    },
    inbox: (filters) =>
      Effect.flatMap(send("GET", withQuery("/v1/sandbox/inbox", filtersAsQuery(filters))), (response) =>
        Effect.map(answer(InboxCollection)(response), (collection) => collection.items)
      )
  })
}

export const layer = (principal: Principal): Layer.Layer<LinksGateway, never, PaylinksServer.Requirements> =>
  Layer.effect(
    LinksGateway,
    Effect.map(PaylinksServer.inProcess(), (call) => make(principal, call))
  )

/**
 * The merchant and mode a local command acts for: the key named by `--key-id` (its secret checked
 * when one is given); else the one merchant's oldest active test key. A fresh database gets a
 * merchant and a test key pair, as `paylinks serve` would create, its secret shown this once.
 */
export const resolvePrincipal = (keyId: Option.Option<string>, keySecret: Option.Option<Redacted.Redacted<string>>) =>
  Effect.gen(function* () {
    const merchants = yield* Merchants
    const authenticate = (id: string, secret: string) =>
      merchants.authenticate(id, secret).pipe(Effect.mapError((error) => new Refused({ description: error.message })))
    if (Option.isSome(keyId)) {
      if (Option.isSome(keySecret)) return yield* authenticate(keyId.value, Redacted.value(keySecret.value))
      const secret = yield* merchants.secretOf(keyId.value)
      if (Option.isNone(secret)) return yield* new Refused({ description: "The api key provided is invalid" })
      return yield* authenticate(keyId.value, secret.value)
    }
    const generated = yield* ensureCredentials()
    if (generated !== undefined) {
      yield* Output.err(announcement(generated))
      return { tenant: Tenant.make(generated.merchantId, "test"), keyId: generated.keyId } satisfies Principal
    }
    const all = yield* merchants.list
    const [only, ...others] = all
    // `only` is missing only if the merchants were deleted since ensureCredentials saw them.
    if (only === undefined || others.length > 0)
      return yield* new UsageError({
        message: `This database has ${all.length} merchants: choose one with --key-id (paylinks keys list shows them).`
      })
    const keys = yield* merchants.listKeys(only.id)
    const key = keys.find((candidate) => candidate.mode === "test" && candidate.revokedAt === null)
    if (key === undefined)
      return yield* new UsageError({
        message: `Merchant ${only.id} has no active test key: choose a key with --key-id, or create one with paylinks keys create --mode test.`
      })
    return { tenant: Tenant.make(only.id, "test"), keyId: key.keyId } satisfies Principal
  })

/** The gateway on the database, acting as the key the options name (or the only merchant's test key). */
export const layerFor = (options: Connection) => {
  const settings = PaymentLinks.linkSettings(
    Option.getOrElse(options.publicUrl, () => localUrl(DEFAULT_HOST, DEFAULT_PORT))
  )
  const core = PaymentLinks.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(storage(options), settings, IdGenerator.layerCrypto, Readiness.layerAlways))
  )
  return Layer.unwrapEffect(Effect.map(resolvePrincipal(options.keyId, options.keySecret), layer)).pipe(
    Layer.provide(core)
  )
}
