/**
 * The invoice entity (docs/http-api.md#the-invoice-entity) written out by hand, independently of the wire schema, so
 * that the tests of every package hold the schema, the OpenAPI document, the server and the client to the same
 * statement of the contract: every key of the entity, in order, with the JSON types it may take.
 */

/** The JSON type of a value, telling integers apart from other numbers (the entity has no fractions). */
export type JsonType = "string" | "integer" | "number" | "boolean" | "null" | "object" | "array"

/** Every key of the invoice entity in its order, with the JSON types its value may take. */
export const ENTITY_TYPES: ReadonlyArray<readonly [string, ReadonlyArray<JsonType>]> = [
  ["id", ["string"]],
  ["entity", ["string"]],
  ["receipt", ["string", "null"]],
  ["invoice_number", ["string", "null"]],
  ["customer_id", ["string", "null"]],
  ["customer", ["object", "null"]],
  ["customer_details", ["object"]],
  ["order_id", ["string"]],
  ["line_items", ["array"]],
  ["payment_id", ["string", "null"]],
  ["status", ["string"]],
  ["expire_by", ["integer", "null"]],
  ["issued_at", ["integer", "null"]],
  ["paid_at", ["integer", "null"]],
  ["cancelled_at", ["integer", "null"]],
  ["expired_at", ["integer", "null"]],
  ["sms_status", ["string", "null"]],
  ["email_status", ["string", "null"]],
  ["date", ["integer"]],
  ["terms", ["null"]],
  ["partial_payment", ["boolean"]],
  ["first_payment_min_amount", ["integer", "null"]],
  ["gross_amount", ["integer"]],
  ["tax_amount", ["integer"]],
  ["taxable_amount", ["integer"]],
  ["amount", ["integer"]],
  ["amount_paid", ["integer"]],
  ["amount_due", ["integer"]],
  ["currency", ["string"]],
  ["currency_symbol", ["string"]],
  ["description", ["string", "null"]],
  ["notes", ["object"]],
  ["comment", ["null"]],
  ["short_url", ["string"]],
  ["view_less", ["boolean"]],
  ["billing_start", ["null"]],
  ["billing_end", ["null"]],
  ["type", ["string"]],
  ["group_taxes_discounts", ["boolean"]],
  ["reminder_enable", ["boolean"]],
  ["user_id", ["null"]],
  ["created_at", ["integer"]],
  ["idempotency_key", ["string", "null"]]
]

/** The invoice entity's keys, in order. */
export const ENTITY_KEYS: ReadonlyArray<string> = ENTITY_TYPES.map(([key]) => key)

/** The JSON type of a decoded value, in the names `ENTITY_TYPES` uses. */
export const jsonType = (value: unknown): JsonType | "undefined" | "bigint" | "symbol" | "function" =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "array"
      : typeof value === "number"
        ? Number.isInteger(value)
          ? "integer"
          : "number"
        : typeof value
