/**
 * The handlers of the sandbox group (docs/http-api.md). Test-mode keys only: with a live key these
 * routes answer exactly as a route that does not exist would.
 */
import { Inbox } from "@paylinks/core/Inbox"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import { TestClocks } from "@paylinks/core/TestClocks"
import * as Validation from "@paylinks/core/Validation"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type Api, CurrentPrincipal } from "@paylinks/contract/Api"
import type * as NodeServer from "./NodeServer.js"
import * as SandboxPayment from "./SandboxPayment.js"
import { toPaymentLinkError } from "@paylinks/contract/PaymentLinkWire"
import {
  toInboxCollection,
  toSandboxPayment,
  toSandboxPaymentLinkPayment,
  toTestClock
} from "@paylinks/contract/SandboxWire"
import * as Contracts from "@paylinks/core/Contracts"
import * as WireErrors from "@paylinks/contract/WireErrors"

/** What the sandbox handlers need from the composition root. */
export type Requirements = PaymentLinks | TestClocks | Inbox

type SandboxHandlers = NodeServer.Handlers<typeof Api, Requirements | CurrentPrincipal>["sandbox"]

/** The caller's tenant, when it is a test-mode one; a live key is told the route does not exist. */
const testTenant = Effect.flatMap(CurrentPrincipal, (caller) =>
  caller.tenant.mode === "test" ? Effect.succeed(caller.tenant) : Effect.fail(WireErrors.routeNotFound())
)

/** The clock with `offset`, read once, so `now` and `offset` always agree. */
const clockAt = (offset: number) =>
  Effect.map(Clock.currentTimeMillis, (millis) => toTestClock(offset, Math.floor(millis / 1000) + offset))

export const handlers: SandboxHandlers = {
  pay: (request) =>
    Effect.gen(function* () {
      const tenant = yield* testTenant
      const captured = yield* SandboxPayment.capture(tenant, request.path.id, request.body)
      return toSandboxPayment(captured.link, captured.payment)
    }),
  payPaymentLink: (request) =>
    Effect.gen(function* () {
      const tenant = yield* testTenant
      const captured = yield* SandboxPayment.capture(
        tenant,
        request.path.id,
        request.body,
        Contracts.paymentLinks
      ).pipe(Effect.mapError(toPaymentLinkError))
      return toSandboxPaymentLinkPayment(captured.link, captured.payment)
    }),
  clock: () =>
    Effect.gen(function* () {
      const tenant = yield* testTenant
      const clocks = yield* TestClocks
      return yield* clockAt(yield* clocks.offset(tenant))
    }),
  advanceClock: (request) =>
    Effect.gen(function* () {
      const tenant = yield* testTenant
      const seconds = yield* Validation.validateClockAdvance(request.body)
      const links = yield* PaymentLinks
      return yield* clockAt(yield* links.advanceTestClock(tenant, seconds))
    }),
  inbox: (request) =>
    Effect.gen(function* () {
      const tenant = yield* testTenant
      const query = yield* Validation.validateInboxQuery(request.query)
      const inbox = yield* Inbox
      return toInboxCollection(yield* inbox.list(tenant, query))
    })
}
