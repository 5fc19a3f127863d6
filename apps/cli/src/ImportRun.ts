/**
 * How `paylinks links import <file.csv>` (and `payment-links import`) runs: one create per data row, streamed from the file. A refused row
 * stores nothing (each row is a single create) and is written to the error report with its row
 * number and the API's text. Progress is a bar on a terminal and plain lines otherwise.
 */
import * as Fs from "node:fs"
import * as CliProgress from "cli-progress"
import { parse } from "csv-parse"
import { stringify } from "csv-stringify/sync"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { EnvironmentError, RowsRefused, UsageError } from "./CliError.js"
import * as Connection from "./Connection.js"
import * as CsvImport from "./CsvImport.js"
import * as Io from "./Io.js"
import { LinksGateway } from "./LinksGateway.js"
import * as Output from "./Output.js"

/** The flags of `links import` and `payment-links import` (ImportCommand.ts). */
export interface ImportFlags {
  /** Which API the rows are created through, and so which columns the file has. */
  readonly contract: CsvImport.Contract
  readonly connection: Connection.Connection
  readonly json: boolean
  readonly file: string
  readonly idempotent: boolean
  readonly errors: Option.Option<string>
  readonly concurrency: number
}

type Outcome =
  | { readonly _tag: "Created" | "Existing"; readonly row: number; readonly bytes: number }
  | {
      readonly _tag: "Failed"
      readonly row: number
      readonly bytes: number
      readonly field: string | undefined
      readonly description: string
    }

interface Counts {
  rows: number
  created: number
  existing: number
  failed: number
}

/** How often a plain progress line is printed when stderr is not a terminal. */
const PLAIN_EVERY_ROWS = 1000

interface Progress {
  readonly update: (bytes: number, counts: Counts) => void
  /** The whole file was read: the bar shows 100%, however the parser counted the last bytes. */
  readonly complete: (counts: Counts) => void
  readonly stop: () => void
}

const countsText = (counts: Counts) =>
  `${counts.rows} rows: ${counts.created} created, ${counts.existing} existing, ${counts.failed} failed`

/** A bar on a terminal; elsewhere a plain line every thousand rows, with no control characters. */
const progressFor = (totalBytes: number, stderr: Io.Sink): Progress => {
  if (!Io.isTerminal(stderr)) {
    return {
      update: (_bytes, counts) => {
        if (counts.rows % PLAIN_EVERY_ROWS === 0) stderr.write(`imported ${countsText(counts)}\n`)
      },
      complete: () => {},
      stop: () => {}
    }
  }
  const bar = new CliProgress.SingleBar(
    {
      format:
        "importing [{bar}] {percentage}% | {rows} rows | {created} created | {existing} existing | {failed} failed",
      stream: stderr as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: false
    },
    CliProgress.Presets.shades_classic
  )
  bar.start(Math.max(totalBytes, 1), 0, { rows: 0, created: 0, existing: 0, failed: 0 })
  return {
    update: (bytes, counts) => bar.update(bytes, { ...counts }),
    complete: (counts) => bar.update(Math.max(totalBytes, 1), { ...counts }),
    stop: () => bar.stop()
  }
}

/** The error report, opened at the first refused row. */
const errorReport = (path: string) => {
  let fd: number | undefined
  return {
    write: (outcome: Extract<Outcome, { _tag: "Failed" }>) =>
      Effect.try({
        try: () => {
          if (fd === undefined) {
            fd = Fs.openSync(path, "w")
            Fs.writeSync(fd, stringify([["row", "field", "description"]]))
          }
          Fs.writeSync(fd, stringify([[outcome.row, outcome.field ?? "", outcome.description]]))
        },
        catch: (error) =>
          new EnvironmentError({ message: `Cannot write the error report ${path}: ${(error as Error).message}` })
      }),
    close: () => {
      if (fd !== undefined) Fs.closeSync(fd)
    }
  }
}

interface ParsedRecord {
  readonly record: Array<string>
  readonly info: { readonly bytes: number }
}

const readError = (file: string) => (error: unknown) =>
  new EnvironmentError({ message: `Cannot read ${file}: ${(error as Error)?.message ?? String(error)}` })

