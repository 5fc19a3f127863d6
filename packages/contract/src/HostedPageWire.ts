/**
 * What the hosted page says in each contract's words (docs/hosted-page.md), besides the callback's query
 * (`Callback.ts`): the name of the merchant's reference, and the text of a state refusal. The page is one
 * page; only these words differ.
 */
import type { CommandError, OperationNotAllowed } from "@paylinks/core/DomainError"
import type { Contract, PaymentLink } from "@paylinks/core/PaymentLink"
import { refusalText as paymentLinkRefusal } from "./PaymentLinkWire.js"

interface Words {
  /** What the merchant's reference (`receipt` / `reference_id`) is called on the page. */
  readonly referenceLabel: string
  readonly refusal: (error: OperationNotAllowed) => string
}

const WORDS: { readonly [C in Contract]: Words } = {
  invoices: { referenceLabel: "Receipt", refusal: (error) => error.message },
  payment_links: { referenceLabel: "Reference", refusal: paymentLinkRefusal }
}

/** What the page calls the link's reference. */
export const referenceLabel = (link: PaymentLink): string => WORDS[link.contract].referenceLabel

/** A refusal from core as the page shows it for `link`: a state refusal in the link's contract's words. */
export const refusalText = (link: PaymentLink, error: CommandError): string =>
  error._tag === "OperationNotAllowed" ? WORDS[link.contract].refusal(error) : error.message
