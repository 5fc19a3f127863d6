/**
 * How `paylinks links export` and `paylinks payment-links export` run: every link matching the filters, fetched and written one page at a
 * time, so memory stays flat however many links there are. JSON is one wire entity per line (JSON
 * Lines); CSV has one column per scalar field, notes as one JSON object.
 */
import * as Fs from "node:fs"
import type { PaymentLinkEntity } from "@paylinks/contract/PaymentLinkWire"
import type { InvoiceEntity } from "@paylinks/contract/Wire"
import { stringify } from "csv-stringify/sync"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { EnvironmentError } from "./CliError.js"
import * as Connection from "./Connection.js"
import {
  type GatewayError,
  type LinksGatewayShape,
  type ListFilters,
  LinksGateway,
  type PaymentLinkFilters
} from "./LinksGateway.js"
import * as Output from "./Output.js"

/** The flags of `links export` and `payment-links export` (ExportCommand.ts), the filters as the API names them. */
export type ExportFlags = {
  readonly connection: Connection.Connection
  readonly format: "csv" | "json"
  readonly output: Option.Option<string>
} & (
  | { readonly contract: "invoices"; readonly filters: ListFilters }
  | { readonly contract: "payment_links"; readonly filters: PaymentLinkFilters }
)

/** The largest page the API serves. */
const PAGE_SIZE = 100

type Column<Entity> = readonly [name: string, value: (link: Entity) => string | number | boolean | null]

export const CSV_COLUMNS: ReadonlyArray<Column<InvoiceEntity>> = [
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

/** The columns of a Payment Links (`/v1/payment_links`) export: the entity's scalar fields, as the API answers them. */
export const PAYMENT_LINK_CSV_COLUMNS: ReadonlyArray<Column<PaymentLinkEntity>> = [
  ["id", (link) => link.id],
  ["status", (link) => link.status],
  ["amount", (link) => link.amount],
  ["amount_paid", (link) => link.amount_paid],
  ["currency", (link) => link.currency],
  ["description", (link) => link.description],
  ["reference_id", (link) => link.reference_id],
  ["customer_name", (link) => link.customer.name ?? null],
  ["customer_email", (link) => link.customer.email ?? null],
  ["customer_contact", (link) => link.customer.contact ?? null],
  ["accept_partial", (link) => link.accept_partial],
  ["first_min_partial_amount", (link) => link.first_min_partial_amount],
  ["notify_sms", (link) => link.notify.sms],
  ["notify_email", (link) => link.notify.email],
  ["upi_link", (link) => link.upi_link],
  ["reminder_enable", (link) => link.reminder_enable],
  ["callback_url", (link) => link.callback_url],
  ["callback_method", (link) => link.callback_method],
  ["payment_ids", (link) => (link.payments ?? []).map((payment) => payment.payment_id).join(" ")],
  ["order_id", (link) => link.order_id],
  ["short_url", (link) => link.short_url],
  ["expire_by", (link) => link.expire_by],
  ["created_at", (link) => link.created_at],
  ["updated_at", (link) => link.updated_at],
  ["cancelled_at", (link) => link.cancelled_at],
  ["expired_at", (link) => link.expired_at],
  ["notes", (link) => JSON.stringify(link.notes)]
]

/** What an export of one contract reads and writes. */
interface Table<Entity, Filters> {
  readonly columns: ReadonlyArray<Column<Entity>>
  readonly list: (
    gateway: LinksGatewayShape,
    filters: Filters & { readonly count: number; readonly skip: number }
  ) => Effect.Effect<ReadonlyArray<Entity>, GatewayError>
}

const INVOICES: Table<InvoiceEntity, ListFilters> = {
  columns: CSV_COLUMNS,
  list: (gateway, filters) => gateway.list(filters)
}

const PAYMENT_LINKS: Table<PaymentLinkEntity, PaymentLinkFilters> = {
  columns: PAYMENT_LINK_CSV_COLUMNS,
  list: (gateway, filters) => gateway.paymentLinks.list(filters)
}

const csvRows = <Entity>(columns: ReadonlyArray<Column<Entity>>, links: ReadonlyArray<Entity>): string =>
  stringify(
    links.map((link) => columns.map(([, value]) => value(link))),
    { cast: { boolean: (value) => String(value) } }
  )

/**
 * Pages through the filtered links with `skip`, newest first. A link created while the export runs
 * shifts later pages by one, so that link's older neighbour can appear twice; nothing is skipped.
 */
export const pages = <Entity, Filters>(table: Table<Entity, Filters>, filters: Filters) =>
  Stream.paginateChunkEffect(0, (skip: number) =>
    Effect.flatMap(LinksGateway, (gateway) => table.list(gateway, { ...filters, count: PAGE_SIZE, skip })).pipe(
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

const exportWith = <Entity, Filters>(flags: ExportFlags, table: Table<Entity, Filters>, filters: Filters) =>
  Effect.gen(function* () {
    const writer = yield* writerTo(flags.output)
    if (flags.format === "csv") yield* writer.write(stringify([table.columns.map(([name]) => name)]))
    let count = 0
    yield* pages(table, filters).pipe(
      Stream.runForEach((page) => {
        count += page.length
        if (page.length === 0) return Effect.void
        return writer.write(
          flags.format === "csv"
            ? csvRows(table.columns, page)
            : page.map((link) => `${JSON.stringify(link)}\n`).join("")
        )
      })
    )
    yield* writer.close
    yield* Output.err(`Exported ${count} payment link${count === 1 ? "" : "s"}.`)
  })

export const run = (flags: ExportFlags) =>
  (flags.contract === "invoices"
    ? exportWith(flags, INVOICES, flags.filters)
    : exportWith(flags, PAYMENT_LINKS, flags.filters)
  ).pipe(Effect.provide(Connection.gateway(flags.connection)))