export const run = (flags: ImportFlags) =>
  Effect.gen(function* () {
    if (flags.concurrency < 1) return yield* new UsageError({ message: "--concurrency must be at least 1." })
    const gateway = yield* LinksGateway
    const format = CsvImport.FORMATS[flags.contract]
    const errorsPath = Option.getOrElse(flags.errors, () => `${flags.file}.errors.csv`)
    const size = yield* Effect.try({ try: () => Fs.statSync(flags.file).size, catch: readError(flags.file) })
    const parser = Fs.createReadStream(flags.file).pipe(
      parse({ info: true, bom: true, skip_empty_lines: true, relax_column_count: true })
    )
    const iterator: AsyncIterator<ParsedRecord> = parser[Symbol.asyncIterator]()
    const first = yield* Effect.tryPromise({ try: () => iterator.next(), catch: readError(flags.file) })
    if (first.done === true) return yield* new UsageError({ message: `${flags.file} is empty: it needs a header row.` })
    const header = first.value.record.map((name) => name.trim())
    const problem = CsvImport.checkHeader(header, format.columns)
    if (problem !== undefined) return yield* new UsageError({ message: problem.message })

    const createRow = (
      cells: ReadonlyArray<string>,
      row: number,
      bytes: number
    ): Effect.Effect<Outcome, EnvironmentError> => {
      if (cells.length !== header.length)
        return Effect.succeed({
          _tag: "Failed",
          row,
          bytes,
          field: undefined,
          description: `The row has ${cells.length} cells but the header has ${header.length} columns.`
        })
      const input = CsvImport.rowToInput(header, cells, format.columns)
      const idempotencyKey = flags.idempotent ? CsvImport.rowKey(input) : undefined
      return format.create(gateway, input, { idempotencyKey }).pipe(
        Effect.map((created): Outcome => ({ _tag: created.replayed ? "Existing" : "Created", row, bytes })),
        Effect.catchTag("Refused", (refused) =>
          Effect.succeed<Outcome>({
            _tag: "Failed",
            row,
            bytes,
            field: refused.field,
            description: refused.description
          })
        )
      )
    }

    const counts: Counts = { rows: 0, created: 0, existing: 0, failed: 0 }
    const report = errorReport(errorsPath)
    const progress = progressFor(size, (yield* FiberRef.get(Io.current)).stderr)
    // The header is row 1, so the first data row is row 2, as a spreadsheet numbers them.
    const rows = Stream.fromAsyncIterable({ [Symbol.asyncIterator]: () => iterator }, readError(flags.file)).pipe(
      Stream.zipWithIndex,
      Stream.mapEffect(([parsed, index]) => createRow(parsed.record, index + 2, parsed.info.bytes), {
        concurrency: flags.concurrency
      })
    )
    yield* rows.pipe(
      Stream.runForEach((outcome) => {
        counts.rows++
        if (outcome._tag === "Created") counts.created++
        else if (outcome._tag === "Existing") counts.existing++
        else counts.failed++
        progress.update(outcome.bytes, counts)
        return outcome._tag === "Failed" ? report.write(outcome) : Effect.void
      }),
      Effect.tap(() => Effect.sync(() => progress.complete(counts))),
      Effect.ensuring(
        Effect.sync(() => {
          progress.stop()
          report.close()
        })
      )
    )
    const errorsFile = counts.failed > 0 ? errorsPath : null
    yield* Output.line(
      flags.json
        ? JSON.stringify({ ...counts, errors_file: errorsFile })
        : Output.pairs([
            ["rows", String(counts.rows)],
            ["created", String(counts.created)],
            ["existing", String(counts.existing)],
            ["failed", String(counts.failed)],
            ["errors", errorsFile ?? "-"]
          ])
    )
    if (counts.failed > 0)
      return yield* new RowsRefused({
        message: `${counts.failed} of ${counts.rows} rows were refused; each is listed with its row number in ${errorsPath}.`
      })
  }).pipe(Effect.provide(Connection.gateway(flags.connection)))
