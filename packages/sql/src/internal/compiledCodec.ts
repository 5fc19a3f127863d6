/**
 * JSON codecs compiled once from a schema's AST into plain functions, for the values the storage writes and
 * reads on every request (a link is decoded on every fetch and ten times per list page, encoded on every write).
 * Effect's Schema interprets the AST on every call: ~25 µs to decode a link and ~15 µs to encode one. These do
 * the same work — every check of the encoded side, refinements included, then the same objects built in the same
 * key order, classes through their own constructors — in a few µs.
 *
 * Whatever they cannot vouch for goes to Schema itself: a value the compiled check refuses is decoded (or
 * encoded) by Schema, which then fails with its own message. Only the node kinds the stored schemas use are
 * supported; compiling anything else throws at load time, so a new kind of field is noticed at once (and the
 * codec tests compare both ways on every field).
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

type Check = (u: unknown) => boolean
/** From an encoded value that passed its check to the decoded value; `undefined` means the value itself. */
type Build = ((u: any) => unknown) | undefined
/** From a decoded value to its encoded value, unchecked; `undefined` means the value itself. */
type Encode = ((a: any) => unknown) | undefined

const OPTIONS: SchemaAST.ParseOptions = {}

const unsupported = (ast: SchemaAST.AST, what: string): never => {
  throw new Error(`compiledCodec: cannot ${what} a schema node of kind ${ast._tag}`)
}

/**
 * Whether a transformation is a `Schema.Class` (or tagged class): from its fields' struct to a declaration whose
 * type side is that struct, built by the class's constructor. The declaration accepts exactly the instances of
 * the class, so a class decodes as its fields then its constructor, and encodes as its fields.
 */
const isClass = (ast: SchemaAST.Transformation): boolean =>
  ast.transformation._tag === "FinalTransformation" &&
  ast.from._tag === "TypeLiteral" &&
  ast.to._tag === "Declaration" &&
  Option.exists(SchemaAST.getSurrogateAnnotation(ast.to), (surrogate) => surrogate._tag === "TypeLiteral")

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The one index signature a record may have: string keys (what JSON objects have). */
const recordSignature = (ast: SchemaAST.TypeLiteral, what: string): SchemaAST.IndexSignature | undefined => {
  if (ast.indexSignatures.length === 0) return undefined
  const signature = ast.indexSignatures[0]!
  if (
    ast.indexSignatures.length > 1 ||
    ast.propertySignatures.length > 0 ||
    signature.parameter._tag !== "StringKeyword"
  )
    return unsupported(ast, what)
  return signature
}

/**
 * The predicate behind the most common refinements of the stored schemas (the ids' patterns, integers), called
 * directly: Schema's filter wraps its answer in an `Option` of an issue. Any other refinement runs Schema's filter.
 */
const knownFilter = (ast: SchemaAST.Refinement): Check | undefined => {
  const schemaId = ast.annotations[SchemaAST.SchemaIdAnnotationId]
  if (schemaId === Schema.IntSchemaId) return (u) => Number.isSafeInteger(u)
  if (schemaId === Schema.PatternSchemaId) {
    const regex = (ast.annotations[Schema.PatternSchemaId] as { readonly regex?: unknown } | undefined)?.regex
    // A global or sticky pattern keeps state between tests: Schema's filter resets it, so it stays Schema's.
    if (regex instanceof RegExp && !regex.global && !regex.sticky) return (u) => regex.test(u as string)
  }
  return undefined
}

/** A property name as a JavaScript string literal (JSON's escaping is JavaScript's). */
const key = (name: string): string => JSON.stringify(name)

/**
 * A function made from source text once, when a codec is compiled: one statement per property of a struct, each
 * with its name as a constant, so that V8 sees the same object shape at every call and reads and writes each property
 * at its known place (a loop over the names reads and writes by a key that changes, which cost about a third of a
 * link's decoding). The text is made here from the schema's property names, each quoted by `key`; `names` and
 * `values` are the free variables it may use.
 */
const generate = <F>(names: ReadonlyArray<string>, values: ReadonlyArray<unknown>, body: string): F =>
  new Function(...names, body)(...values) as F

