import { describe, expect, it } from "@effect/vitest"
import * as DomainError from "@paylinks/core/DomainError"
import { AuthenticationFailed } from "@paylinks/core/Merchants"
import * as Data from "effect/Data"
import * as Option from "effect/Option"
import * as SchemaAST from "effect/SchemaAST"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Wire from "../src/Wire.js"
import * as WireErrors from "../src/WireErrors.js"

/** An error core might add one day; the table does not know it. */
class FutureRefusal extends Data.TaggedError("FutureRefusal")<{ readonly reason: string }> {}

// The table is complete for today's domain errors…
const complete: WireErrors.FromDomainTable<WireErrors.DomainError> = WireErrors.fromDomainTable
// @ts-expect-error …and a domain error without an entry does not compile (property 'FutureRefusal' is missing).
const incomplete: WireErrors.FromDomainTable<WireErrors.DomainError | FutureRefusal> = WireErrors.fromDomainTable

describe("domain → wire errors", () => {
  const domainErrors: ReadonlyArray<readonly [WireErrors.DomainError, number, string, string | undefined]> = [
    [DomainError.invalid("amount", "The amount field is required."), 400, "The amount field is required.", "amount"],
    [
      DomainError.invalid(null, "a, b is/are not required and should not be sent"),
      400,
      "a, b is/are not required and should not be sent",
      undefined
    ],
    [new DomainError.LinkNotFound({ id: "inv_x" }), 400, "The id provided does not exist", undefined],
    [new DomainError.MalformedId({ withoutPrefix: "x" }), 400, "x is not a valid id", undefined],
    [
      new DomainError.OperationNotAllowed({ status: "paid", operation: "cancel" }),
      400,
      "Operation not allowed for Invoice in paid status.",
      undefined
    ],
    [
      new DomainError.PaymentRefused({ description: "Payment amount exceeds the amount due.", field: "amount" }),
      400,
      "Payment amount exceeds the amount due.",
      "amount"
    ],
    [
      new DomainError.ReferenceTaken({ reference: "R-1" }),
      400,
      "payment link creation with reference ID already attempted",
      "reference_id"
    ],
    [new AuthenticationFailed({ reason: "wrong_secret" }), 401, "The api secret provided is invalid", undefined]
  ]

  it.each(domainErrors)("%s answers its status with core's text", (error, status, description, field) => {
    const wire = WireErrors.toApiError(error)
    expect(wire).toBeDefined()
    expect(WireErrors.statusOf(wire!)).toBe(status)
    expect(wire!.error.description).toBe(description)
    expect(wire!.error.field).toBe(field)
  })

  it("every domain error tag has an entry, and the cases above cover them all", () => {
    expect(Object.keys(complete).sort()).toEqual([...new Set(domainErrors.map(([error]) => error._tag))].sort())
  })

  it("wire errors pass as they are; anything else is a fault", () => {
    const conflict = WireErrors.idempotencyInProgress()
    expect(WireErrors.toApiError(conflict)).toBe(conflict)
    expect(WireErrors.toApiError(new FutureRefusal({ reason: "?" }))).toBeUndefined()
    expect(WireErrors.toApiError(new Error("boom"))).toBeUndefined()
    expect(WireErrors.toApiError({ _tag: "toString" })).toBeUndefined()
    expect(WireErrors.toApiError("ValidationFailed")).toBeUndefined()
    expect(incomplete).toBe(complete)
  })
})

describe("statuses", () => {
  const schemas = [
    [Wire.BadRequest, Wire.BadRequestError],
    [Wire.Unauthorized, Wire.UnauthorizedError],
    [Wire.Conflict, Wire.ConflictError],
    [Wire.PayloadTooLarge, Wire.PayloadTooLargeError],
    [Wire.TooManyRequests, Wire.TooManyRequestsError],
    [Wire.InternalServerError, Wire.ServerError],
    [Wire.ServiceUnavailable, Wire.ServiceUnavailableError]
  ] as const

  it.each(schemas)("the wire schema and statusOf read the class's status", (schema, errorClass) => {
    const annotated = Option.getOrUndefined(SchemaAST.getAnnotation<number>(HttpApiSchema.AnnotationStatus)(schema.ast))
    expect(annotated).toBe(errorClass.status)
    const error = new errorClass({ error: WireErrors.detail("BAD_REQUEST_ERROR", "x", "NA") })
    expect(WireErrors.statusOf(error)).toBe(errorClass.status)
    expect(WireErrors.isApiError(error)).toBe(true)
  })

  it("every wire error class is listed once", () => {
    expect(Wire.errorClasses.map((errorClass) => errorClass._tag)).toEqual(schemas.map(([, c]) => c._tag))
    expect(schemas.map(([, c]) => c.status)).toEqual([400, 401, 409, 413, 429, 500, 503])
  })
})
