/**
 * The options of `paylinks webhooks …`: what each subcommand takes (WebhooksCommand.ts describes the
 * commands, WebhooksRun.ts runs them).
 */
import * as Args from "@effect/cli/Args"
import type * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { adminOptions, merchantOption } from "./AdminCommand.js"
import * as Flags from "./Flags.js"

const modeOption = Options.choice("mode", ["test", "live"]).pipe(
  Options.withDescription("Only this mode's endpoints (test or live); both when left out."),
  Options.optional
)

const options = { ...adminOptions, merchant: merchantOption, mode: modeOption }

const endpointId = Args.text({ name: "endpoint-id" }).pipe(Args.withDescription("The endpoint's id (wh_…)."))

/** `--enable` → true, `--disable` → false, neither → none. */
const enabledOption = Options.all([
  Options.boolean("enable").pipe(Options.withDescription("Turn the endpoint on (clears why it was disabled).")),
  Options.boolean("disable").pipe(Options.withDescription("Turn the endpoint off: it receives nothing."))
]).pipe(
  Options.mapEffect(([enable, disable]) =>
    enable && disable
      ? Effect.fail(ValidationError.invalidValue(HelpDoc.p("Give --enable or --disable, not both.")))
      : Effect.succeed(enable ? Option.some(true) : disable ? Option.some(false) : Option.none())
  )
)

const STATUSES = ["pending", "succeeded", "failed"] as const

export const add = {
  ...options,
  mode: Options.choice("mode", ["test", "live"]).pipe(
    Options.withDescription("The mode whose events the endpoint receives."),
    Options.withDefault("test" as const)
  ),
  url: Options.text("url").pipe(Options.withDescription("Where deliveries are POSTed (http or https).")),
  secret: Flags.optionalText("secret", "Signs every delivery (X-Razorpay-Signature); generated when left out."),
  events: Flags.optionalText(
    "events",
    "Comma-separated: invoice.partially_paid, invoice.paid, invoice.expired, invoice.cancelled, payment_link.paid, " +
      "payment_link.partially_paid, payment_link.cancelled, payment_link.expired, or * for all (default: all but invoice.cancelled)."
  )
}

export const list = options

export const update = {
  ...options,
  id: endpointId,
  url: Flags.optionalText("url", "A new URL."),
  secret: Flags.optionalText("secret", "A new signing secret."),
  events: Flags.optionalText("events", "The new comma-separated event list, or * for all (replaces the old one)."),
  enabled: enabledOption
}

export const remove = { ...options, id: endpointId }

export const deliveries = {
  ...options,
  endpoint: endpointId.pipe(Args.withDescription("Only this endpoint's deliveries (wh_…)."), Args.optional),
  event: Flags.optionalText("event", "Only this event's deliveries (evt_…)."),
  status: Options.choice("status", STATUSES).pipe(
    Options.withDescription("Only deliveries in this status."),
    Options.optional
  ),
  count: Options.integer("count").pipe(
    Options.withDescription("How many deliveries, newest first (default 50)."),
    Options.withDefault(50)
  )
}

export const redeliver = {
  ...options,
  event: Flags.optionalText("event", "Redeliver this event (evt_…)."),
  from: Flags.optionalInteger("from", "Redeliver every event written at or after this time (unix seconds), with --to."),
  to: Flags.optionalInteger("to", "… and at or before this time (unix seconds)."),
  endpoint: Flags.optionalText(
    "endpoint",
    "Only to this endpoint (wh_…); otherwise every enabled endpoint subscribed to the event."
  )
}

/** The values a subcommand's options parse to. */
export type Parsed<Config extends Command.Command.Config> = Command.Command.ParseConfig<Config>
