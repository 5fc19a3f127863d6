/**
 * The `links` commands on the database itself: core's `PaymentLinks` use-cases over the storage
 * adapter, acting as the merchant and mode of one API key. Answers are rendered with the HTTP layer's
 * own entity mapping and error texts, so they match what a server on the same database would answer.
 */
import type { CommandError } from "@paylinks/core/DomainError"
import { IdempotencyStore } from "@paylinks/core/IdempotencyStore"
import { Inbox } from "@paylinks/core/Inbox"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Merchants, type Principal } from "@paylinks/core/Merchants"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as Tenant from "@paylinks/core/Tenant"
import { validateInboxQuery } from "@paylinks/core/Validation"
import { requestHash } from "@paylinks/http/Idempotency"
import { toInboxMessage } from "@paylinks/http/SandboxWire"
import { InvoiceEntity, toEntity } from "@paylinks/http/Wire"
import * as WireErrors from "@paylinks/http/WireErrors"
import { announcement, ensureCredentials } from "@paylinks/runtime/Bootstrap"
import { DEFAULT_HOST, DEFAULT_PORT, localUrl } from "@paylinks/runtime/ServerConfig"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { EnvironmentError, Refused, UsageError } from "./CliError.js"
import type { Connection } from "./ConnectionOptions.js"
import { type Created, filtersAsQuery, LinksGateway } from "./LinksGateway.js"
import { storage } from "./LocalStorage.js"
import * as Output from "./Output.js"

const refuse = (error: CommandError): Refused => {
  const detail = WireErrors.fromDomain(error).error
  return new Refused({ description: detail.description, field: detail.field })
}

const decodeStoredEntity = Schema.decodeUnknown(Schema.parseJson(InvoiceEntity))
const decodeStoredError = Schema.decodeUnknown(
  Schema.parseJson(
    Schema.Struct({ error: Schema.Struct({ description: Schema.String, field: Schema.optional(Schema.String) }) })
  )
)

/** The gateway acting as `principal`, over whatever `PaymentLinks`, `IdempotencyStore` and `Inbox` are provided. */
export const make = (principal: Principal) =>
  Effect.gen(function* () {
    const links = yield* PaymentLinks.PaymentLinks
    const idempotency = yield* IdempotencyStore
    const inbox = yield* Inbox
    const tenant = principal.tenant

    const createOnce = (body: Record<string, unknown>, idempotencyKey: string | null) =>
      links.create(principal, body, { idempotencyKey }).pipe(Effect.map(toEntity), Effect.mapError(refuse))

    const create = (input: Record<string, unknown>, options?: { readonly idempotencyKey?: string | undefined }) =>
      Effect.gen(function* () {
        const body = { type: "link", ...input }
        const key = options?.idempotencyKey
        if (key === undefined) return { entity: yield* createOnce(body, null), replayed: false } satisfies Created
        // Keyed as the server keys it, so a key first used here replays on the server, and back.
        const hash = requestHash("POST", "/v1/invoices", body)
        const claim = yield* idempotency.begin(tenant, key, hash, yield* links.now(tenant))
        switch (claim._tag) {
          case "Mismatch":
            return yield* new Refused({ description: WireErrors.texts.idempotencyMismatch })
          case "InProgress":
            return yield* new Refused({ description: WireErrors.texts.idempotencyInProgress })
          case "Replay": {
            const { status, body: stored } = claim.response
            if (status === 200) {
              const entity = yield* decodeStoredEntity(stored).pipe(
                Effect.mapError(
                  () => new EnvironmentError({ message: `The stored answer for idempotency key ${key} is unreadable.` })
                )
              )
              return { entity, replayed: true } satisfies Created
            }
            const refusal = yield* decodeStoredError(stored).pipe(
              Effect.mapError(
                () => new EnvironmentError({ message: `The stored answer for idempotency key ${key} is unreadable.` })
              )
            )
            return yield* new Refused({ description: refusal.error.description, field: refusal.error.field })
          }
          case "Claimed": {
            // Refusals are stored too, as the server stores every answer below 500.
            const outcome = yield* links.create(principal, body, { idempotencyKey: key }).pipe(
              Effect.map(toEntity),
              Effect.mapError(WireErrors.fromDomain),
              Effect.either,
              // A fault (not a refusal) gives the key up, so that a retry can claim it again.
              Effect.onExit((exit) => (Exit.isFailure(exit) ? idempotency.release(tenant, key) : Effect.void))
            )
            if (Either.isLeft(outcome)) {
              const error = outcome.left
              yield* idempotency.complete(tenant, key, {
                status: WireErrors.statusOf(error),
                body: WireErrors.body(error)
              })
              return yield* new Refused({ description: error.error.description, field: error.error.field })
            }
            yield* idempotency.complete(tenant, key, { status: 200, body: JSON.stringify(outcome.right) })
            return { entity: outcome.right, replayed: false } satisfies Created
          }
        }
      })

    return LinksGateway.of({
      mode: tenant.mode,
      create,
      get: (id) => links.get(tenant, id).pipe(Effect.map(toEntity), Effect.mapError(refuse)),
      list: (filters) =>
        links.list(tenant, filtersAsQuery(filters)).pipe(
          Effect.map((found) => found.map(toEntity)),
          Effect.mapError(refuse)
        ),
      cancel: (id) => links.cancel(tenant, id).pipe(Effect.map(toEntity), Effect.mapError(refuse)),
      update: (id, input) => links.update(tenant, id, input).pipe(Effect.map(toEntity), Effect.mapError(refuse)),
      notify: (id, medium) =>
        links.notify(tenant, id, medium).pipe(Effect.as({ success: true as const }), Effect.mapError(refuse)),
      pay: (id, input) => {
        const body: Record<string, unknown> = {}
        if (input.amount !== undefined) body["amount"] = input.amount
        if (input.method !== undefined) body["method"] = input.method
        return links.pay(tenant, id, body).pipe(Effect.map(toEntity), Effect.mapError(refuse))
      },
      inbox: (filters) =>
        Effect.gen(function* () {
          // The server's own validation of the query, so a bad filter is refused with the same text.
          const query = yield* validateInboxQuery(filtersAsQuery(filters)).pipe(Effect.mapError(refuse))
          return (yield* inbox.list(tenant, query)).map(toInboxMessage)
        })
    })
  })

export const layer = (
  principal: Principal
): Layer.Layer<LinksGateway, never, PaymentLinks.PaymentLinks | IdempotencyStore | Inbox> =>
  Layer.effect(LinksGateway, make(principal))

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
    Layer.provideMerge(Layer.mergeAll(storage(options), settings, IdGenerator.layerCrypto))
  )
  return Layer.unwrapEffect(Effect.map(resolvePrincipal(options.keyId, options.keySecret), layer)).pipe(
    Layer.provide(core)
  )
}
