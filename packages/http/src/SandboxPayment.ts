/**
 * A sandbox payment: what a test-mode customer's payment does, for the hosted page and for
 * `POST /v1/sandbox/invoices/:id/payments` alike. It is an ordinary captured payment through the
 * `PaymentLinks.pay` use-case, so the amount rules, the state change and the events are the API's.
 */
import * as Contracts from "@paylinks/core/Contracts"
import type { CommandError } from "@paylinks/core/DomainError"
import type { Payment, PaymentLink } from "@paylinks/core/PaymentLink"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import type { Tenant } from "@paylinks/core/Tenant"
import * as Effect from "effect/Effect"

export interface Captured {
  /** The link as it stands after the payment. */
  readonly link: PaymentLink
  readonly payment: Payment
}

/** Captures a payment of `input.amount` (default: the amount due) by `input.method` (default `card`). */
export const capture = (
  tenant: Tenant,
  linkId: string,
  input: Record<string, unknown>,
  rules: Contracts.Rules = Contracts.invoices
): Effect.Effect<Captured, CommandError, PaymentLinks> =>
  Effect.gen(function* () {
    const links = yield* PaymentLinks
    const link = yield* links.pay(tenant, linkId, input, rules)
    // `pay` appends exactly one payment: the last one is the payment just captured.
    const payment = link.payments[link.payments.length - 1]
    if (payment === undefined) return yield* Effect.dieMessage(`pay stored no payment on ${link.id}`)
    return { link, payment }
  }).pipe(Effect.withSpan("SandboxPayment.capture"))
