import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { basic, call, envelope } from "../src/HttpCall.js"

/** Answers every request with what it received: method, path, headers and body. */
const echo = Http.createServer((request, response) => {
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    if (request.url === "/text") {
      response.writeHead(418, { "content-type": "text/plain" }).end("not json")
      return
    }
    const body = Buffer.concat(chunks)
    response.writeHead(200, { "content-type": "application/json", "x-echo": "yes" }).end(
      JSON.stringify({
        method: request.method,
        path: request.url,
        headers: request.headers,
        body: body.toString("latin1")
      })
    )
  })
})

let base: string

beforeAll(async () => {
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve))
})

describe("call", () => {
  it("sends `body` as JSON with its content type, and the key pair as Basic authorization", async () => {
    const answer = await call(base, "POST", "/v1/invoices?x=1", {
      auth: basic("rzp_test_Key", "s3cret"),
      body: { amount: 1000, notes: { a: "b" } }
    })
    expect(answer.status).toBe(200)
    expect(answer.headers.get("x-echo")).toBe("yes")
    expect(answer.json).toMatchObject({
      method: "POST",
      path: "/v1/invoices?x=1",
      body: '{"amount":1000,"notes":{"a":"b"}}'
    })
    expect(answer.json.headers["content-type"]).toBe("application/json")
    expect(answer.json.headers.authorization).toBe(`Basic ${Buffer.from("rzp_test_Key:s3cret").toString("base64")}`)
    expect(JSON.parse(answer.text)).toEqual(answer.json)
  })

  it("sends `raw` byte for byte, with only the headers given", async () => {
    const bytes = Uint8Array.from([0x7b, 0xff, 0x00, 0x7d])
    const answer = await call(base, "POST", "/raw", { raw: bytes, headers: { "content-type": "text/csv" } })
    expect(answer.json.body).toBe(Buffer.from(bytes).toString("latin1"))
    expect(answer.json.headers["content-type"]).toBe("text/csv")
    expect(answer.json.headers.authorization).toBeUndefined()
    const text = await call(base, "PATCH", "/raw", { raw: "{broken" })
    expect(text.json).toMatchObject({ method: "PATCH", body: "{broken" })
  })

  it("keeps a content type the caller chose for a JSON body", async () => {
    const answer = await call(base, "POST", "/", {
      body: [1],
      headers: { "content-type": "application/json; charset=utf-8" }
    })
    expect(answer.json.headers["content-type"]).toBe("application/json; charset=utf-8")
  })

  it("answers a body that is not JSON as text, with `json` undefined", async () => {
    const answer = await call(base, "GET", "/text")
    expect(answer).toMatchObject({ status: 418, text: "not json", json: undefined })
  })
})

describe("envelope", () => {
  it("is a business refusal by default, and names the field only when given", () => {
    expect(envelope("The amount is invalid")).toEqual({
      error: {
        code: "BAD_REQUEST_ERROR",
        description: "The amount is invalid",
        source: "business",
        step: "payment_initiation",
        reason: "input_validation_failed",
        metadata: {}
      }
    })
    expect(envelope("The requested URL was not found on the server.", { origin: "NA", field: "id" })).toEqual({
      error: {
        code: "BAD_REQUEST_ERROR",
        description: "The requested URL was not found on the server.",
        source: "NA",
        step: "NA",
        reason: "NA",
        metadata: {},
        field: "id"
      }
    })
  })
})
