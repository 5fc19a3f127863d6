/**
 * `paylinks links …`: the Payment Link commands. Each runs on `LinksGateway` and never knows whether
 * that is the database or a server; `--json` prints the wire entity, otherwise a table.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { PAYMENT_METHODS } from "@paylinks/core/Validation"
import type { InvoiceEntity } from "@paylinks/contract/Wire"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "./CliError.js"
import * as Connection from "./Connection.js"
import * as ExportCommand from "./ExportCommand.js"
import * as Flags from "./Flags.js"
import * as ImportCommand from "./ImportCommand.js"
import { type LinksGatewayShape, LinksGateway } from "./LinksGateway.js"
import * as Output from "./Output.js"

/** Sandbox commands act on test data only; `what` says what the command does. */
export const requireTestMode = (gateway: LinksGatewayShape, what: string) =>
  gateway.mode === "test"
    ? Effect.void
    : Effect.fail(new UsageError({ message: `${what}: it needs a test-mode key (rzp_test_…).` }))

/** Runs `f` on the gateway the connection options choose. */
export const withGateway = <A, E>(
  connection: Connection.Connection,
  f: (gateway: LinksGatewayShape) => Effect.Effect<A, E>
) => Effect.flatMap(LinksGateway, f).pipe(Effect.provide(Connection.gateway(connection)))

const printEntity = (json: boolean) => (link: InvoiceEntity) =>
  Output.line(json ? Output.json(link) : Output.entity(link))

const id = Args.text({ name: "id" }).pipe(Args.withDescription("The link's id (inv_…)."))

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
    description: text("description", "What the customer pays for (at most 2048 characters)."),
    receipt: text("receipt", "Your reference (at most 40 characters)."),
    customerName: text("customer-name", "The customer's name."),
    customerEmail: text("customer-email", "The customer's email address (link sent by email)."),
    customerContact: text("customer-contact", "The customer's phone number (link sent by SMS)."),
    customerId: text("customer-id", "An existing customer (cust_…) instead of --customer-*."),
    expireBy: integer("expire-by", "Expiry, unix seconds (default: six months from now)."),
    partialPayment: Flags.toggle("partial-payment", "Let the customer pay in parts."),
    firstPaymentMinAmount: integer(
      "first-payment-min-amount",
      "The smallest first instalment (with --partial-payment)."
    ),
    smsNotify: Flags.toggle("sms-notify", "Send the link by SMS (default yes when there is a contact)."),
    emailNotify: Flags.toggle("email-notify", "Send the link by email (default yes when there is an email)."),
    viewLess: Flags.toggle("view-less", "Collapse a long description on the hosted page (default yes)."),
    notes: Flags.notes,
    reminderEnable: Flags.toggle("reminder-enable", "Send payment reminders."),
    callbackUrl: text("callback-url", "Where the hosted page redirects after payment."),
    callbackMethod: Options.choice("callback-method", ["get"]).pipe(
      Options.withDescription("How the redirect is made (get)."),
      Options.optional
    ),
    idempotencyKey: text("idempotency-key", "Replay the first answer for this key instead of creating again.")
  },
  (flags) => {
    const customer = Flags.present({
      name: flags.customerName,
      email: flags.customerEmail,
      contact: flags.customerContact
    })
    const input = Flags.present({
      amount: Option.some(flags.amount),
      currency: flags.currency,
      description: flags.description,
      receipt: flags.receipt,
      customer: Object.keys(customer).length === 0 ? Option.none() : Option.some(customer),
      customer_id: flags.customerId,
      expire_by: flags.expireBy,
      partial_payment: flags.partialPayment,
      first_payment_min_amount: flags.firstPaymentMinAmount,
      sms_notify: flags.smsNotify,
      email_notify: flags.emailNotify,
      view_less: flags.viewLess,
      notes: flags.notes,
      reminder_enable: flags.reminderEnable,
      callback_url: flags.callbackUrl,
      callback_method: flags.callbackMethod
    })
    return withGateway(flags.connection, (gateway) =>
      gateway.create(input, { idempotencyKey: Option.getOrUndefined(flags.idempotencyKey) })
    ).pipe(Effect.flatMap((created) => printEntity(flags.json)(created.entity)))
  }
).pipe(Command.withDescription("Create a Payment Link (every create field of the API is a flag)."))