/**
 * The statements of a generated function that copy each property of `source` to `out`, through `maps[i]` where the
 * i-th property has a function (a missing optional property stays missing).
 */
const copyStatements = (
  properties: ReadonlyArray<{ readonly name: string; readonly optional: boolean; readonly map: unknown }>,
  source: string
): string =>
  properties
    .map((property, i) => {
      const value = `${source}[${key(property.name)}]`
      const assign = `out[${key(property.name)}] = ${property.map === undefined ? value : `maps[${i}](${value})`}`
      return property.optional ? `if (Object.hasOwn(${source}, ${key(property.name)})) ${assign}` : assign
    })
    .join("\n")

/** The check of the encoded side: true exactly when Schema's decoding of it would succeed. */
const checkOf = (ast: SchemaAST.AST): Check => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string"
    case "NumberKeyword":
      return (u) => typeof u === "number"
    case "BooleanKeyword":
      return (u) => typeof u === "boolean"
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Refinement": {
      const from = checkOf(ast.from)
      const known = knownFilter(ast)
      return known === undefined
        ? (u) => from(u) && Option.isNone(ast.filter(u, OPTIONS, ast))
        : (u) => from(u) && known(u)
    }
    case "Union": {
      const members = ast.types.map(checkOf)
      return (u) => {
        for (const member of members) if (member(u)) return true
        return false
      }
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return unsupported(ast, "check")
      const item = checkOf(ast.rest[0]!.type)
      return (u) => Array.isArray(u) && u.every(item)
    }
    case "TypeLiteral": {
      const signature = recordSignature(ast, "check")
      if (signature !== undefined) {
        const value = checkOf(signature.type)
        return (u) => isRecord(u) && Object.keys(u).every((key) => value(u[key]))
      }
      // Literal properties (a tagged class's `_tag`) first: a union's other members are refused at once, not after
      // checking everything else they share. The order of the checks does not change their result.
      const properties = ast.propertySignatures
        .map((property) => {
          if (typeof property.name !== "string") return unsupported(ast, "check")
          return {
            name: property.name,
            optional: property.isOptional,
            literal: property.type._tag === "Literal",
            check: checkOf(property.type)
          }
        })
        .sort((a, b) => Number(b.literal) - Number(a.literal))
      // Schema checks a missing required key's `undefined` against the property's type.
      const lines = properties.map((property, i) => {
        const value = `u[${key(property.name)}]`
        const test = `if (!checks[${i}](${value})) return false`
        return property.optional ? `if (Object.hasOwn(u, ${key(property.name)})) ${test}` : test
      })
      return generate<Check>(
        ["isRecord", "checks"],
        [isRecord, properties.map((property) => property.check)],
        `return function check(u) {\nif (!isRecord(u)) return false\n${lines.join("\n")}\nreturn true\n}`
      )
    }
    case "Transformation":
      // Only classes: their type side (the declaration) accepts whatever their constructor made.
      if (!isClass(ast)) return unsupported(ast, "check")
      return checkOf(ast.from)
    default:
      return unsupported(ast, "check")
  }
}

/** Whether the decoded and encoded values are one and the same (no object is rebuilt). */
const isPrimitive = (ast: SchemaAST.AST): boolean => {
  switch (ast._tag) {
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "Literal":
      return true
    case "Refinement":
      return isPrimitive(ast.from)
    case "Union":
      return ast.types.every(isPrimitive)
    default:
      return false
  }
}

