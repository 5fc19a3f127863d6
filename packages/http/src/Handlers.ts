/**
 * The handlers of the paylinks contract: each endpoint calls one use-case of core and maps its link
 * to the wire entity. Domain refusals are returned as they are; the server renders them.
 */
import type { PaymentLinks as PaymentLinksTag } from "@paylinks/core/PaymentLinks"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import * as Effect from "effect/Effect"
import { type Api, CurrentPrincipal } from "./Api.js"
import type * as NodeServer from "./NodeServer.js"
import { Readiness } from "./Readiness.js"
import * as SandboxHandlers from "./SandboxHandlers.js"
import { toCollection, toEntity } from "./Wire.js"
import * as WireErrors from "./WireErrors.js"

/** What the handlers need from the composition root. */
export type Requirements = PaymentLinksTag | Readiness | SandboxHandlers.Requirements

const headerText = (value: string | ReadonlyArray<string> | undefined): string | null =>
  typeof value === "string" ? value : null

export const handlers: NodeServer.Handlers<typeof Api, Requirements | CurrentPrincipal> = {
  invoices: {
    create: (request) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const links = yield* PaymentLinks
        const link = yield* links.create(caller, request.body, {
          idempotencyKey: headerText(request.headers["idempotency-key"])
        })
        return toEntity(link)
      }),
    fetch: (request) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const links = yield* PaymentLinks
        return toEntity(yield* links.get(caller.tenant, request.path.id))
      }),
    list: (request) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const links = yield* PaymentLinks
        return toCollection(yield* links.list(caller.tenant, request.query))
      }),
    update: (request) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const links = yield* PaymentLinks
        return toEntity(yield* links.update(caller.tenant, request.path.id, request.body))
      }),
    cancel: (request) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const links = yield* PaymentLinks
        return toEntity(yield* links.cancel(caller.tenant, request.path.id))
      }),
    notifyBy: (request) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const links = yield* PaymentLinks
        yield* links.notify(caller.tenant, request.path.id, request.path.medium)
        return { success: true } as const
      })
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
