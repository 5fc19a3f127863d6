/**
 * Builders shared by the pure-domain tests: real links made by the real validation and transitions, so a
 * fixture can never be in a state the domain itself could not reach.
 */
import * as Either from "effect/Either"
import { CustomerId, MerchantId, OrderId, PaymentId, PaymentLinkId, ShortCode } from "../src/Ids.js"
import type { PaymentLink } from "../src/PaymentLink.js"
import * as Tenant from "../src/Tenant.js"
import * as Transitions from "../src/Transitions.js"
import * as Validation from "../src/Validation.js"

/** 2023-11-14T22:13:20Z: the moment every fixture is created at. */
export const T0 = 1_700_000_000
export const MINUTE = 60
export const DAY = 86_400

export const TENANT = Tenant.make(MerchantId.make("acc_0000000000000A"), "test")

const pad = (n: number, length: number): string => String(n).padStart(length, "0")

export const paymentId = (n: number): PaymentId => PaymentId.make(`pay_${pad(n, 14)}`)

/** Issues link number `n` from a create body (`type` and an amount of INR 100.00 are filled in). */
export const issueLink = (body: Record<string, unknown> = {}, now: number = T0, n = 1): Transitions.Transition => {
  const command = accept(Validation.validateCreate({ type: "link", amount: 10000, ...body }, now))
  return Transitions.issue(
    command,
    {
      tenant: TENANT,
      id: PaymentLinkId.make(`inv_${pad(n, 14)}`),
      orderId: OrderId.make(`order_${pad(n, 14)}`),
      shortCode: ShortCode.make(pad(n, 8)),
      shortUrl: `https://pay.example/i/${pad(n, 8)}`,
      customer:
        command.customer === null
          ? null
          : Transitions.newCustomer(CustomerId.make(`cust_${pad(n, 14)}`), command.customer),
      keyId: "rzp_test_0000000000000A",
      idempotencyKey: null
    },
    now
  )
}

/** The accepted value, or a thrown error naming the refusal (so a test fails with the domain's own text). */
export const accept = <A, E extends { readonly message: string }>(result: Either.Either<A, E>): A =>
  Either.getOrElse(result, (error) => {
    throw new Error(`expected acceptance, got: ${error.message}`)
  })

/** The refusal, or a thrown error when the command was accepted. */
export const refuse = <A, E>(result: Either.Either<A, E>): E =>
  Either.match(result, {
    onLeft: (error) => error,
    onRight: () => {
      throw new Error("expected a refusal, the command was accepted")
    }
  })

/** A link as plain data: every stored field, for whole-value comparisons. */
export const plain = (link: PaymentLink): Record<string, unknown> => JSON.parse(JSON.stringify(link))
