/**
 * The PaymentLinks use-cases: the shell around the pure state machine. Each command loads the link,
 * asks `Transitions` for the next state at the tenant's `now`, and stores it with a compare-and-set;
 * a lost race is retried from a fresh read, so the loser gets the ordinary domain error.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Contracts from "./Contracts.js"
import {
  type CommandError,
  invalid,
  LinkNotFound,
  MalformedId,
  type ReferenceTaken,
  type ValidationFailed
} from "./DomainError.js"
import { IdGenerator } from "./IdGenerator.js"
import { CustomerId, OrderId, parseId, PaymentId, PaymentLinkId, type ShortCode } from "./Ids.js"
import type { Principal } from "./Merchants.js"
import type { Channel, Payment, PaymentLink } from "./PaymentLink.js"
import { PaymentLinkRepository, type StaleLink } from "./PaymentLinkRepository.js"
import * as Tenant from "./Tenant.js"
import { traced } from "./Traced.js"
import { TestClocks } from "./TestClocks.js"
import * as Transitions from "./Transitions.js"
import * as Validation from "./Validation.js"

/** Where links are served: `short_url` is `<publicUrl>/i/<code>`. */
export interface LinkSettingsShape {
  readonly publicUrl: string
}

export class LinkSettings extends Context.Tag("@paylinks/core/LinkSettings")<LinkSettings, LinkSettingsShape>() {}

export const linkSettings = (publicUrl: string): Layer.Layer<LinkSettings> =>
  Layer.succeed(LinkSettings, { publicUrl: publicUrl.replace(/\/+$/, "") })

export interface CreateOptions {
  readonly idempotencyKey?: string | null
}

/*
 * Every command takes the rules of the contract it arrives through (`Contracts.invoices` when none is
 * given): they validate its input, prefix its ids and decide where the contracts differ. A link is seen
 * only through the contract that created it; through the other it does not exist.
 */

export interface PaymentLinksShape {
  /** The tenant's current time in unix seconds: real time, plus the test clock's offset in test mode. */
  readonly now: (tenant: Tenant.Tenant) => Effect.Effect<number>
  readonly create: (
    caller: Principal,
    input: Record<string, unknown>,
    options?: CreateOptions,
    rules?: Contracts.Rules
  ) => Effect.Effect<PaymentLink, ValidationFailed | LinkNotFound | ReferenceTaken>
  readonly get: (
    tenant: Tenant.Tenant,
    id: string,
    rules?: Contracts.Rules
  ) => Effect.Effect<PaymentLink, MalformedId | LinkNotFound>
  /** A payment of any link of the tenant (either contract), with its link as of now. */
  readonly getPayment: (
    tenant: Tenant.Tenant,
    id: string
  ) => Effect.Effect<{ readonly link: PaymentLink; readonly payment: Payment }, MalformedId | LinkNotFound>
  /** The link whose order this is (either contract), as of now. */
  readonly getOrder: (tenant: Tenant.Tenant, id: string) => Effect.Effect<PaymentLink, MalformedId | LinkNotFound>
  /** The link behind a short code, as of its tenant's now (the hosted page), whatever its contract. */
  readonly getByShortCode: (code: ShortCode) => Effect.Effect<PaymentLink, LinkNotFound>
  readonly list: (
    tenant: Tenant.Tenant,
    query: Readonly<Record<string, string | undefined>>,
    rules?: Contracts.Rules
  ) => Effect.Effect<ReadonlyArray<PaymentLink>, ValidationFailed>
  readonly cancel: (
    tenant: Tenant.Tenant,
    id: string,
    rules?: Contracts.Rules
  ) => Effect.Effect<PaymentLink, CommandError>
  readonly pay: (
    tenant: Tenant.Tenant,
    id: string,
    input: Record<string, unknown>,
    rules?: Contracts.Rules
  ) => Effect.Effect<PaymentLink, CommandError>
  readonly update: (
    tenant: Tenant.Tenant,
    id: string,
    input: Record<string, unknown>,
    rules?: Contracts.Rules
  ) => Effect.Effect<PaymentLink, CommandError>
  /** `notify_by/:medium`: asks for the link to be sent again by `sms` or `email`. */
  readonly notify: (
    tenant: Tenant.Tenant,
    id: string,
    medium: string,
    rules?: Contracts.Rules
  ) => Effect.Effect<PaymentLink, CommandError>
  /** The notifier confirmed delivery on a channel (any contract's link). */
  readonly markNotificationSent: (
    tenant: Tenant.Tenant,
    id: PaymentLinkId,
    channel: Channel
  ) => Effect.Effect<PaymentLink, CommandError>
  /**
   * Stores the expiry of up to `limit` due links (of one tenant, or of all at real time) and
   * returns how many it expired.
   */
  readonly expireDue: (limit: number, tenant?: Tenant.Tenant) => Effect.Effect<number>
  /** Moves a test-mode clock forward and expires that tenant's links that are now due. */
  readonly advanceTestClock: (tenant: Tenant.Tenant, seconds: number) => Effect.Effect<number>
}

