/**
 * How answers become replies: a handler's success value through its endpoint's renderer (decided once
 * per endpoint, at start), and every refusal as Razorpay's error envelope.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type { ApiError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import type { RawResponse } from "./Handler.js"

/** A reply ready to be written. */
export interface Reply {
  readonly status: number
  readonly contentType: string
  readonly body: string | Uint8Array
  readonly headers?: Readonly<Record<string, string>>
}

export const JSON_TYPE = "application/json; charset=utf-8"

export const errorReply = (error: ApiError): Reply => ({
  status: WireErrors.statusOf(error),
  contentType: JSON_TYPE,
  body: WireErrors.body(error)
})

/** A failure as a wire error, or `undefined` for something no handler should fail with (a fault). */
export const toApiError = WireErrors.toApiError

/** Whether JSON of a value of this schema is the value itself (no transformation), so encoding can be skipped. */
const isJsonIdentity = (ast: SchemaAST.AST): boolean => {
  switch (ast._tag) {
    case "Refinement":
      return isJsonIdentity(ast.from)
    case "TypeLiteral":
      return (
        ast.propertySignatures.every((property) => isJsonIdentity(property.type)) &&
        ast.indexSignatures.every((signature) => isJsonIdentity(signature.type))
      )
    case "Union":
      return ast.types.every(isJsonIdentity)
    case "TupleType":
      return (
        ast.elements.every((element) => isJsonIdentity(element.type)) && ast.rest.every((r) => isJsonIdentity(r.type))
      )
    case "Literal":
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "UnknownKeyword":
    case "UndefinedKeyword":
    case "TemplateLiteral":
    case "Enums":
      return true
    default:
      return false
  }
}

/** How a handler's success value becomes a reply, decided once per endpoint. */
export const makeRenderer = (status: number, ast: Option.Option<SchemaAST.AST>): ((value: unknown) => Reply) => {
  const passRaw = (value: unknown): Reply | undefined =>
    typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "RawResponse"
      ? {
          status: (value as RawResponse).status,
          contentType: (value as RawResponse).headers["content-type"] ?? "text/plain; charset=utf-8",
          body: (value as RawResponse).body,
          headers: (value as RawResponse).headers
        }
      : undefined
  if (Option.isNone(ast)) return (value) => passRaw(value) ?? { status, contentType: JSON_TYPE, body: "" }
  const encoding = HttpApiSchema.getEncoding(ast.value)
  if (encoding.kind === "Text" || encoding.kind === "Uint8Array")
    return (value) =>
      passRaw(value) ?? { status, contentType: encoding.contentType, body: value as string | Uint8Array }
  const encode = isJsonIdentity(ast.value)
    ? (value: unknown) => value
    : Schema.encodeUnknownSync(Schema.make<unknown, unknown, never>(ast.value))
  const contentType = encoding.contentType === "application/json" ? JSON_TYPE : encoding.contentType
  return (value) => passRaw(value) ?? { status, contentType, body: JSON.stringify(encode(value)) }
}
