/**
 * `paylinks webhooks add|list|update|remove|deliveries|redeliver`: a merchant's webhook endpoints,
 * their delivery log and redelivery (docs/webhooks.md), through `WebhookRegistry` on the database. Local
 * mode only, like the admin commands: the HTTP API has no webhook routes (Razorpay manages webhooks in
 * its dashboard, not through the API).
 *
 * Endpoints belong to one merchant in one mode. `--mode` limits a command to one mode; without it a
 * command covers both, and one that names an endpoint or an event acts in the mode it belongs to
 * (`add` registers in test mode unless told otherwise).
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as WebhooksOptions from "./WebhooksOptions.js"

/** The implementations are loaded when a subcommand runs. */
const run = <A, E, R>(f: (module: typeof import("./WebhooksRun.js")) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    Effect.promise(() => import("./WebhooksRun.js")),
    f
  )

const add = Command.make("add", WebhooksOptions.add, (flags) => run((module) => module.add(flags))).pipe(
  Command.withDescription("Register a webhook endpoint for the merchant's test (default) or live events.")
)

const list = Command.make("list", WebhooksOptions.list, (flags) => run((module) => module.list(flags))).pipe(
  Command.withDescription("List the merchant's webhook endpoints (never their secrets).")
)

const update = Command.make("update", WebhooksOptions.update, (flags) => run((module) => module.update(flags))).pipe(
  Command.withDescription("Change an endpoint's URL, secret or events, or turn it on or off.")
)

const remove = Command.make("remove", WebhooksOptions.remove, (flags) => run((module) => module.remove(flags))).pipe(
  Command.withDescription("Remove an endpoint, with its delivery history.")
)

const deliveries = Command.make("deliveries", WebhooksOptions.deliveries, (flags) =>
  run((module) => module.deliveries(flags))
).pipe(
  Command.withDescription(
    "The delivery log, newest first: every attempt with its time, HTTP status, latency and error."
  )
)

const redeliver = Command.make("redeliver", WebhooksOptions.redeliver, (flags) =>
  run((module) => module.redeliver(flags))
).pipe(Command.withDescription("Send an event (--event) or every event of a time range (--from/--to) again."))

export const command = Command.make("webhooks").pipe(
  Command.withDescription("Webhook endpoints, their deliveries and redelivery (local mode only)."),
  Command.withSubcommands([add, list, update, remove, deliveries, redeliver])
)
