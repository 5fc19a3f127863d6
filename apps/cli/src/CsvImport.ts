/**
 * The CSV format of `paylinks links import`: which columns exist, how a row becomes a create request,
 * and the idempotency key derived from a row's content. Cells are read as text; only a cell that
 * plainly is a number or a boolean becomes one, anything else goes to the API as it is written, so
 * the API's own validation names the problem with its exact text.
 */
import { createHash } from "node:crypto"
import { canonicalJson } from "@paylinks/contract/Idempotency"
import { define } from "./Flags.js"

type Kind = "text" | "integer" | "boolean"

/** Every column a header may name, with how its cells are read. `notes.<key>` columns come on top. */
export const COLUMNS: ReadonlyArray<readonly [name: string, kind: Kind, description: string]> = [
  ["amount", "integer", "required; in the currency's smallest unit (50000 = INR 500.00)"],
  ["currency", "text", "ISO 4217 code; default INR"],
  ["description", "text", "at most 2048 characters"],
  ["receipt", "text", "your reference; at most 40 characters"],
  ["customer_name", "text", "the customer's name"],
  ["customer_email", "text", "the customer's email address"],
  ["customer_contact", "text", "the customer's phone number"],
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

const kinds = new Map(COLUMNS.map(([name, kind]) => [name, kind]))
const NOTE_PREFIX = "notes."

export type HeaderProblem = { readonly _tag: "HeaderProblem"; readonly message: string }

/** Checks the header row: every column known, none twice, `amount` present. */
export const checkHeader = (header: ReadonlyArray<string>): HeaderProblem | undefined => {
  const seen = new Set<string>()
  for (const raw of header) {
    const name = raw.trim()
    if (seen.has(name)) return { _tag: "HeaderProblem", message: `The CSV header names the column ${name} twice.` }
    seen.add(name)
    const isNote = name.startsWith(NOTE_PREFIX) && name.length > NOTE_PREFIX.length
    if (!isNote && !kinds.has(name))
      return {
        _tag: "HeaderProblem",
        message: `The CSV header has an unknown column "${name}". Columns: ${COLUMNS.map(([column]) => column).join(", ")}, notes.<key>.`
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

/** A data row as a create request body (without `type`); empty cells are left out. */
export const rowToInput = (header: ReadonlyArray<string>, cells: ReadonlyArray<string>): Record<string, unknown> => {
  const input: Record<string, unknown> = {}
  const customer: Record<string, unknown> = {}
  let notes: Record<string, unknown> | undefined
  header.forEach((raw, i) => {
    const cell = cells[i]
    if (cell === undefined || cell === "") return
    const name = raw.trim()
    if (name.startsWith(NOTE_PREFIX)) {
      notes ??= {}
      define(notes, name.slice(NOTE_PREFIX.length), cell)
    } else if (name.startsWith("customer_") && name !== "customer_id") {
      customer[name.slice("customer_".length)] = cell
    } else {
      input[name] = cellValue(kinds.get(name) ?? "text", cell)
    }
  })
  if (Object.keys(customer).length > 0) input["customer"] = customer
  if (notes !== undefined) input["notes"] = notes
  return input
}

/**
 * The `Idempotency-Key` of a row under `--idempotent`: a hash of what the row asks for, so re-running
 * the same file (or a file holding the same rows, in any order) creates nothing twice.
 */
export const rowKey = (input: Record<string, unknown>): string =>
  `import-${createHash("sha256").update(canonicalJson(input)).digest("hex")}`
