/**
 * The handlers of the paylinks contract: each endpoint calls one use-case of core and maps its link
 * to the wire entity. Domain refusals are returned as they are; the server renders them.
 */
import type { Principal } from "@paylinks/core/Merchants"
import type { PaymentLinks as PaymentLinksTag, PaymentLinksShape } from "@paylinks/core/PaymentLinks"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import * as Effect from "effect/Effect"
import { type Api, CurrentPrincipal } from "@paylinks/contract/Api"
import type * as NodeServer from "./NodeServer.js"
import { Readiness } from "./Readiness.js"
import * as SandboxHandlers from "./SandboxHandlers.js"
import { toPaymentLinkEntity, toPaymentLinkError, toPaymentLinkList } from "@paylinks/contract/PaymentLinkWire"
import { toCollection, toEntity, toOrderEntity, toPaymentCollection, toPaymentEntity } from "@paylinks/contract/Wire"
import * as Contracts from "@paylinks/core/Contracts"
import * as WireErrors from "@paylinks/contract/WireErrors"

/** What the handlers need from the composition root. */
export type Requirements = PaymentLinksTag | Readiness | SandboxHandlers.Requirements

const headerText = (value: string | ReadonlyArray<string> | undefined): string | null =>
  typeof value === "string" ? value : null

/** A handler's caller and the use-cases. Plain `flatMap`s: these run on every request (no generator to allocate). */
const withLinks = <A, E>(
  f: (caller: Principal, links: PaymentLinksShape) => Effect.Effect<A, E>
): Effect.Effect<A, E, CurrentPrincipal | PaymentLinksTag> =>
  Effect.flatMap(CurrentPrincipal, (caller) => Effect.flatMap(PaymentLinks, (links) => f(caller, links)))

export const handlers: NodeServer.Handlers<typeof Api, Requirements | CurrentPrincipal> = {
  invoices: {
    create: (request) =>
      withLinks((caller, links) =>
        Effect.map(
          links.create(caller, request.body, { idempotencyKey: headerText(request.headers["idempotency-key"]) }),
          toEntity
        )
      ),
    fetch: (request) => withLinks((caller, links) => Effect.map(links.get(caller.tenant, request.path.id), toEntity)),
    list: (request) => withLinks((caller, links) => Effect.map(links.list(caller.tenant, request.query), toCollection)),
    update: (request) =>
      withLinks((caller, links) => Effect.map(links.update(caller.tenant, request.path.id, request.body), toEntity)),
    cancel: (request) =>
      withLinks((caller, links) => Effect.map(links.cancel(caller.tenant, request.path.id), toEntity)),
    notifyBy: (request) =>
      withLinks((caller, links) =>
        Effect.as(links.notify(caller.tenant, request.path.id, request.path.medium), { success: true } as const)
      )
  },
  // The same use-cases under the Payment Links contract's rules; its own shapes and state refusals.
  paymentLinks: {
    create: (request) =>
      withLinks((caller, links) =>
        links
          .create(
            caller,
            request.body,
            { idempotencyKey: headerText(request.headers["idempotency-key"]) },
            Contracts.paymentLinks
          )
          .pipe(Effect.mapBoth({ onFailure: toPaymentLinkError, onSuccess: toPaymentLinkEntity }))
      ),
    fetch: (request) =>
      withLinks((caller, links) =>
        links
          .get(caller.tenant, request.path.id, Contracts.paymentLinks)
          .pipe(Effect.mapBoth({ onFailure: toPaymentLinkError, onSuccess: toPaymentLinkEntity }))
      ),
    list: (request) =>
      withLinks((caller, links) =>
        links
          .list(caller.tenant, request.query, Contracts.paymentLinks)
          .pipe(Effect.mapBoth({ onFailure: toPaymentLinkError, onSuccess: toPaymentLinkList }))
      ),
    update: (request) =>
      withLinks((caller, links) =>
        links
          .update(caller.tenant, request.path.id, request.body, Contracts.paymentLinks)
          .pipe(Effect.mapBoth({ onFailure: toPaymentLinkError, onSuccess: toPaymentLinkEntity }))
      ),
    cancel: (request) =>
      withLinks((caller, links) =>
        links
          .cancel(caller.tenant, request.path.id, Contracts.paymentLinks)
          .pipe(Effect.mapBoth({ onFailure: toPaymentLinkError, onSuccess: toPaymentLinkEntity }))
      ),
    notifyBy: (request) =>
      withLinks((caller, links) =>
        links
          .notify(caller.tenant, request.path.id, request.path.medium, Contracts.paymentLinks)
          .pipe(Effect.mapBoth({ onFailure: toPaymentLinkError, onSuccess: () => ({ success: true }) as const }))
      )
  },
  payments: {
    fetch: (request) =>
      withLinks((caller, links) =>
        Effect.map(links.getPayment(caller.tenant, request.path.id), (found) =>
          toPaymentEntity(found.link, found.payment)
        )
      )
  },
  orders: {
    fetch: (request) =>
      withLinks((caller, links) => Effect.map(links.getOrder(caller.tenant, request.path.id), toOrderEntity)),
    payments: (request) =>
      withLinks((caller, links) => Effect.map(links.getOrder(caller.tenant, request.path.id), toPaymentCollection))
  },
  system: {
    healthz: () => Effect.succeed({ status: "ok" } as const),
    readyz: () =>
      Effect.flatMap(Readiness, (readiness) =>
        Effect.flatMap(readiness.check, (ready) =>
          ready ? Effect.succeed({ status: "ok" } as const) : Effect.fail(WireErrors.notReady())
        )
      )
  },
  sandbox: SandboxHandlers.handlers
}
