import { describe, expect, it } from "@effect/vitest"
import * as Templates from "@paylinks/core/NotificationTemplates"
import { issuedLink, paidPart } from "./fixtures.js"

const customer = { name: "Gaurav Kumar", email: "gaurav@example.com", contact: "+919876543210" }

describe("notification templates", () => {
  it("the SMS names the merchant, the amount, the description and the short_url", () => {
    const link = issuedLink({ amount: 29995, description: "Blue running shoes", customer })
    const message = Templates.message(link, "sms", "Acme Stores")!
    expect(message.to).toBe("+919876543210")
    expect(message.subject).toBeNull()
    expect(message.text).toBe(
      'Acme Stores requests a payment of INR 299.95 for "Blue running shoes". Pay here: https://pay.example/i/Ab3dE6gH'
    )
  })

  it("the email names the same, with the customer, receipt and expiry date", () => {
    const link = issuedLink({ amount: 29995, description: "Blue running shoes", receipt: "R-42", customer })
    const message = Templates.message(link, "email", "Acme Stores")!
    expect(message.to).toBe("gaurav@example.com")
    expect(message.subject).toBe("Payment request from Acme Stores: INR 299.95")
    expect(message.text).toContain("Hello Gaurav Kumar,")
    expect(message.text).toContain("Acme Stores has sent you a payment request.")
    expect(message.text).toContain("Amount: INR 299.95")
    expect(message.text).toContain("Description: Blue running shoes")
    expect(message.text).toContain("Receipt: R-42")
    expect(message.text).toContain("Pay here: https://pay.example/i/Ab3dE6gH")
    expect(message.text).toContain(`This link expires on ${Templates.formatDate(link.expireBy)}.`)
  })

  it("amounts follow the currency's exponent, and a partly paid link says what is due", () => {
    expect(Templates.message(issuedLink({ amount: 500, currency: "JPY", customer }), "sms", "M")!.text).toContain(
      "JPY 500."
    )
    expect(Templates.message(issuedLink({ amount: 1500, currency: "KWD", customer }), "sms", "M")!.text).toContain(
      "KWD 1.500."
    )
    const partly = paidPart(issuedLink({ amount: 10000, partial_payment: true, customer }), 4000)
    expect(Templates.message(partly, "sms", "M")!.text).toContain("INR 100.00 (INR 60.00 due)")
    expect(Templates.message(partly, "email", "M")!.subject).toBe("Payment request from M: INR 60.00")
  })

  it("a long description is cut in an SMS but never the link", () => {
    const link = issuedLink({ description: "x".repeat(500), customer })
    const text = Templates.message(link, "sms", "M")!.text
    expect(text.length).toBeLessThan(200)
    expect(text.endsWith("Pay here: https://pay.example/i/Ab3dE6gH")).toBe(true)
  })

  it("a customer without that channel gets no message", () => {
    const link = issuedLink({ customer: { name: "No Phone", email: "np@example.com" } })
    expect(Templates.message(link, "sms", "M")).toBeUndefined()
    expect(Templates.message(issuedLink(), "email", "M")).toBeUndefined()
  })

  it("expiry dates are printed in UTC", () => {
    expect(Templates.formatDate(1_782_864_000)).toBe("1 Jul 2026")
  })
})
