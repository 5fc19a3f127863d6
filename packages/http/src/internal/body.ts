/**
 * Request bodies: a JSON object, or a form-encoded body (as `curl -d` and some SDKs send it) read
 * into the same shape, with `customer[name]=…` / `notes[key]=…` as nested objects.
 */
import * as SchemaAST from "effect/SchemaAST"

/** Parses a body into a JSON object; `undefined` when it is not one. An empty body is an empty object. */
export const parseBody = (
  bytes: Uint8Array,
  contentType: string | undefined,
  integerFields: ReadonlySet<string>
): Record<string, unknown> | undefined => {
  // A UTF-8 byte order mark (some Windows tools write one) is not part of the JSON.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
  const start = firstNonBlank(text)
  if (start === -1) return {}
  if (text.charCodeAt(start) !== 123 /* { */ && isForm(contentType)) return parseForm(text, integerFields)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
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