export class PaymentLinks extends Context.Tag("@paylinks/core/PaymentLinks")<PaymentLinks, PaymentLinksShape>() {}

const MAX_ATTEMPTS = 16

export const make = Effect.gen(function* () {
  const repository = yield* PaymentLinkRepository
  const ids = yield* IdGenerator
  const clocks = yield* TestClocks
  const settings = yield* LinkSettings

  const realNow = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))
  const now = (tenant: Tenant.Tenant) =>
    tenant.mode === "live" ? realNow : Effect.zipWith(realNow, clocks.offset(tenant), (real, offset) => real + offset)

  /**
   * A link id as the contract reads it. A well-formed id of the other contract is not malformed, it
   * names no link of this one (the lookup finds nothing).
   */
  const parseLinkId = (raw: string, rules: Contracts.Rules): Either.Either<PaymentLinkId, MalformedId> => {
    const parsed = parseId(rules.idPrefix, raw)
    if (parsed._tag === "Valid") return Either.right(PaymentLinkId.make(parsed.id, { disableValidation: true }))
    const other = parseId(rules.idPrefix === "inv" ? "plink" : "inv", raw)
    return other._tag === "Valid"
      ? Either.right(PaymentLinkId.make(other.id, { disableValidation: true }))
      : Either.left(new MalformedId({ withoutPrefix: parsed.withoutPrefix }))
  }

  const load = (tenant: Tenant.Tenant, id: PaymentLinkId, rules: Contracts.Rules) =>
    Effect.flatMap(repository.findById(tenant, id), (found) =>
      Option.isSome(found) && found.value.contract === rules.contract
        ? Effect.succeed(found.value)
        : Effect.fail(new LinkNotFound({ id }))
    )

  /** Load → transition → compare-and-set, retried from a fresh read when another writer won. */
  const transact = <E>(
    tenant: Tenant.Tenant,
    rawId: string,
    rules: Contracts.Rules,
    step: (
      link: PaymentLink,
      now: number
    ) => Effect.Effect<Transitions.Transition, E> | Either.Either<Transitions.Transition, E>
  ): Effect.Effect<PaymentLink, E | MalformedId | LinkNotFound | ReferenceTaken> =>
    Effect.gen(function* () {
      const id = yield* parseLinkId(rawId, rules)
      for (let attempt = 1; ; attempt++) {
        const link = yield* load(tenant, id, rules)
        const at = yield* now(tenant)
        const transition = yield* step(link, at)
        const saved = yield* Effect.either(repository.save(transition))
        if (Either.isRight(saved)) return transition.link
        if (saved.left._tag === "ReferenceTaken") return yield* saved.left
        if (attempt >= MAX_ATTEMPTS) return yield* Effect.die(saved.left as StaleLink)
      }
    })

  const create: PaymentLinksShape["create"] = (caller, input, options, rules = Contracts.invoices) =>
    Effect.gen(function* () {
      const at = yield* now(caller.tenant)
      const command = yield* rules.validateCreate(input, { now: at, mode: caller.tenant.mode })
      let customer = null
      if (command.customerId !== null) {
        const found = yield* repository.findCustomer(caller.tenant, command.customerId)
        if (Option.isNone(found)) return yield* invalid("customer_id", "The id provided does not exist")
        customer = found.value
      } else if (command.customer !== null) {
        const customerId = CustomerId.make(yield* ids.next("cust"), { disableValidation: true })
        customer = Transitions.newCustomer(customerId, command.customer)
      }
      const shortCode = yield* ids.shortCode
      const transition = Transitions.issue(
        command,
        {
          tenant: caller.tenant,
          contract: rules.contract,
          id: PaymentLinkId.make(yield* ids.next(rules.idPrefix), { disableValidation: true }),
          orderId: OrderId.make(yield* ids.next("order"), { disableValidation: true }),
          shortCode,
          shortUrl: `${settings.publicUrl}/i/${shortCode}`,
          customer,
          keyId: caller.keyId,
          idempotencyKey: options?.idempotencyKey ?? null
        },
        at
      )
      yield* repository.insert(transition)
      return transition.link
    }).pipe(traced("PaymentLinks.create"))

  // The reads run on every fetch and list: plain `flatMap` chains, no generator.
  const get: PaymentLinksShape["get"] = (tenant, rawId, rules = Contracts.invoices) =>
    Effect.flatMap(parseLinkId(rawId, rules), (id) =>
      Effect.flatMap(load(tenant, id, rules), (link) => Effect.map(now(tenant), (at) => Transitions.observe(link, at)))
    ).pipe(traced("PaymentLinks.get"))

  /** An id of another kind (`pay`, `order`) as sent: malformed ids are refused with Razorpay's text. */
  const checkId = (prefix: "pay" | "order", raw: string): Either.Either<string, MalformedId> => {
    const parsed = parseId(prefix, raw)
    return parsed._tag === "Valid"
      ? Either.right(parsed.id)
      : Either.left(new MalformedId({ withoutPrefix: parsed.withoutPrefix }))
  }

  const found = (rawId: string) => (link: Option.Option<PaymentLink>) =>
    Option.isSome(link) ? Effect.succeed(link.value) : Effect.fail(new LinkNotFound({ id: rawId }))

  const getPayment: PaymentLinksShape["getPayment"] = (tenant, rawId) =>
    Effect.gen(function* () {
      const id = yield* checkId("pay", rawId)
      const link = yield* Effect.flatMap(repository.findByPayment(tenant, id), found(rawId))
      const payment = link.payments.find((candidate) => candidate.id === id)
      if (payment === undefined) return yield* new LinkNotFound({ id: rawId })
      return { link: Transitions.observe(link, yield* now(tenant)), payment }
    }).pipe(traced("PaymentLinks.getPayment"))

  const getOrder: PaymentLinksShape["getOrder"] = (tenant, rawId) =>
    Effect.gen(function* () {
      const id = yield* checkId("order", rawId)
      const link = yield* Effect.flatMap(repository.findByOrder(tenant, id), found(rawId))
      return Transitions.observe(link, yield* now(tenant))
    }).pipe(traced("PaymentLinks.getOrder"))

  const getByShortCode: PaymentLinksShape["getByShortCode"] = (code) =>
    Effect.gen(function* () {
      const found = yield* repository.findByShortCode(code)
      if (Option.isNone(found)) return yield* new LinkNotFound({ id: code })
      const link = found.value
      return Transitions.observe(link, yield* now(Tenant.make(link.merchantId, link.mode)))
    }).pipe(traced("PaymentLinks.getByShortCode"))

  const list: PaymentLinksShape["list"] = (tenant, rawQuery, rules = Contracts.invoices) =>
    Effect.flatMap(rules.validateList(rawQuery), (query) =>
      Effect.flatMap(now(tenant), (at) =>
        // Only `link` entities live here; another invoice type matches nothing, as Razorpay's filter would.
        query.type !== null && query.type !== "link"
          ? Effect.succeed([])
          : Effect.map(repository.list(tenant, query, at), (links) =>
              links.map((link) => Transitions.observe(link, at))
            )
      )
    ).pipe(traced("PaymentLinks.list"))

  const cancel: PaymentLinksShape["cancel"] = (tenant, id, rules = Contracts.invoices) =>
    transact(tenant, id, rules, (link, at) => Transitions.cancel(link, at)).pipe(traced("PaymentLinks.cancel"))

  const pay: PaymentLinksShape["pay"] = (tenant, id, input, rules = Contracts.invoices) =>
    Effect.gen(function* () {
      const command = yield* Validation.validatePayment(input)
      const paymentId = PaymentId.make(yield* ids.next("pay"), { disableValidation: true })
      return yield* transact(tenant, id, rules, (link, at) => Transitions.pay(link, command, paymentId, at))
    }).pipe(traced("PaymentLinks.pay"))

  const update: PaymentLinksShape["update"] = (tenant, id, input, rules = Contracts.invoices) =>
    transact(tenant, id, rules, (link, at) =>
      Either.flatMap(rules.validateUpdate(input, link, at), (command) =>
        Transitions.update(link, command, at, rules.update)
      )
    ).pipe(traced("PaymentLinks.update"))

  const notify: PaymentLinksShape["notify"] = (tenant, id, medium, rules = Contracts.invoices) =>
    Effect.gen(function* () {
      if (medium !== "sms" && medium !== "email") return yield* invalid("medium", rules.invalidMedium(medium))
      return yield* transact(tenant, id, rules, (link, at) => Transitions.requestNotification(link, medium, at))
    }).pipe(traced("PaymentLinks.notify"))

  const markNotificationSent: PaymentLinksShape["markNotificationSent"] = (tenant, id, channel) =>
    transact(tenant, id, Contracts.ofLinkId(id), (link, at) =>
      Transitions.markNotificationSent(link, channel, at)
    ).pipe(traced("PaymentLinks.markNotificationSent"))

  const expireDue: PaymentLinksShape["expireDue"] = (limit, tenant) =>
    Effect.gen(function* () {
      const at = tenant === undefined ? yield* realNow : yield* now(tenant)
      const due = yield* repository.findDue(at, limit, tenant)
      let expired = 0
      for (const link of due) {
        // A sweep across all tenants runs on real time; a test-mode tenant's clock may be ahead of it.
        const linkNow = tenant === undefined ? at : yield* now(tenant)
        const outcome = Transitions.expire(link, linkNow)
        if (Either.isLeft(outcome)) continue
        const saved = yield* Effect.either(repository.save(outcome.right))
        if (Either.isRight(saved)) expired++
      }
      return expired
    }).pipe(traced("PaymentLinks.expireDue"))

  const advanceTestClock: PaymentLinksShape["advanceTestClock"] = (tenant, seconds) =>
    Effect.gen(function* () {
      const offset = yield* clocks.advance(tenant, seconds)
      for (;;) {
        const expired = yield* expireDue(500, tenant)
        if (expired < 500) break
      }
      return offset
    }).pipe(traced("PaymentLinks.advanceTestClock"))

  return {
    now,
    create,
    get,
    getPayment,
    getOrder,
    getByShortCode,
    list,
    cancel,
    pay,
    update,
    notify,
    markNotificationSent,
    expireDue,
    advanceTestClock
  } satisfies PaymentLinksShape
})

/** The use-cases over whatever repository, id generator, test clocks and settings are provided. */
export const layer: Layer.Layer<PaymentLinks, never, PaymentLinkRepository | IdGenerator | TestClocks | LinkSettings> =
  Layer.effect(PaymentLinks, make)