/** The decoded value of an encoded one that passed `checkOf(ast)`. */
const buildOf = (ast: SchemaAST.AST): Build => {
  if (isPrimitive(ast)) return undefined
  switch (ast._tag) {
    case "Union": {
      // The first member that accepts the value decodes it, as with Schema (the stored unions are disjoint).
      const members = ast.types.map((member) => ({ check: checkOf(member), build: buildOf(member) }))
      return (u) => {
        for (const member of members) if (member.check(u)) return member.build === undefined ? u : member.build(u)
        throw new Error("compiledCodec: no member of the union accepts a value its check accepted")
      }
    }
    case "TupleType": {
      const item = buildOf(ast.rest[0]!.type)
      return item === undefined ? (u: ReadonlyArray<unknown>) => u.slice() : (u: ReadonlyArray<unknown>) => u.map(item)
    }
    case "TypeLiteral": {
      const fill = fillOf(ast)
      return (u) => fill(u, {})
    }
    case "Transformation": {
      // A class: its fields decoded, then its own constructor (the transformation's `decode`); the class's
      // declaration then accepts its own instance as it is.
      if (!isClass(ast) || ast.transformation._tag !== "FinalTransformation" || ast.from._tag !== "TypeLiteral")
        return unsupported(ast, "build")
      const construct = constructorOf(ast)
      const fill = fillOf(ast.from)
      // A class whose constructor adds nothing to the fields it is given (no defaults, no tag: an empty probe
      // stays empty) makes what its constructor makes — an object of its prototype with the fields assigned in
      // order — without the constructor's two copies of the fields: the fields go straight into the instance.
      const probe = construct({})
      if (Reflect.ownKeys(probe).length === 0) {
        const prototype: object = Object.getPrototypeOf(probe)
        return (u) => fill(u, Object.create(prototype))
      }
      return (u) => construct(fill(u, {}))
    }
    default:
      return unsupported(ast, "build")
  }
}

/** A class's own constructor, as Schema calls it when decoding (its transformation's `decode`), unchecked. */
const constructorOf = (ast: SchemaAST.Transformation): ((fields: unknown) => object) => {
  const transformation = ast.transformation
  if (transformation._tag !== "FinalTransformation") return unsupported(ast, "build")
  return (fields) => {
    const decoded = transformation.decode(fields, OPTIONS, ast, fields)
    if (!Either.isEither(decoded) || Either.isLeft(decoded)) return unsupported(ast, "build")
    return decoded.right as object
  }
}

/**
 * Whether a value is an instance of a class, as Schema's test of the class's type side tells: `instanceof` (the
 * prototype of an instance its constructor makes) answers at once; anything else is left to Schema's test, which
 * also accepts look-alikes of the class.
 */
const classTest = (ast: SchemaAST.Transformation): Check => {
  const prototype: object = Object.getPrototypeOf(constructorOf(ast)({}))
  const is = ParseResult.is(Schema.make(ast.to))
  return (a) => Object.prototype.isPrototypeOf.call(prototype, a as object) || is(a)
}

/** The `_tag` literal of a class's fields, if it has one. */
const tagOf = (ast: SchemaAST.AST): string | undefined => {
  if (ast._tag !== "Transformation" || ast.from._tag !== "TypeLiteral") return undefined
  const tag = ast.from.propertySignatures.find((property) => property.name === "_tag")?.type
  return tag?._tag === "Literal" && typeof tag.literal === "string" ? tag.literal : undefined
}

/**
 * Whether a decoded value belongs to a union's member: Schema's own test of the member's type side, after a look
 * at the tag of a tagged class (Schema's test allocates an issue for every member a value does not belong to).
 */
const memberTest = (member: SchemaAST.AST): Check => {
  // A primitive is its own encoding: the check of the encoded side is the check of the type side.
  if (isPrimitive(member)) return checkOf(member)
  const is =
    member._tag === "Transformation" && isClass(member)
      ? classTest(member)
      : ParseResult.is(Schema.typeSchema(Schema.make(member)))
  const tag = tagOf(member)
  return tag === undefined
    ? is
    : (a) => typeof a === "object" && a !== null && (a as { _tag?: unknown })._tag === tag && is(a)
}

/**
 * Fills `out` with the decoded fields of a struct (or a record's entries) that passed its check: only the schema's
 * keys, in the schema's order, as Schema's struct decoding does.
 */
const fillOf = (ast: SchemaAST.TypeLiteral): ((u: any, out: Record<string, unknown>) => Record<string, unknown>) => {
  const signature = recordSignature(ast, "build")
  if (signature !== undefined) {
    const value = buildOf(signature.type)
    return (u, out) => {
      for (const key of Object.keys(u)) out[key] = value === undefined ? u[key] : value(u[key])
      return out
    }
  }
  const properties = ast.propertySignatures.map((property) => ({
    name: property.name as string,
    optional: property.isOptional,
    map: buildOf(property.type)
  }))
  return generate<(u: any, out: Record<string, unknown>) => Record<string, unknown>>(
    ["maps"],
    [properties.map((property) => property.map)],
    `return function fill(u, out) {\n${copyStatements(properties, "u")}\nreturn out\n}`
  )
}

