/**
 * `paylinks inbox`: the SMS and emails the sandbox "sent" to customers (docs/http-api.md#sandbox-extensions), in either
 * mode — core's `Inbox` on the database, or `GET /v1/sandbox/inbox` on a server.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { InboxMessageEntity } from "@paylinks/contract/SandboxWire"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Connection from "./Connection.js"
import * as Flags from "./Flags.js"
import { requireTestMode, withGateway } from "./LinksCommand.js"
import * as Output from "./Output.js"

/** One message as the customer got it: who, when and about which link, then the text itself. */
const message = (entry: InboxMessageEntity): string =>
  [
    Output.pairs([
      ["id", entry.id],
      ["channel", entry.channel],
      ["to", entry.to],
      ["link", entry.invoice_id],
      ["sent_at", Output.time(entry.created_at)],
      ...(entry.subject === null ? [] : [["subject", entry.subject] as const])
    ]),
    "",
    ...entry.text.split("\n").map((line) => `    ${line}`.trimEnd())
  ].join("\n")

export const command = Command.make(
  "inbox",
  {
    connection: Connection.connection,
    json: Flags.json,
    channel: Options.choice("channel", ["sms", "email"]).pipe(
      Options.withDescription("Only SMS or only emails."),
      Options.optional
    ),
    link: Flags.optionalText("link", "Only the messages about this link (inv_…)."),
    count: Flags.optionalInteger("count", "How many messages, newest first (default 10, at most 100).")
  },
  (flags) =>
    withGateway(flags.connection, (gateway) =>
      Effect.zipRight(
        requireTestMode(gateway, "The sandbox inbox holds test mode's messages"),
        gateway.inbox({
          channel: Option.getOrUndefined(flags.channel),
          invoice_id: Option.getOrUndefined(flags.link),
          count: Option.getOrUndefined(flags.count)
        })
      )
    ).pipe(
      Effect.flatMap((items) =>
        Output.line(
          flags.json
            ? Output.json({ entity: "collection", count: items.length, items })
            : items.length === 0
              ? "No messages."
              : items.map(message).join("\n\n")
        )
      )
    )
).pipe(Command.withDescription("The SMS and emails the sandbox sent to customers, newest first (test mode)."))
