/**
 * `paylinks links export`: every link matching the filters as CSV or JSON Lines, page by page
 * (ExportRun.ts, loaded when the command runs).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Connection from "./Connection.js"
import * as Flags from "./Flags.js"

export const command = Command.make(
  "export",
  {
    connection: Connection.connection,
    filters: Options.all(Flags.listFilters),
    format: Options.choice("format", ["csv", "json"]).pipe(
      Options.withDescription("csv (a header row, then one row per link) or json (one wire entity per line)."),
      Options.withDefault("csv" as const)
    ),
    output: Options.file("output").pipe(
      Options.withDescription("Write to this file instead of stdout."),
      Options.optional
    )
  },
  (flags) =>
    Effect.flatMap(
      Effect.promise(() => import("./ExportRun.js")),
      (module) => module.run(flags)
    )
).pipe(Command.withDescription("Export every matching Payment Link as CSV or JSON Lines, page by page."))
