/**
 * Domain errors. Each carries the exact description the wire contract shows (docs/errors.md), so
 * adapters render them and never invent texts of their own.
 */
import * as Schema from "effect/Schema"
import { Status } from "./PaymentLink.js"

/** One problem with one request field. */
export class Problem extends Schema.Class<Problem>("Problem")({
  field: Schema.NullOr(Schema.String),
  description: Schema.String
}) {}

/** A command's input broke one or more rules; `problems` lists every one, in the order they were found. */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  problems: Schema.NonEmptyArray(Problem)
}) {
  get first(): Problem {
    return this.problems[0]
  }
  override get message(): string {
    return this.first.description
  }
}

/** No link with that id in the caller's tenant (another tenant's link is indistinguishable from none). */
export class LinkNotFound extends Schema.TaggedError<LinkNotFound>()("LinkNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return "The id provided does not exist"
  }
}

/** The id is not of the expected shape; Razorpay names it without its prefix. */
export class MalformedId extends Schema.TaggedError<MalformedId>()("MalformedId", {
  withoutPrefix: Schema.String
}) {
  override get message(): string {
    return `${this.withoutPrefix} is not a valid id`
  }
}

/** The command is not allowed in the link's current status; nothing was changed. */
export class OperationNotAllowed extends Schema.TaggedError<OperationNotAllowed>()("OperationNotAllowed", {
  status: Status,
  operation: Schema.String
}) {
  override get message(): string {
    return `Operation not allowed for Invoice in ${this.status} status.`
  }
}

/** A payment was refused (amount rules); nothing was changed. */
export class PaymentRefused extends Schema.TaggedError<PaymentRefused>()("PaymentRefused", {
  description: Schema.String,
  field: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    return this.description
  }
}

/**
 * Another link of the tenant already carries this reference (Payment Links keep `reference_id` unique per
 * merchant and mode; storage enforces it atomically). Nothing was stored.
 */
export class ReferenceTaken extends Schema.TaggedError<ReferenceTaken>()("ReferenceTaken", {
  reference: Schema.String
}) {
  override get message(): string {
    return "payment link creation with reference ID already attempted"
  }
}

/** Errors a caller of the use-cases can receive for a refused command. */
export type CommandError =
  | ValidationFailed
  | LinkNotFound
  | MalformedId
  | OperationNotAllowed
  | PaymentRefused
  | ReferenceTaken

/** Makes a single-problem validation failure. */
export const invalid = (field: string | null, description: string): ValidationFailed =>
  new ValidationFailed({ problems: [new Problem({ field, description })] })
