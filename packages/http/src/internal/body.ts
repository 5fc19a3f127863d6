/**
 * Request bodies: a JSON object, or a form-encoded body (as `curl -d` and some SDKs send it) read
 * into the same shape, with `customer[name]=…` / `notes[key]=…` as nested objects.
 */
import * as SchemaAST from "effect/SchemaAST"

/** How deep a body may nest objects and arrays: the API's deepest field (`notes.k`) is two levels down. */
export const MAX_DEPTH = 32

/** The one key no body may carry: a plain object cannot hold it as data, so it would be answered but not stored. */
export const FORBIDDEN_KEY = "__proto__"

export const texts = {
  tooDeep: `The request body may not nest objects or arrays more than ${MAX_DEPTH} levels deep.`,
  forbiddenKey: `The request body may not contain the key ${FORBIDDEN_KEY}.`
} as const

/** A body read into a JSON object, or why it is refused. */
export type Decoded =
  | { readonly _tag: "Object"; readonly value: Record<string, unknown> }
  | { readonly _tag: "Refused"; readonly reason: "not_object" | "too_deep" | "forbidden_key" }

const refused = (reason: "not_object" | "too_deep" | "forbidden_key"): Decoded => ({ _tag: "Refused", reason })

/**
 * Every request body (JSON or form, API or hosted page) is read here, once: a JSON object no deeper
 * than `MAX_DEPTH` and without a `__proto__` key at any level. Both are checked before anything else
 * sees the value, so nothing downstream (the idempotency hash, core's validation, storage, webhooks)
 * ever holds a value it could not treat faithfully. An empty body is an empty object.
 */
export const decodeBody = (
  bytes: Uint8Array,
  contentType: string | undefined,
  integerFields: ReadonlySet<string>
): Decoded => {
  // A UTF-8 byte order mark (some Windows tools write one) is not part of the JSON.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
  const start = firstNonBlank(text)
  if (start === -1) return { _tag: "Object", value: {} }
  if (text.charCodeAt(start) !== 123 /* { */ && isForm(contentType)) {
    const form = parseForm(text, integerFields)
    return hasForbiddenKey(form, 0) ? refused("forbidden_key") : { _tag: "Object", value: form }
  }
  // Checked on the text, before parsing: the parse itself and every walk after it stay shallow.
  if (nestingOver(text, start, MAX_DEPTH)) return refused("too_deep")
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return refused("not_object")
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return refused("not_object")
  // The key can only be there if its name is in the text, plainly or with an escape.
  if ((text.includes(FORBIDDEN_KEY) || text.includes("\\u")) && hasForbiddenKey(value, 0))
    return refused("forbidden_key")
  return { _tag: "Object", value: value as Record<string, unknown> }
}

/** Parses a body into a JSON object; `undefined` when it is refused (see `decodeBody`). An empty body is an empty object. */
export const parseBody = (
  bytes: Uint8Array,
  contentType: string | undefined,
  integerFields: ReadonlySet<string>
): Record<string, unknown> | undefined => {
  const decoded = decodeBody(bytes, contentType, integerFields)
  return decoded._tag === "Object" ? decoded.value : undefined
}

/** Whether JSON text opens more than `limit` objects or arrays inside each other (brackets in strings do not count). */
const nestingOver = (text: string, start: number, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* backslash */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91 /* { [ */) {
      if (++depth > limit) return true
    } else if (c === 125 || c === 93 /* } ] */) depth--
  }
  return false
}

/** Whether a parsed value (at most `MAX_DEPTH` deep) has a `__proto__` key anywhere. */
const hasForbiddenKey = (value: unknown, depth: number): boolean => {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return false
  if (Array.isArray(value)) return value.some((item) => hasForbiddenKey(item, depth + 1))
  for (const key of Object.keys(value)) {
    if (key === FORBIDDEN_KEY) return true
    if (hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}

const firstNonBlank = (text: string): number => {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i
  }
  return -1
}

const isForm = (contentType: string | undefined): boolean =>
  contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded") === true

const BRACKETED = /^([^[\]]+)\[([^[\]]*)\]$/

/**
 * Reads `a=1&customer[name]=x&notes[k]=v`. Values stay text, except the fields the endpoint declares
 * as numbers, whose digits become numbers, so a form post and a JSON post of the same request are
 * validated alike. Objects have no prototype: a key like `__proto__` is just an unknown field.
 */
export const parseForm = (text: string, integerFields: ReadonlySet<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = Object.create(null)
  for (const [key, value] of new URLSearchParams(text)) {
    const match = BRACKETED.exec(key)
    if (match === null) {
      out[key] = integerFields.has(key) && /^-?[0-9]+$/.test(value) ? Number(value) : value
      continue
    }
    const [, parent, child] = match as unknown as [string, string, string]
    let nested = out[parent]
    if (typeof nested !== "object" || nested === null) {
      nested = Object.create(null)
      out[parent] = nested
    }
    ;(nested as Record<string, unknown>)[child] = value
  }
  return out
}

type Kind = "number" | "string" | "other"

const kinds = (ast: SchemaAST.AST, into: Set<Kind>): void => {
  switch (ast._tag) {
    case "NumberKeyword":
      into.add("number")
      return
    case "StringKeyword":
    case "TemplateLiteral":
      into.add("string")
      return
    case "Literal":
      into.add(typeof ast.literal === "number" ? "number" : typeof ast.literal === "string" ? "string" : "other")
      return
    case "Union":
      for (const member of ast.types) kinds(member, into)
      return
    case "Refinement":
      kinds(ast.from, into)
      return
    case "Transformation":
      kinds(ast.from, into)
      return
    case "Suspend":
      kinds(ast.f(), into)
      return
    default:
      into.add("other")
  }
}

/** The top-level fields of a payload schema that take numbers and never text (they are coerced in forms). */
export const integerFieldsOf = (ast: SchemaAST.AST | undefined): ReadonlySet<string> => {
  const fields = new Set<string>()
  if (ast === undefined) return fields
  const encoded = SchemaAST.encodedAST(ast)
  const literal = encoded._tag === "TypeLiteral" ? encoded : undefined
  if (literal === undefined) return fields
  for (const property of literal.propertySignatures) {
    const found = new Set<Kind>()
    kinds(property.type, found)
    if (found.has("number") && !found.has("string") && typeof property.name === "string") fields.add(property.name)
  }
  return fields
}
