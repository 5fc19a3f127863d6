/**
 * What the hosted page says in each contract's words (docs/hosted-page.md): the query a `callback_url` receives
 * after a payment and the message its `razorpay_signature` signs, the name of the merchant's reference, and the
 * text of a state refusal. The page is one page; only these words differ.
 *
 * Free of Node imports: the signature's HMAC is computed by the caller, over `message`.
 */
import type { CommandError, OperationNotAllowed } from "@paylinks/core/DomainError"
import type { Contract, PaymentLink } from "@paylinks/core/PaymentLink"
import { refusalText as paymentLinkRefusal, STATUS_WORDS } from "./PaymentLinkWire.js"

/** The query parameter that carries the callback's signature, in both contracts. */
export const SIGNATURE_PARAMETER = "razorpay_signature"

/** A callback's query before its signature: the parameters in order, and the message the signature is over. */
export interface Callback {
  readonly parameters: ReadonlyArray<readonly [name: string, value: string]>
  /** Signed as Razorpay signs it: lowercase hex HMAC-SHA256, keyed with the secret of the key that created the link. */
  readonly message: string
}

interface Words {
  readonly callback: (link: PaymentLink, paymentId: string) => Callback
  /** What the merchant's reference (`receipt` / `reference_id`) is called on the page. */
  readonly referenceLabel: string
  readonly refusal: (error: OperationNotAllowed) => string
}

const WORDS: { readonly [C in Contract]: Words } = {
  invoices: {
    // `invoice_id|invoice_receipt|invoice_status|payment_id`, what the SDKs' invoice verification checks.
    callback: (link, paymentId) => {
      const receipt = link.receipt ?? ""
      return {
        parameters: [
          ["razorpay_payment_id", paymentId],
          ["razorpay_invoice_id", link.id],
          ["razorpay_invoice_status", link.status],
          ["razorpay_invoice_receipt", receipt]
        ],
        message: `${link.id}|${receipt}|${link.status}|${paymentId}`
      }
    },
    referenceLabel: "Receipt",
    refusal: (error) => error.message
  },
  payment_links: {
    // `plink_id|reference_id|status|payment_id`, what the SDKs' `validatePaymentVerification({payment_link_id, …})`
    // checks; the status in this contract's words (`paid`, `partially_paid`).
    callback: (link, paymentId) => {
      const reference = link.receipt ?? ""
      const status = STATUS_WORDS[link.status]
      return {
        parameters: [
          ["razorpay_payment_id", paymentId],
          ["razorpay_payment_link_id", link.id],
          ["razorpay_payment_link_reference_id", reference],
          ["razorpay_payment_link_status", status]
        ],
        message: `${link.id}|${reference}|${status}|${paymentId}`
      }
    },
    referenceLabel: "Reference",
    refusal: paymentLinkRefusal
  }
}

/** The callback of a payment of `link` (as it stands after the payment), in the link's contract. */
export const callback = (link: PaymentLink, paymentId: string): Callback =>
  WORDS[link.contract].callback(link, paymentId)

/** What the page calls the link's reference. */
export const referenceLabel = (link: PaymentLink): string => WORDS[link.contract].referenceLabel

/** A refusal from core as the page shows it for `link`: a state refusal in the link's contract's words. */
export const refusalText = (link: PaymentLink, error: CommandError): string =>
  error._tag === "OperationNotAllowed" ? WORDS[link.contract].refusal(error) : error.message
