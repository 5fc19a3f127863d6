import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { MerchantId } from "../src/Ids.js"
import {
  defaultEvents,
  validateEvents,
  validateUrl,
  WebhookEndpoint,
  WebhookEventName,
  webhookEventNames
} from "../src/WebhookEndpoints.js"

const problem = <A>(result: Either.Either<A, { readonly message: string }>) =>
  Either.isLeft(result) ? result.left.message : "accepted"

describe("webhook endpoint validation", () => {
  it("accepts absolute http(s) URLs and normalises them", () => {
    expect(validateUrl("https://Example.com/hooks?x=1")).toEqual(Either.right("https://example.com/hooks?x=1"))
    expect(validateUrl(" http://127.0.0.1:8080 ")).toEqual(Either.right("http://127.0.0.1:8080/"))
  })

  it("refuses missing, relative, non-http, credentialed and fragment URLs", () => {
    expect(problem(validateUrl(undefined))).toBe("The url field is required.")
    expect(problem(validateUrl("/hooks"))).toBe("The url format is invalid.")
    expect(problem(validateUrl("ftp://example.com/"))).toBe("The url must use http or https.")
    expect(problem(validateUrl("https://user:pw@example.com/"))).toBe("The url may not contain credentials.")
    expect(problem(validateUrl("https://example.com/#x"))).toBe("The url may not contain a fragment.")
    expect(problem(validateUrl(`https://example.com/${"a".repeat(2048)}`))).toBe(
      "The url may not be greater than 2048 characters."
    )
  })

  it("defaults to Razorpay's three events; invoice.cancelled is opt-in", () => {
    expect(validateEvents(undefined)).toEqual(Either.right(defaultEvents))
    expect(defaultEvents).not.toContain("invoice.cancelled")
    expect(defaultEvents).toContain("payment_link.cancelled")
    expect(validateEvents("*")).toEqual(Either.right(WebhookEventName.literals))
    expect(validateEvents(["payment_link.paid", "*"])).toEqual(Either.right(WebhookEventName.literals))
    expect(validateEvents("invoice.cancelled, invoice.paid,invoice.paid")).toEqual(
      Either.right(["invoice.paid", "invoice.cancelled"])
    )
  })

  it("takes the Payment Links events by name, and * for every event", () => {
    expect(validateEvents("payment_link.expired,payment_link.paid")).toEqual(
      Either.right(["payment_link.paid", "payment_link.expired"])
    )
    expect(validateEvents(["payment_link.partially_paid", "payment_link.cancelled"])).toEqual(
      Either.right(["payment_link.partially_paid", "payment_link.cancelled"])
    )
    const every = [
      "invoice.partially_paid",
      "invoice.paid",
      "invoice.expired",
      "invoice.cancelled",
      "payment_link.paid",
      "payment_link.partially_paid",
      "payment_link.cancelled",
      "payment_link.expired"
    ]
    expect(validateEvents("*")).toEqual(Either.right(every))
    expect(validateEvents(["invoice.paid", " * "])).toEqual(Either.right(every))
    expect(webhookEventNames).toEqual(every)
    expect(problem(validateEvents("payment_link.*"))).toContain("payment_link.* is not a valid event.")
  })

  it("refuses unknown and empty event lists", () => {
    expect(problem(validateEvents(["payment.captured"]))).toBe(
      "payment.captured is not a valid event. Valid events: invoice.partially_paid, invoice.paid, invoice.expired, invoice.cancelled, payment_link.paid, payment_link.partially_paid, payment_link.cancelled, payment_link.expired."
    )
    expect(problem(validateEvents(""))).toBe("The events must name at least one event.")
    expect(problem(validateEvents(42))).toBe("The events must be a list of event names.")
  })

  it("an endpoint receives an event only while enabled and subscribed", () => {
    const endpoint = new WebhookEndpoint({
      id: "wh_00000000000001",
      merchantId: MerchantId.make("acc_00000000000001"),
      mode: "test",
      url: "https://example.com/",
      secret: "s",
      events: ["invoice.paid"],
      enabled: true,
      disabledAt: null,
      disabledReason: null,
      createdAt: 0,
      updatedAt: 0
    })
    expect(endpoint.receives("invoice.paid")).toBe(true)
    expect(endpoint.receives("invoice.expired")).toBe(false)
    expect(new WebhookEndpoint({ ...endpoint, enabled: false }).receives("invoice.paid")).toBe(false)
  })
})
