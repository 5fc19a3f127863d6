/**
 * Every customer-facing text paylinks sends, in one place. Each names the merchant, the amount
 * (formatted with the currency's own exponent, `INR 299.95`), the description and the `short_url`.
 */
import * as Money from "./Money.js"
import type { Message } from "./Notifier.js"
import type { Channel, PaymentLink } from "./PaymentLink.js"
import * as Tenant from "./Tenant.js"

/** SMS stay within a few segments: a long description is cut here, the link is never cut. */
const SMS_DESCRIPTION_LIMIT = 80

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC"
})

/** `1 Jul 2026`, in UTC: the date printed for `expire_by`. */
export const formatDate = (unixSeconds: number): string => dateFormat.format(new Date(unixSeconds * 1000))

const shorten = (text: string, limit: number): string =>
  text.length <= limit ? text : `${text.slice(0, limit - 1).trimEnd()}…`

/** The amount line: the full amount, and what is still due once part of it was paid. */
const amountText = (link: PaymentLink): string => {
  const amount = Money.format(link.amount, link.currency)
  return link.amountPaid > 0 ? `${amount} (${Money.format(link.amountDue, link.currency)} due)` : amount
}

/** The SMS text for a link. */
export const smsText = (link: PaymentLink, merchantName: string): string => {
  const description = link.description === null ? "" : ` for "${shorten(link.description, SMS_DESCRIPTION_LIMIT)}"`
  return `${merchantName} requests a payment of ${amountText(link)}${description}. Pay here: ${link.shortUrl}`
}

/** The email subject for a link. */
export const emailSubject = (link: PaymentLink, merchantName: string): string =>
  `Payment request from ${merchantName}: ${Money.format(link.amountDue, link.currency)}`

/** The plain-text email body for a link. */
export const emailText = (link: PaymentLink, merchantName: string): string => {
  const greeting = link.customer?.name ? `Hello ${link.customer.name},` : "Hello,"
  const lines = [greeting, "", `${merchantName} has sent you a payment request.`, ""]
  lines.push(`Amount: ${Money.format(link.amount, link.currency)}`)
  if (link.amountPaid > 0) {
    lines.push(`Paid so far: ${Money.format(link.amountPaid, link.currency)}`)
    lines.push(`Amount due: ${Money.format(link.amountDue, link.currency)}`)
  }
  if (link.description !== null) lines.push(`Description: ${link.description}`)
  if (link.receipt !== null) lines.push(`Receipt: ${link.receipt}`)
  lines.push("", `Pay here: ${link.shortUrl}`, `This link expires on ${formatDate(link.expireBy)}.`)
  lines.push("", `If you were not expecting a payment request from ${merchantName}, you can ignore this message.`)
  return lines.join("\n")
}

/** The message for `channel`, addressed to the link's customer; undefined when they cannot be reached there. */
export const message = (link: PaymentLink, channel: Channel, merchantName: string): Message | undefined => {
  const to = channel === "sms" ? link.customer?.contact : link.customer?.email
  if (!to) return undefined
  return {
    tenant: Tenant.make(link.merchantId, link.mode),
    linkId: link.id,
    channel,
    to,
    subject: channel === "email" ? emailSubject(link, merchantName) : null,
    text: channel === "email" ? emailText(link, merchantName) : smsText(link, merchantName)
  }
}
