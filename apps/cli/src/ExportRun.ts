/**
 * How `paylinks links export` runs: every link matching the filters, fetched and written one page at a
 * time, so memory stays flat however many links there are. JSON is one wire entity per line (JSON
 * Lines); CSV has one column per scalar field, notes as one JSON object.
 */
import * as Fs from "node:fs"
import type { InvoiceEntity } from "@paylinks/contract/Wire"
import { stringify } from "csv-stringify/sync"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { EnvironmentError } from "./CliError.js"
import * as Connection from "./Connection.js"
import * as Flags from "./Flags.js"
import { type ListFilters, LinksGateway } from "./LinksGateway.js"
import * as Output from "./Output.js"

/** The flags of `links export` (ExportCommand.ts). */
export interface ExportFlags {
  readonly connection: Connection.Connection
  readonly filters: Flags.FilterValues
  readonly format: "csv" | "json"
  readonly output: Option.Option<string>
}

/** The largest page the API serves. */
const PAGE_SIZE = 100

type Column = readonly [name: string, value: (link: InvoiceEntity) => string | number | boolean | null]

export const CSV_COLUMNS: ReadonlyArray<Column> = [
  ["id", (link) => link.id],
  ["status", (link) => link.status],
  ["amount", (link) => link.amount],
  ["amount_paid", (link) => link.amount_paid],
  ["amount_due", (link) => link.amount_due],
  ["currency", (link) => link.currency],
  ["description", (link) => link.description],
  ["receipt", (link) => link.receipt],
  ["customer_id", (link) => link.customer_id],
  ["customer_name", (link) => link.customer?.name ?? null],
  ["customer_email", (link) => link.customer?.email ?? null],
  ["customer_contact", (link) => link.customer?.contact ?? null],
  ["partial_payment", (link) => link.partial_payment],
  ["first_payment_min_amount", (link) => link.first_payment_min_amount],
  ["sms_status", (link) => link.sms_status],
  ["email_status", (link) => link.email_status],
  ["view_less", (link) => link.view_less],
  ["reminder_enable", (link) => link.reminder_enable],
  ["payment_id", (link) => link.payment_id],
  ["order_id", (link) => link.order_id],
  ["short_url", (link) => link.short_url],
  ["expire_by", (link) => link.expire_by],
  ["issued_at", (link) => link.issued_at],
  ["paid_at", (link) => link.paid_at],
  ["cancelled_at", (link) => link.cancelled_at],
  ["expired_at", (link) => link.expired_at],
  ["created_at", (link) => link.created_at],
  ["notes", (link) => JSON.stringify(link.notes)]
]

const csvRows = (links: ReadonlyArray<InvoiceEntity>): string =>
  stringify(
    links.map((link) => CSV_COLUMNS.map(([, value]) => value(link))),
    { cast: { boolean: (value) => String(value) } }
  )

/**
 * Pages through the filtered links with `skip`, newest first. A link created while the export runs
 * shifts later pages by one, so that link's older neighbour can appear twice; nothing is skipped.
 */
export const pages = (filters: ListFilters) =>
  Stream.paginateChunkEffect(0, (skip: number) =>
    Effect.flatMap(LinksGateway, (gateway) => gateway.list({ ...filters, count: PAGE_SIZE, skip })).pipe(
      Effect.map(
        (items) =>
          [
            Chunk.of(items),
            items.length < PAGE_SIZE ? Option.none<number>() : Option.some(skip + items.length)
          ] as const
      )
    )
  )

/** A writer that waits for the destination to drain, for stdout or a file. */
const writerTo = (path: Option.Option<string>) =>
  Option.match(path, {
    onNone: () => Effect.succeed({ write: Output.out, close: Effect.void }),
    onSome: (file) =>
      Effect.try({
        try: () => Fs.createWriteStream(file, { flags: "w" }),
        catch: (error) => new EnvironmentError({ message: `Cannot write ${file}: ${(error as Error).message}` })
      }).pipe(
        Effect.map((stream) => ({
          write: (text: string) =>
            Effect.async<void>((resume) => {
              if (stream.write(text)) resume(Effect.void)
              else stream.once("drain", () => resume(Effect.void))
            }),
          close: Effect.async<void>((resume) => {
            stream.end(() => resume(Effect.void))
          })
        }))
      )
  })

export const run = (flags: ExportFlags) =>
  Effect.gen(function* () {
    const writer = yield* writerTo(flags.output)
    const filters: ListFilters = Flags.filtersOf(flags.filters)
    if (flags.format === "csv") yield* writer.write(stringify([CSV_COLUMNS.map(([name]) => name)]))
    let count = 0
    yield* pages(filters).pipe(
      Stream.runForEach((page) => {
        count += page.length
        if (page.length === 0) return Effect.void
        return writer.write(
          flags.format === "csv" ? csvRows(page) : page.map((link) => `${JSON.stringify(link)}\n`).join("")
        )
      })
    )
    yield* writer.close
    yield* Output.err(`Exported ${count} payment link${count === 1 ? "" : "s"}.`)
  }).pipe(Effect.provide(Connection.gateway(flags.connection)))
