/**
 * Option shapes the commands share: `--json`, tri-state switches (`--x` / `--no-x` / neither, so that
 * "not given" leaves the API's default alone) and repeated `--note key=value`.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Status } from "@paylinks/core/PaymentLink"
import { PaymentLinkStatus } from "@paylinks/contract/PaymentLinkWire"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** The value an option parses to. */
export type TypeOf<O> = O extends Options.Options<infer A> ? A : never

export const json = Options.boolean("json").pipe(
  Options.withDescription("Print JSON for machines (the wire entity) instead of a table.")
)

/** `--name` → true, `--no-name` → false, neither → none. */
export const toggle = (name: string, description: string): Options.Options<Option.Option<boolean>> =>
  Options.all([
    Options.boolean(name).pipe(Options.withDescription(description)),
    Options.boolean(`no-${name}`).pipe(Options.withDescription(`The opposite of --${name}.`))
  ]).pipe(
    Options.mapEffect(([on, off]) =>
      on && off
        ? Effect.fail(ValidationError.invalidValue(HelpDoc.p(`Give --${name} or --no-${name}, not both.`)))
        : Effect.succeed(on ? Option.some(true) : off ? Option.some(false) : Option.none())
    )
  )

/** Repeated `--note key=value`, in the order given (the value may itself contain `=`). */
export const notes = Options.text("note").pipe(
  Options.withDescription("A note as key=value; repeat for several (at most 15)."),
  Options.repeated,
  Options.mapEffect((pairs) => {
    const result: Record<string, string> = {}
    for (const pair of pairs) {
      const at = pair.indexOf("=")
      if (at <= 0) return Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--note takes key=value, not "${pair}".`)))
      define(result, pair.slice(0, at), pair.slice(at + 1))
    }
    return Effect.succeed(pairs.length === 0 ? Option.none<Record<string, string>>() : Option.some(result))
  })
)

/** Sets a key as own data, even `__proto__`, which plain assignment would treat as the prototype. */
export const define = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** The present values of a record of options, keyed by their wire names. */
export const present = (values: Record<string, Option.Option<unknown>>): Record<string, unknown> => {
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) if (Option.isSome(value)) define(result, key, value.value)
  return result
}

/** An optional `--name text` option. */
export const optionalText = (name: string, description: string) =>
  Options.text(name).pipe(Options.withDescription(description), Options.optional)
/** An optional `--name integer` option. */
export const optionalInteger = (name: string, description: string) =>
  Options.integer(name).pipe(Options.withDescription(description), Options.optional)

/** The list filters of docs/http-api.md#endpoints, except paging. */
export const listFilters = {
  type: optionalText("type", "Only links of this type (every paylinks link is of type link)."),
  status: Options.choice("status", Status.literals).pipe(
    Options.withDescription("Only links in this status."),
    Options.optional
  ),
  receipt: optionalText("receipt", "Only links with this receipt."),
  customerId: optionalText("customer-id", "Only links of this customer (cust_…)."),
  paymentId: optionalText("payment-id", "Only the link paid by this payment (pay_…)."),
  from: optionalInteger("from", "Created at or after this time (unix seconds)."),
  to: optionalInteger("to", "Created at or before this time (unix seconds).")
}

export type FilterValues = { readonly [K in keyof typeof listFilters]: TypeOf<(typeof listFilters)[K]> }

export const filtersOf = (values: FilterValues) => ({
  type: Option.getOrUndefined(values.type),
  status: Option.getOrUndefined(values.status),
  receipt: Option.getOrUndefined(values.receipt),
  customer_id: Option.getOrUndefined(values.customerId),
  payment_id: Option.getOrUndefined(values.paymentId),
  from: Option.getOrUndefined(values.from),
  to: Option.getOrUndefined(values.to)
})

/** The list filters of `GET /v1/payment_links` (docs/http-api.md#payment-links), except paging. */
export const paymentLinkFilters = {
  status: Options.choice("status", PaymentLinkStatus.literals).pipe(
    Options.withDescription("Only links in this status."),
    Options.optional
  ),
  referenceId: optionalText("reference-id", "Only the link with this reference."),
  paymentId: optionalText("payment-id", "Only the link paid by this payment (pay_…)."),
  upiLink: toggle("upi-link", "Only UPI links (--no-upi-link: only standard links)."),
  from: optionalInteger("from", "Created at or after this time (unix seconds)."),
  to: optionalInteger("to", "Created at or before this time (unix seconds).")
}

export type PaymentLinkFilterValues = {
  readonly [K in keyof typeof paymentLinkFilters]: TypeOf<(typeof paymentLinkFilters)[K]>
}

export const paymentLinkFiltersOf = (values: PaymentLinkFilterValues) => ({
  status: Option.getOrUndefined(values.status),
  reference_id: Option.getOrUndefined(values.referenceId),
  payment_id: Option.getOrUndefined(values.paymentId),
  upi_link: Option.getOrUndefined(values.upiLink),
  from: Option.getOrUndefined(values.from),
  to: Option.getOrUndefined(values.to)
})
