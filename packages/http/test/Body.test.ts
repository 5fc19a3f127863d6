import { describe, expect, it } from "@effect/vitest"
import * as SchemaAST from "effect/SchemaAST"
import { CreateInvoiceRequest, UpdateInvoiceRequest } from "@paylinks/contract/Wire"
import { integerFieldsOf, parseBody, parseForm } from "../src/internal/body.js"
import { canonicalJson, requestHash } from "@paylinks/contract/Idempotency"

const bytes = (text: string) => new TextEncoder().encode(text)
const FORM = "application/x-www-form-urlencoded"

describe("request bodies", () => {
  it("a JSON object, an empty body as {}, anything else refused", () => {
    expect(parseBody(bytes('{"a":1}'), "application/json", new Set())).toEqual({ a: 1 })
    expect(parseBody(bytes('\uFEFF{"a":1}'), undefined, new Set())).toEqual({ a: 1 })
    expect(parseBody(bytes(""), "application/json", new Set())).toEqual({})
    expect(parseBody(bytes(" \r\n\t"), undefined, new Set())).toEqual({})
    for (const text of ["[]", "null", "1", '"x"', "{", "{'a':1}", "true"])
      expect(parseBody(bytes(text), "application/json", new Set()), text).toBeUndefined()
  })

  it("a form body becomes the same shape, integers where the contract says so", () => {
    const fields = integerFieldsOf(CreateInvoiceRequest.ast)
    // The integers, and the flags (booleans or 0/1), which core accepts as 0/1 as well as "0"/"1".
    expect([...fields].sort()).toEqual([
      "amount",
      "email_notify",
      "expire_by",
      "first_payment_min_amount",
      "partial_payment",
      "reminder_enable",
      "sms_notify",
      "view_less"
    ])
    expect([...integerFieldsOf(UpdateInvoiceRequest.ast)].sort()).toEqual([
      "expire_by",
      "first_payment_min_amount",
      "partial_payment",
      "reminder_enable"
    ])
    expect(integerFieldsOf(undefined).size).toBe(0)
    expect(integerFieldsOf(SchemaAST.stringKeyword).size).toBe(0)
    const parsed = parseBody(
      bytes("type=link&amount=1000&receipt=42&notes[a]=1&notes[b]=x+y&customer[email]=a%40b.co&sms_notify=0"),
      `${FORM}; charset=utf-8`,
      fields
    )
    expect(JSON.parse(JSON.stringify(parsed))).toEqual({
      type: "link",
      amount: 1000,
      receipt: "42",
      notes: { a: "1", b: "x y" },
      customer: { email: "a@b.co" },
      sms_notify: 0
    })
    // Text that is not digits stays text, for core to refuse with its own words.
    expect(parseForm("amount=12.5", fields)).toMatchObject({ amount: "12.5" })
    // A prototype key is an ordinary (unknown) field, not a way into Object.prototype.
    const polluted = parseForm("__proto__[admin]=1&constructor[x]=2", fields)
    expect(Object.keys(polluted).sort()).toEqual(["__proto__", "constructor"])
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
    // A JSON body sent with the form content type (curl -d) is still JSON.
    expect(parseBody(bytes('{"amount":5}'), FORM, fields)).toEqual({ amount: 5 })
  })
})

describe("idempotency request hash", () => {
  it("is the same for the same data whatever the key order, and differs otherwise", () => {
    expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: null })).toBe('{"a":null,"b":[1,{"x":1,"y":2}]}')
    const a = requestHash("POST", "/v1/invoices", { type: "link", amount: 1 })
    expect(requestHash("POST", "/v1/invoices", { amount: 1, type: "link" })).toBe(a)
    expect(requestHash("POST", "/v1/invoices", { amount: 2, type: "link" })).not.toBe(a)
    expect(requestHash("POST", "/v1/invoices/x/cancel", { amount: 1, type: "link" })).not.toBe(a)
  })
})
