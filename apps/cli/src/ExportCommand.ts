/**
 * `paylinks links export` and `paylinks payment-links export`: every link matching the filters as CSV or
 * JSON Lines, page by page (ExportRun.ts, loaded when the command runs).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Connection from "./Connection.js"
import type { ExportFlags } from "./ExportRun.js"
import * as Flags from "./Flags.js"

const shared = {
  connection: Connection.connection,
  format: Options.choice("format", ["csv", "json"]).pipe(
    Options.withDescription("csv (a header row, then one row per link) or json (one wire entity per line)."),
    Options.withDefault("csv" as const)
  ),
  output: Options.file("output").pipe(
    Options.withDescription("Write to this file instead of stdout."),
    Options.optional
  )
}

const run = (flags: ExportFlags) =>
  Effect.flatMap(
    Effect.promise(() => import("./ExportRun.js")),
    (module) => module.run(flags)
  )

const description = "Export every matching Payment Link as CSV or JSON Lines, page by page."

/** The export command of one contract: that API's list filters, its entity on each line. */
export const commandFor = (contract: "invoices" | "payment_links") =>
  contract === "invoices"
    ? Command.make("export", { ...shared, filters: Options.all(Flags.listFilters) }, (flags) =>
        run({ ...flags, contract, filters: Flags.filtersOf(flags.filters) })
      ).pipe(Command.withDescription(description))
    : Command.make("export", { ...shared, filters: Options.all(Flags.paymentLinkFilters) }, (flags) =>
        run({ ...flags, contract, filters: Flags.paymentLinkFiltersOf(flags.filters) })
      ).pipe(Command.withDescription(description))

export const command = commandFor("invoices")
