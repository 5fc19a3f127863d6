/**
 * The two wire contracts over the one domain (docs/domain.md#two-contracts-one-domain), as data the
 * use-cases are given: how a contract's requests are validated, which id prefix its links carry, and
 * the rules where the contracts differ. The use-cases never ask which contract they serve; they apply
 * the rules they were handed.
 */
import type * as Either from "effect/Either"
import type { ValidationFailed } from "./DomainError.js"
import type { IdPrefix } from "./Ids.js"
import type { Contract, Status } from "./PaymentLink.js"
import * as Validation from "./Validation.js"

/** Which statuses take an update: every field in `fieldsIn`, the notes alone in `notesIn`. */
export interface UpdateRule {
  readonly fieldsIn: ReadonlyArray<Status>
  readonly notesIn: ReadonlyArray<Status>
}

export interface Rules {
  readonly contract: Contract
  /** The prefix of the contract's link ids: a link id of the other contract names nothing here. */
  readonly idPrefix: Extract<IdPrefix, "inv" | "plink">
  readonly validateCreate: (
    input: Record<string, unknown>,
    context: Validation.CreateContext
  ) => Either.Either<Validation.CreateCommand, ValidationFailed>
  readonly validateUpdate: (
    input: Record<string, unknown>,
    link: Validation.PaymentLinkUpdateContext,
    now: number
  ) => Either.Either<Validation.UpdateCommand, ValidationFailed>
  readonly validateList: (
    query: Readonly<Record<string, string | undefined>>
  ) => Either.Either<Validation.ListQuery, ValidationFailed>
  readonly update: UpdateRule
  /** The refusal of a `notify_by` medium other than `sms` and `email`. */
  readonly invalidMedium: (medium: string) => string
}

const ALL_STATUSES: ReadonlyArray<Status> = ["issued", "partially_paid", "paid", "cancelled", "expired"]

/** Razorpay's legacy invoices of `type=link` (`/v1/invoices`). */
export const invoices: Rules = {
  contract: "invoices",
  idPrefix: "inv",
  validateCreate: (input, context) => Validation.validateCreate(input, context.now),
  validateUpdate: Validation.validateUpdate,
  validateList: Validation.validateListQuery,
  // An issued link takes every field; a link in any other status its notes only.
  update: { fieldsIn: ["issued"], notesIn: ALL_STATUSES },
  invalidMedium: (medium) => `${medium} is not a valid communication medium.`
}

/** Razorpay's current Payment Links (`/v1/payment_links`). */
export const paymentLinks: Rules = {
  contract: "payment_links",
  idPrefix: "plink",
  validateCreate: Validation.validateCreatePaymentLink,
  validateUpdate: Validation.validateUpdatePaymentLink,
  validateList: Validation.validatePaymentLinkListQuery,
  // Created and partially paid links take every field; a closed link takes none.
  update: { fieldsIn: ["issued", "partially_paid"], notesIn: ["issued", "partially_paid"] },
  invalidMedium: () => Validation.PAYMENT_LINK_TEXTS.invalidMedium
}

/** The rules of a contract, by name. */
export const of = (contract: Contract): Rules => (contract === "invoices" ? invoices : paymentLinks)

/** The rules of the contract a link id belongs to, by its prefix. */
export const ofLinkId = (id: string): Rules => (id.startsWith("plink_") ? paymentLinks : invoices)
