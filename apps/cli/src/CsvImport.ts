/**
 * The CSV formats of `paylinks links import` and `paylinks payment-links import`: which columns each
 * contract's file may have, how a row becomes that contract's create request, and the idempotency key
 * derived from a row's content. Cells are read as text; only a cell that
 * plainly is a number or a boolean becomes one, anything else goes to the API as it is written, so
 * the API's own validation names the problem with its exact text.
 */
import { createHash } from "node:crypto"
import { canonicalJson } from "@paylinks/contract/Idempotency"
import type * as Effect from "effect/Effect"
import { define } from "./Flags.js"
import type { CreateOptions, Created, GatewayError, LinksGatewayShape } from "./LinksGateway.js"

type Kind = "text" | "integer" | "boolean"

/** A column: its name, how its cells are read, what it means and, for a nested field, its object. */
export type Column = readonly [name: string, kind: Kind, description: string, object?: string]

/** Every column a header may name, with how its cells are read. `notes.<key>` columns come on top. */
export const COLUMNS: ReadonlyArray<Column> = [
  ["amount", "integer", "required; in the currency's smallest unit (50000 = INR 500.00)"],
  ["currency", "text", "ISO 4217 code; default INR"],
  ["description", "text", "at most 2048 characters"],
  ["receipt", "text", "your reference; at most 40 characters"],
  ["customer_name", "text", "the customer's name", "customer"],
  ["customer_email", "text", "the customer's email address", "customer"],
  ["customer_contact", "text", "the customer's phone number", "customer"],
  ["customer_id", "text", "an existing customer (cust_…) instead of customer_*"],
  ["expire_by", "integer", "unix seconds; default six months after creation"],
  ["partial_payment", "boolean", "true/false (or 1/0); default false"],
  ["first_payment_min_amount", "integer", "smallest first instalment, with partial_payment"],
  ["sms_notify", "boolean", "true/false; default true"],
  ["email_notify", "boolean", "true/false; default true"],
  ["view_less", "boolean", "true/false; default true"],
  ["reminder_enable", "boolean", "true/false; default false"],
  ["callback_url", "text", "where the hosted page redirects after payment"],
  ["callback_method", "text", "get"]
]

/** The columns of a Payment Links (`/v1/payment_links`) file: that API's create fields. */
export const PAYMENT_LINK_COLUMNS: ReadonlyArray<Column> = [
  ["amount", "integer", "required; in the currency's smallest unit (50000 = INR 500.00)"],
  ["currency", "text", "ISO 4217 code; default INR"],
  ["accept_partial", "boolean", "true/false (or 1/0); default false"],
  ["first_min_partial_amount", "integer", "smallest first payment, with accept_partial"],
  ["expire_by", "integer", "unix seconds, at least 15 minutes ahead"],
  ["reference_id", "text", "your reference; at most 40 characters, unique among your links"],
  ["description", "text", "at most 2048 characters"],
  ["customer_name", "text", "the customer's name", "customer"],
  ["customer_email", "text", "the customer's email address", "customer"],
  ["customer_contact", "text", "the customer's phone number", "customer"],
  ["notify_sms", "boolean", "true/false; default false", "notify"],
  ["notify_email", "boolean", "true/false; default false", "notify"],
  ["reminder_enable", "boolean", "true/false; default false"],
  ["callback_url", "text", "where the hosted page redirects after payment"],
  ["callback_method", "text", "get"],
  ["upi_link", "boolean", "true/false; default false (live mode only)"]
]

/** How a file of one contract is read and what a row creates. */
export interface Format {
  readonly columns: ReadonlyArray<Column>
  readonly create: (
    gateway: LinksGatewayShape,
    input: Record<string, unknown>,
    options: CreateOptions
  ) => Effect.Effect<Created<unknown>, GatewayError>
}

export type Contract = "invoices" | "payment_links"

export const FORMATS: { readonly [C in Contract]: Format } = {
  invoices: { columns: COLUMNS, create: (gateway, input, options) => gateway.create(input, options) },
  payment_links: {
    columns: PAYMENT_LINK_COLUMNS,
    create: (gateway, input, options) => gateway.paymentLinks.create(input, options)
  }
}

const NOTE_PREFIX = "notes."

export type HeaderProblem = { readonly _tag: "HeaderProblem"; readonly message: string }

/** Checks the header row: every column known, none twice, `amount` present. */
export const checkHeader = (
  header: ReadonlyArray<string>,
  columns: ReadonlyArray<Column> = COLUMNS
): HeaderProblem | undefined => {
  const kinds = new Set(columns.map(([name]) => name))
  const seen = new Set<string>()
  for (const raw of header) {
    const name = raw.trim()
    if (seen.has(name)) return { _tag: "HeaderProblem", message: `The CSV header names the column ${name} twice.` }
    seen.add(name)
    const isNote = name.startsWith(NOTE_PREFIX) && name.length > NOTE_PREFIX.length
    if (!isNote && !kinds.has(name))
      return {
        _tag: "HeaderProblem",
        message: `The CSV header has an unknown column "${name}". Columns: ${columns.map(([column]) => column).join(", ")}, notes.<key>.`
      }
  }
  if (!seen.has("amount")) return { _tag: "HeaderProblem", message: "The CSV header has no amount column." }
  return undefined
}

const INTEGER = /^-?[0-9]+$/

const cellValue = (kind: Kind, cell: string): unknown => {
  switch (kind) {
    case "integer": {
      const value = cell.trim()
      return INTEGER.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : cell
    }
    case "boolean": {
      const value = cell.trim().toLowerCase()
      return value === "true" || value === "1" ? true : value === "false" || value === "0" ? false : cell
    }
    case "text":
      return cell
  }
}

/**
 * A data row as a create request body (without `type`); empty cells are left out. A nested column
 * (`customer_name`) fills its object (`customer.name`).
 */
export const rowToInput = (
  header: ReadonlyArray<string>,
  cells: ReadonlyArray<string>,
  columns: ReadonlyArray<Column> = COLUMNS
): Record<string, unknown> => {
  const byName = new Map(columns.map((column) => [column[0], column]))
  const input: Record<string, unknown> = {}
  const objects: Record<string, Record<string, unknown>> = {}
  let notes: Record<string, unknown> | undefined
  header.forEach((raw, i) => {
    const cell = cells[i]
    if (cell === undefined || cell === "") return
    const name = raw.trim()
    const column = byName.get(name)
    if (name.startsWith(NOTE_PREFIX)) {
      notes ??= {}
      define(notes, name.slice(NOTE_PREFIX.length), cell)
    } else if (column?.[3] !== undefined) {
      const object = column[3]
      objects[object] ??= {}
      objects[object][name.slice(object.length + 1)] = cellValue(column[1], cell)
    } else {
      input[name] = cellValue(column?.[1] ?? "text", cell)
    }
  })
  for (const [object, fields] of Object.entries(objects)) input[object] = fields
  if (notes !== undefined) input["notes"] = notes
  return input
}

/**
 * The `Idempotency-Key` of a row under `--idempotent`: a hash of what the row asks for, so re-running
 * the same file (or a file holding the same rows, in any order) creates nothing twice.
 */
export const rowKey = (input: Record<string, unknown>): string =>
  `import-${createHash("sha256").update(canonicalJson(input)).digest("hex")}`