/** The encoded value of a decoded one, without checks (the result is checked afterwards). */
const encodeOf = (ast: SchemaAST.AST): Encode => {
  if (isPrimitive(ast)) return undefined
  switch (ast._tag) {
    case "Union": {
      // The member a value belongs to, told by its type side.
      const members = ast.types.map((member) => ({ is: memberTest(member), encode: encodeOf(member) }))
      return (a) => {
        for (const member of members) if (member.is(a)) return member.encode === undefined ? a : member.encode(a)
        // No member: Schema will refuse it; the check of the result fails on this marker.
        return INVALID
      }
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return unsupported(ast, "encode")
      const item = encodeOf(ast.rest[0]!.type)
      return (a: ReadonlyArray<unknown>) =>
        Array.isArray(a) ? (item === undefined ? a.slice() : a.map(item)) : INVALID
    }
    case "TypeLiteral": {
      const signature = recordSignature(ast, "encode")
      if (signature !== undefined) {
        const value = encodeOf(signature.type)
        return (a) => {
          if (!isRecord(a)) return INVALID
          const out: Record<string, unknown> = {}
          for (const key of Object.keys(a)) out[key] = value === undefined ? a[key] : value(a[key])
          return out
        }
      }
      const properties = ast.propertySignatures.map((property) => ({
        name: property.name as string,
        optional: property.isOptional,
        map: encodeOf(property.type)
      }))
      return generate<(a: unknown) => unknown>(
        ["isRecord", "INVALID", "maps"],
        [isRecord, INVALID, properties.map((property) => property.map)],
        `return function encode(a) {\nif (!isRecord(a)) return INVALID\nconst out = {}\n${copyStatements(properties, "a")}\nreturn out\n}`
      )
    }
    case "Transformation": {
      // A class encodes as its fields (its transformation's `encode` is the identity).
      if (!isClass(ast)) return unsupported(ast, "encode")
      const is = classTest(ast)
      const from = encodeOf(ast.from)
      return (a) => (is(a) ? (from === undefined ? a : from(a)) : INVALID)
    }
    default:
      return unsupported(ast, "encode")
  }
}

/** Stands for a value no encoding exists for; no check accepts it. */
const INVALID: unique symbol = Symbol("compiledCodec/invalid")

export interface JsonCodec<A> {
  readonly decode: (json: string) => A
  readonly encode: (value: A) => string
}

/**
 * The JSON codec of `schema`: the same results as `Schema.decodeSync(Schema.parseJson(schema))` and
 * `Schema.encodeSync(Schema.parseJson(schema))`, and the same errors (those cases are Schema's own).
 */
export const jsonCodec = <A, I>(
  schema: Schema.Schema<A, I, never>,
  /** Brings a value stored by an earlier version up to the current encoding before it is checked. */
  upgrade: (parsed: unknown) => unknown = (parsed) => parsed
): JsonCodec<A> => {
  const Json = Schema.parseJson(schema)
  const slowDecode = Schema.decodeSync(Json)
  const slowEncode = Schema.encodeSync(Json)
  const check = checkOf(schema.ast)
  const build = buildOf(schema.ast)
  const encodeValue = encodeOf(schema.ast)
  return {
    decode: (json) => {
      let parsed: unknown
      try {
        parsed = upgrade(JSON.parse(json))
      } catch {
        return slowDecode(json)
      }
      // A value the check refuses is Schema's to decode (and refuse) as it was stored.
      if (!check(parsed)) return slowDecode(json)
      return (build === undefined ? parsed : build(parsed)) as A
    },
    encode: (value) => {
      const encoded = encodeValue === undefined ? value : encodeValue(value)
      return check(encoded) ? JSON.stringify(encoded) : slowEncode(value)
    }
  }
}
