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
import { toCollection, toEntity } from "@paylinks/contract/Wire"
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
