/**
 * `paylinks payment-links …`: the commands of Razorpay's current Payment Links API (`/v1/payment_links`),
 * next to `paylinks links …` (the invoices API) and on the same gateway, so each runs on the database or a
 * server alike. `--json` prints the `payment_link` entity exactly as the API answers it, otherwise a table.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { PaymentLinkEntity } from "@paylinks/contract/PaymentLinkWire"
import { PAYMENT_METHODS } from "@paylinks/core/Validation"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Connection from "./Connection.js"
import * as ExportCommand from "./ExportCommand.js"
import * as Flags from "./Flags.js"
import * as ImportCommand from "./ImportCommand.js"
import { requireTestMode, withGateway } from "./LinksCommand.js"
import * as Output from "./Output.js"

const printEntity = (json: boolean) => (link: PaymentLinkEntity) =>
  Output.line(json ? Output.json(link) : Output.paymentLink(link))

const id = Args.text({ name: "id" }).pipe(Args.withDescription("The link's id (plink_…)."))

const text = Flags.optionalText
const integer = Flags.optionalInteger

const create = Command.make(
  "create",
  {
    connection: Connection.connection,
    json: Flags.json,
    amount: Options.integer("amount").pipe(
      Options.withDescription("The amount in the currency's smallest unit: 50000 is INR 500.00.")
    ),
    currency: text("currency", "ISO 4217 code (default INR)."),
    acceptPartial: Flags.toggle("accept-partial", "Let the customer pay in parts."),
    firstMinPartialAmount: integer("first-min-partial-amount", "The smallest first payment (with --accept-partial)."),
    expireBy: integer("expire-by", "Expiry, unix seconds: at least 15 minutes from now."),
    referenceId: text("reference-id", "Your reference (at most 40 characters, unique among your links)."),
    description: text("description", "What the customer pays for (at most 2048 characters)."),
    customerName: text("customer-name", "The customer's name."),
    customerEmail: text("customer-email", "The customer's email address."),
    customerContact: text("customer-contact", "The customer's phone number."),
    notifySms: Flags.toggle("notify-sms", "Send the link by SMS to --customer-contact (default no)."),
    notifyEmail: Flags.toggle("notify-email", "Send the link by email to --customer-email (default no)."),
    reminderEnable: Flags.toggle("reminder-enable", "Send payment reminders."),
    notes: Flags.notes,
    callbackUrl: text("callback-url", "Where the hosted page redirects after payment."),
    callbackMethod: Options.choice("callback-method", ["get"]).pipe(
      Options.withDescription("How the redirect is made (get; required with --callback-url)."),
      Options.optional
    ),
    upiLink: Flags.toggle("upi-link", "A UPI Payment Link (live mode only)."),
    idempotencyKey: text("idempotency-key", "Replay the first answer for this key instead of creating again.")
  },
  (flags) => {
    const customer = Flags.present({
      name: flags.customerName,
      email: flags.customerEmail,
      contact: flags.customerContact
    })
    const notify = Flags.present({ sms: flags.notifySms, email: flags.notifyEmail })
    const some = (value: Record<string, unknown>) =>
      Object.keys(value).length === 0 ? Option.none() : Option.some(value)
    const input = Flags.present({
      amount: Option.some(flags.amount),
      currency: flags.currency,
      accept_partial: flags.acceptPartial,
      first_min_partial_amount: flags.firstMinPartialAmount,
      expire_by: flags.expireBy,
      reference_id: flags.referenceId,
      description: flags.description,
      customer: some(customer),
      notify: some(notify),
      reminder_enable: flags.reminderEnable,
      notes: flags.notes,
      callback_url: flags.callbackUrl,
      callback_method: flags.callbackMethod,
      upi_link: flags.upiLink
    })
    return withGateway(flags.connection, (gateway) =>
      gateway.paymentLinks.create(input, { idempotencyKey: Option.getOrUndefined(flags.idempotencyKey) })
    ).pipe(Effect.flatMap((created) => printEntity(flags.json)(created.entity)))
  }
).pipe(Command.withDescription("Create a Payment Link (every create field of the API is a flag)."))

const fetch = Command.make("fetch", { connection: Connection.connection, json: Flags.json, id }, (flags) =>
  withGateway(flags.connection, (gateway) => gateway.paymentLinks.get(flags.id)).pipe(
    Effect.flatMap(printEntity(flags.json))
  )
).pipe(Command.withDescription("Show one Payment Link."))

const list = Command.make(
  "list",
  {
    connection: Connection.connection,
    json: Flags.json,
    ...Flags.paymentLinkFilters,
    count: integer("count", "How many links (default 10, at most 100)."),
    skip: integer("skip", "How many of the newest matching links to skip (default 0).")
  },
  (flags) =>
    withGateway(flags.connection, (gateway) =>
      gateway.paymentLinks.list({
        ...Flags.paymentLinkFiltersOf(flags),
        count: Option.getOrUndefined(flags.count),
        skip: Option.getOrUndefined(flags.skip)
      })
    ).pipe(
      Effect.flatMap((links) =>
        Output.line(flags.json ? Output.json({ payment_links: links }) : Output.paymentLinks(links))
      )
    )
).pipe(Command.withDescription("List Payment Links, newest first, with the API's filters."))

const update = Command.make(
  "update",
  {
    connection: Connection.connection,
    json: Flags.json,
    id,
    acceptPartial: Flags.toggle("accept-partial", "Allow or forbid paying in parts."),
    referenceId: text("reference-id", "A new reference."),
    expireBy: integer("expire-by", "A new expiry, unix seconds."),
    notes: Flags.notes,
    reminderEnable: Flags.toggle("reminder-enable", "Send payment reminders.")
  },
  (flags) => {
    const input = Flags.present({
      accept_partial: flags.acceptPartial,
      reference_id: flags.referenceId,
      expire_by: flags.expireBy,
      notes: flags.notes,
      reminder_enable: flags.reminderEnable
    })
    return withGateway(flags.connection, (gateway) => gateway.paymentLinks.update(flags.id, input)).pipe(
      Effect.flatMap(printEntity(flags.json))
    )
  }
).pipe(Command.withDescription("Update a created or partially paid Payment Link."))

const cancel = Command.make("cancel", { connection: Connection.connection, json: Flags.json, id }, (flags) =>
  withGateway(flags.connection, (gateway) => gateway.paymentLinks.cancel(flags.id)).pipe(
    Effect.flatMap(printEntity(flags.json))
  )
).pipe(Command.withDescription("Cancel a created Payment Link."))

const notify = Command.make(
  "notify",
  {
    connection: Connection.connection,
    json: Flags.json,
    id,
    medium: Options.choice("medium", ["sms", "email"]).pipe(Options.withDescription("How to send it again."))
  },
  (flags) =>
    withGateway(flags.connection, (gateway) => gateway.paymentLinks.notify(flags.id, flags.medium)).pipe(
      Effect.flatMap((result) =>
        Output.line(flags.json ? Output.json(result) : `${flags.id} will be sent again by ${flags.medium}.`)
      )
    )
).pipe(Command.withDescription("Send a Payment Link to its customer again, by SMS or email."))

const pay = Command.make(
  "pay",
  {
    connection: Connection.connection,
    json: Flags.json,
    id,
    amount: integer("amount", "The amount to pay (default: all that is due)."),
    method: Options.choice("method", PAYMENT_METHODS).pipe(
      Options.withDescription("The payment method to record (default card)."),
      Options.optional
    )
  },
  (flags) =>
    withGateway(flags.connection, (gateway) =>
      Effect.zipRight(
        requireTestMode(gateway, "payment-links pay makes sandbox payments"),
        gateway.paymentLinks.pay(flags.id, {
          amount: Option.getOrUndefined(flags.amount),
          method: Option.getOrUndefined(flags.method)
        })
      )
    ).pipe(Effect.flatMap(printEntity(flags.json)))
).pipe(Command.withDescription("Pay a Payment Link as a customer would (sandbox, test mode only)."))

export const command = Command.make("payment-links").pipe(
  Command.withDescription(
    "Payment Links of Razorpay's current API (/v1/payment_links): create, fetch, list, update, cancel, notify, pay, import and export."
  ),
  Command.withSubcommands([
    create,
    fetch,
    list,
    update,
    cancel,
    notify,
    pay,
    ImportCommand.commandFor("payment_links"),
    ExportCommand.commandFor("payment_links")
  ])
)
