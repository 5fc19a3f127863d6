/**
 * `paylinks links import <file.csv>` and `paylinks payment-links import <file.csv>`: one create per data row, streamed from the file (ImportRun.ts,
 * loaded when the command runs). A refused row stores nothing and is written to the error report with
 * its row number and the API's text.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Connection from "./Connection.js"
import * as CsvImport from "./CsvImport.js"
import * as Flags from "./Flags.js"

/** The import command of one contract: its file's columns are that API's create fields. */
export const commandFor = (contract: CsvImport.Contract) =>
  Command.make(
    "import",
    {
      connection: Connection.connection,
      json: Flags.json,
      file: Args.file({ name: "file.csv", exists: "yes" }).pipe(
        Args.withDescription(
          `A CSV file whose header row names create fields: ${CsvImport.FORMATS[contract].columns.map(([name]) => name).join(", ")}, notes.<key>.`
        )
      ),
      idempotent: Options.boolean("idempotent").pipe(
        Options.withDescription(
          "Give each row an idempotency key made from its content: re-running the file creates nothing twice."
        )
      ),
      errors: Options.file("errors").pipe(
        Options.withDescription(
          "Where to write the refused rows (CSV: row, field, description). Default <file>.errors.csv."
        ),
        Options.optional
      ),
      concurrency: Options.integer("concurrency").pipe(
        Options.withDescription("How many rows are created at once (default 8)."),
        Options.withDefault(8)
      )
    },
    (flags) =>
      Effect.flatMap(
        Effect.promise(() => import("./ImportRun.js")),
        (module) => module.run({ ...flags, contract })
      )
  ).pipe(
    Command.withDescription(
      "Create Payment Links in bulk from a CSV file, one per row; refused rows go to an error report."
    )
  )

export const command = commandFor("invoices")
