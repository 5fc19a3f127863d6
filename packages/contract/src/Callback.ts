/**
 * What a `callback_url` receives after a payment on the hosted page (docs/hosted-page.md#verifying-the-callback),
 * per contract: the query parameters in order and the message their signature covers. The invoices API sends
 * `razorpay_invoice_*` and signs `invoice_id|receipt|status|payment_id`; the Payment Links API sends
 * `razorpay_payment_link_*` and signs `plink_id|reference_id|status|payment_id`, with its own status words.
 */
import type { Payment, PaymentLink } from "@paylinks/core/PaymentLink"
import { STATUS_WORDS } from "./PaymentLinkWire.js"

export interface CallbackQuery {
  /** The parameters before the signature, in the order they are sent. */
  readonly parameters: ReadonlyArray<readonly [string, string]>
  /** What `razorpay_signature` is the HMAC-SHA256 of. */
  readonly signed: string
}

export const callbackQuery = (link: PaymentLink, payment: Payment): CallbackQuery => {
  const reference = link.receipt ?? ""
  if (link.contract === "payment_links") {
    const status = STATUS_WORDS[link.status]
    return {
      parameters: [
        ["razorpay_payment_id", payment.id],
        ["razorpay_payment_link_id", link.id],
        ["razorpay_payment_link_reference_id", reference],
        ["razorpay_payment_link_status", status]
      ],
      signed: `${link.id}|${reference}|${status}|${payment.id}`
    }
  }
  return {
    parameters: [
      ["razorpay_payment_id", payment.id],
      ["razorpay_invoice_id", link.id],
      ["razorpay_invoice_status", link.status],
      ["razorpay_invoice_receipt", reference]
    ],
    signed: `${link.id}|${reference}|${link.status}|${payment.id}`
  }
}