const get = Command.make("get", { connection: Connection.connection, json: Flags.json, id }, (flags) =>
  withGateway(flags.connection, (gateway) => gateway.get(flags.id)).pipe(Effect.flatMap(printEntity(flags.json)))
).pipe(Command.withDescription("Show one Payment Link."))

const list = Command.make(
  "list",
  {
    connection: Connection.connection,
    json: Flags.json,
    ...Flags.listFilters,
    count: integer("count", "How many links (default 10, at most 100)."),
    skip: integer("skip", "How many of the newest matching links to skip (default 0).")
  },
  (flags) =>
    withGateway(flags.connection, (gateway) =>
      gateway.list({
        ...Flags.filtersOf(flags),
        count: Option.getOrUndefined(flags.count),
        skip: Option.getOrUndefined(flags.skip)
      })
    ).pipe(
      Effect.flatMap((items) =>
        Output.line(
          flags.json ? Output.json({ entity: "collection", count: items.length, items }) : Output.entities(items)
        )
      )
    )
).pipe(Command.withDescription("List Payment Links, newest first, with the API's filters."))

const cancel = Command.make("cancel", { connection: Connection.connection, json: Flags.json, id }, (flags) =>
  withGateway(flags.connection, (gateway) => gateway.cancel(flags.id)).pipe(Effect.flatMap(printEntity(flags.json)))
).pipe(Command.withDescription("Cancel an issued Payment Link."))

const update = Command.make(
  "update",
  {
    connection: Connection.connection,
    json: Flags.json,
    id,
    receipt: text("receipt", "A new receipt (issued links only)."),
    notes: Flags.notes,
    expireBy: integer("expire-by", "A new expiry, unix seconds (issued links only)."),
    partialPayment: Flags.toggle("partial-payment", "Allow or forbid paying in parts (issued links only)."),
    firstPaymentMinAmount: integer("first-payment-min-amount", "The smallest first instalment (issued links only)."),
    reminderEnable: Flags.toggle("reminder-enable", "Send payment reminders (issued links only).")
  },
  (flags) => {
    const input = Flags.present({
      receipt: flags.receipt,
      notes: flags.notes,
      expire_by: flags.expireBy,
      partial_payment: flags.partialPayment,
      first_payment_min_amount: flags.firstPaymentMinAmount,
      reminder_enable: flags.reminderEnable
    })
    return withGateway(flags.connection, (gateway) => gateway.update(flags.id, input)).pipe(
      Effect.flatMap(printEntity(flags.json))
    )
  }
).pipe(Command.withDescription("Update a Payment Link: an issued link takes every flag, any other notes only."))

const notify = Command.make(
  "notify",
  {
    connection: Connection.connection,
    json: Flags.json,
    id,
    medium: Options.choice("medium", ["sms", "email"]).pipe(Options.withDescription("How to send it again."))
  },
  (flags) =>
    withGateway(flags.connection, (gateway) => gateway.notify(flags.id, flags.medium)).pipe(
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
        requireTestMode(gateway, "links pay makes sandbox payments"),
        gateway.pay(flags.id, {
          amount: Option.getOrUndefined(flags.amount),
          method: Option.getOrUndefined(flags.method)
        })
      )
    ).pipe(Effect.flatMap(printEntity(flags.json)))
).pipe(Command.withDescription("Pay a Payment Link as a customer would (sandbox, test mode only)."))

export const command = Command.make("links").pipe(
  Command.withDescription("Payment Links: create, show, list, cancel, update, notify, pay, import and export."),
  Command.withSubcommands([
    create,
    get,
    list,
    cancel,
    update,
    notify,
    pay,
    ImportCommand.command,
    ExportCommand.command
  ])
)
