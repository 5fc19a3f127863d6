/**
 * The hosted page's HTML. No script; one inline stylesheet allowed by its hash; every string from a
 * merchant or a customer goes through `html`, which escapes it. Colours meet WCAG AA contrast
 * (4.5:1 for text) and every control has a label and a visible focus ring.
 */
import { createHash } from "node:crypto"
import { referenceLabel } from "@paylinks/contract/HostedPageWire"
import * as Money from "@paylinks/core/Money"
import type { Payment, PaymentLink, Status } from "@paylinks/core/PaymentLink"
import { isOpen } from "@paylinks/core/Transitions"
import { PAYMENT_METHODS } from "@paylinks/core/Validation"
import * as Format from "./format.js"
import { Html, html } from "./html.js"

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#111827;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.page{max-width:36rem;margin:0 auto;padding:1.5rem 1rem 2rem}
.sandbox{margin:0 0 1rem;padding:.5rem .75rem;border:1px solid #b45309;border-radius:.5rem;background:#fef3c7;color:#78350f}
.card{background:#fff;border:1px solid #d1d5db;border-radius:.75rem;padding:1.5rem}
.eyebrow{margin:0;color:#4b5563;font-size:.875rem}
h1{margin:0 0 1rem;font-size:1.375rem;line-height:1.3;overflow-wrap:anywhere}
h2{margin:0 0 .75rem;font-size:1.125rem}
.amount{margin:0 0 1rem;font-size:2rem;font-weight:700;line-height:1.2}
.badge{display:inline-block;margin-left:.5rem;padding:.125rem .625rem;border-radius:999px;font-size:.875rem;font-weight:600;vertical-align:middle}
.badge-issued{background:#dbeafe;color:#1e3a8a}
.badge-partially_paid{background:#e0e7ff;color:#3730a3}
.badge-paid{background:#dcfce7;color:#14532d}
.badge-cancelled{background:#f3f4f6;color:#374151;border:1px solid #9ca3af}
.badge-expired{background:#fee2e2;color:#7f1d1d}
.description{margin:0 0 1rem}
.description p{margin:0;white-space:pre-line;overflow-wrap:anywhere}
.description details{margin-top:.25rem}
.description:has(details[open]) .preview{display:none}
summary{cursor:pointer;color:#1d4ed8;font-weight:600;width:max-content}
summary .less,details[open] summary .more{display:none}
details[open] summary .less{display:inline}
details[open] summary{margin-bottom:.25rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.375rem 1rem;margin:0 0 1rem}
.facts dt{color:#4b5563}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.facts .badge{margin-left:0}
.alert{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.5rem;border:1px solid}
.alert h2{margin:0 0 .25rem;font-size:1rem}
.alert p{margin:0}
.alert-error{background:#fef2f2;border-color:#f87171;color:#7f1d1d}
.alert-success{background:#f0fdf4;border-color:#4ade80;color:#14532d}
.alert-info{background:#eff6ff;border-color:#60a5fa;color:#1e3a8a}
.state{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.5rem;background:#f9fafb;border:1px solid #d1d5db}
.state p{margin:0}
fieldset{margin:0;padding:.75rem 1rem 1rem;border:1px solid #d1d5db;border-radius:.5rem}
legend{padding:0 .25rem;font-weight:600}
fieldset .field{margin-top:0}
.or{display:flex;align-items:center;gap:.75rem;margin:.75rem 0;color:#4b5563;font-size:.875rem}
.or::before,.or::after{content:"";flex:1;border-top:1px solid #d1d5db}
.field{margin:.5rem 0 1rem}
.field label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=number],select{width:100%;padding:.5rem .75rem;font:inherit;color:#111827;background:#fff;border:1px solid #6b7280;border-radius:.375rem}
.hint{margin:.25rem 0 0;color:#4b5563;font-size:.875rem}
form>.hint{margin:-.5rem 0 1rem}
button{display:block;width:100%;padding:.75rem 1.25rem;font:inherit;font-weight:700;color:#fff;background:#1d4ed8;border:0;border-radius:.5rem;cursor:pointer}
button:hover{background:#1e40af}
button.secondary{color:#1d4ed8;background:#fff;border:2px solid #1d4ed8;padding:.625rem 1.125rem}
button.secondary:hover{background:#eff6ff}
a{color:#1d4ed8}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
table{width:100%;border-collapse:collapse;margin:0 0 1rem;font-size:.9375rem}
caption{text-align:left;font-weight:600;margin-bottom:.25rem}
th,td{padding:.375rem .5rem .375rem 0;text-align:left;border-bottom:1px solid #e5e7eb;overflow-wrap:anywhere}
th{color:#4b5563;font-weight:600}
footer{margin-top:1rem;text-align:center;color:#4b5563;font-size:.875rem}
`

/** The `style-src` source that allows exactly the stylesheet above. */
export const STYLE_HASH = `'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`

/** A description longer than this (in characters or lines) is collapsed when `view_less` is true. */
export const COLLAPSE_CHARACTERS = 240
export const COLLAPSE_LINES = 4

const STATUS_LABELS: Record<Status, string> = {
  issued: "Awaiting payment",
  partially_paid: "Partially paid",
  paid: "Paid",
  cancelled: "Cancelled",
  expired: "Expired"
}

const METHOD_LABELS: Record<string, string> = {
  card: "Card",
  netbanking: "Netbanking",
  wallet: "Wallet",
  upi: "UPI",
  emi: "EMI"
}

export interface Alert {
  readonly kind: "error" | "success" | "info"
  readonly title: string
  readonly text: string
}

/** How a payable link can be paid here. */
export type Payability = "sandbox" | "gateway" | "no-gateway"

/** What the customer last entered, to fill the form again after a refusal. */
export interface FormValues {
  readonly choice: "full" | "part"
  readonly amount: string
  readonly method: string
}

export interface LinkView {
  /** The link as of its tenant's now. */
  readonly link: PaymentLink
  readonly merchantName: string
  readonly payability: Payability
  /** The form token; a form is rendered only with one, and only while the link is open. */
  readonly token: string | undefined
  readonly alert?: Alert | undefined
  readonly values?: FormValues | undefined
}

const document = (title: string, sandbox: boolean, body: Html): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<div class="page">
${sandbox ? html`<p class="sandbox" role="note"><strong>Test mode.</strong> This is a sandbox payment page: payments are simulated and no money moves.</p>` : ""}
<main class="card">
${body}
</main>
<footer>Payment links by paylinks</footer>
</div>
</body>
</html>
`.value

const time = (unixSeconds: number): Html =>
  html`<time datetime="${Format.isoDate(unixSeconds)}">${Format.date(unixSeconds)}</time>`

const badge = (status: Status): Html => html`<span class="badge badge-${status}">${STATUS_LABELS[status]}</span>`

/** The first lines or characters of a long text, cut at a word boundary. */
const preview = (text: string): string => {
  const lines = text.split("\n").slice(0, COLLAPSE_LINES).join("\n")
  const chars = Array.from(lines)
  if (chars.length <= COLLAPSE_CHARACTERS && lines.length < text.length) return lines.trimEnd()
  const head = chars.slice(0, COLLAPSE_CHARACTERS).join("")
  const space = head.search(/\s\S*$/)
  return (space > COLLAPSE_CHARACTERS / 2 ? head.slice(0, space) : head).trimEnd()
}

/** Whether a description is long enough to be collapsed behind "Show more". */
export const isLong = (text: string): boolean =>
  Array.from(text).length > COLLAPSE_CHARACTERS || text.split("\n").length > COLLAPSE_LINES

const description = (link: PaymentLink): Html | string => {
  const text = link.description
  if (text === null || text.trim() === "") return ""
  if (!link.viewLess || !isLong(text)) return html`<div class="description"><p>${text}</p></div>`
  return html`<div class="description">
<p class="preview">${preview(text)}…</p>
<details><summary><span class="more">Show more</span><span class="less">Show less</span></summary><p>${text}</p></details>
</div>`
}

const facts = (link: PaymentLink): Html => {
  const money = (value: number) => Format.money(value, link.currency)
  const rows: Array<Html> = []
  if (link.partialPayment || link.amountPaid > 0) {
    rows.push(html`<dt>Total</dt><dd>${money(link.amount)}</dd>`)
    rows.push(html`<dt>Paid</dt><dd>${money(link.amountPaid)}</dd>`)
    rows.push(html`<dt>Due</dt><dd>${money(link.amountDue)}</dd>`)
  }
  if (link.receipt !== null) rows.push(html`<dt>${referenceLabel(link)}</dt><dd>${link.receipt}</dd>`)
  if (link.customer?.name) rows.push(html`<dt>Billed to</dt><dd>${link.customer.name}</dd>`)
  rows.push(html`<dt>${isOpen(link.status) ? "Expires" : "Valid until"}</dt><dd>${time(link.expireBy)}</dd>`)
  return html`<dl class="facts">${rows}</dl>`
}

const stateNotice = (link: PaymentLink): Html | string => {
  const at = (value: number | null) => (value === null ? "" : html` on ${time(value)}`)
  switch (link.status) {
    case "paid":
      return html`<div class="state"><p>This payment link was paid in full${at(link.paidAt)}.</p></div>`
    case "cancelled":
      return html`<div class="state"><p>This payment link was cancelled${at(link.cancelledAt)}. It no longer accepts payments.</p></div>`
    case "expired":
      return html`<div class="state"><p>This payment link expired${at(link.expiredAt)}. It no longer accepts payments.</p></div>`
    default:
      return ""
  }
}

const payments = (link: PaymentLink): Html | string =>
  link.payments.length === 0
    ? ""
    : html`<table>
<caption>Payments</caption>
<thead><tr><th scope="col">Payment</th><th scope="col">Amount</th><th scope="col">Date</th></tr></thead>
<tbody>${link.payments.map(
        (payment) =>
          html`<tr><td>${payment.id}</td><td>${Format.money(payment.amount, payment.currency)}</td><td>${time(payment.createdAt)}</td></tr>`
      )}</tbody>
</table>`

const alertBox = (alert: Alert | undefined): Html | string =>
  alert === undefined
    ? ""
    : html`<div class="alert alert-${alert.kind}" role="${alert.kind === "error" ? "alert" : "status"}"><h2>${alert.title}</h2><p>${alert.text}</p></div>`

/** The smallest instalment the form offers: the domain's rule, capped at what is due. */
export const minimumInstalment = (link: PaymentLink): number => {
  const due = link.amountDue
  let minimum: number = Money.minimumAmount(link.currency)
  if (link.amountPaid === 0 && link.firstPaymentMinAmount !== null)
    minimum = Math.max(minimum, link.firstPaymentMinAmount)
  return Math.min(minimum, due)
}

/**
 * The two ways to pay a partial link, each with its own submit button, so that what is posted is what the customer
 * pressed — with or without JavaScript, and in browsers that cannot hide the amount field. "Pay in parts" comes
 * first: it is the form's default button, so Enter in the amount field pays the amount typed, never the full one.
 * The full button skips the amount field's validation (`formnovalidate`): a half-typed amount does not block it,
 * and the server refuses an amount posted with it rather than guess.
 */
const partialChoice = (link: PaymentLink, values: FormValues | undefined, suffix: string): Html => {
  const money = (value: number) => Format.money(value, link.currency)
  const minimum = minimumInstalment(link)
  const major = (value: number) => Money.formatMajor(value, link.currency)
  const first = link.amountPaid === 0 && link.firstPaymentMinAmount !== null
  return html`<fieldset>
<legend>Pay in parts</legend>
<div class="field">
<label for="amount">Amount to pay now (${link.currency})</label>
<input type="number" id="amount" name="amount" inputmode="decimal" required min="${major(minimum)}" max="${major(link.amountDue)}" step="${Format.step(link.currency)}" value="${values?.amount ?? ""}" aria-describedby="amount-hint">
<p class="hint" id="amount-hint">${first ? "The first payment must be at least" : "At least"} ${money(minimum)} and at most ${money(link.amountDue)}.</p>
</div>
<button type="submit" name="choice" value="part" class="secondary">Pay this amount${suffix}</button>
</fieldset>
<p class="or"><span>or</span></p>
<button type="submit" name="choice" value="full" formnovalidate>Pay ${money(link.amountDue)} in full${suffix}</button>`
}

const methodField = (values: FormValues | undefined): Html => {
  const selected = values?.method ?? "card"
  return html`<div class="field">
<label for="method">Payment method (sandbox)</label>
<select id="method" name="method">${PAYMENT_METHODS.map(
    (method) =>
      html`<option value="${method}"${method === selected ? new Html(" selected") : ""}>${METHOD_LABELS[method] ?? method}</option>`
  )}</select>
</div>`
}

const form = (view: LinkView): Html | string => {
  const { link, token } = view
  if (!isOpen(link.status)) return ""
  if (view.payability === "no-gateway")
    return html`<div class="alert alert-info" role="status"><p>Payments are not available here: no payment gateway is configured.</p></div>`
  if (token === undefined) return ""
  const sandbox = view.payability === "sandbox"
  const suffix = sandbox ? " (sandbox)" : ""
  return html`<form method="post" action="/i/${link.shortCode}" aria-labelledby="pay-heading">
<h2 id="pay-heading">Pay this link</h2>
<input type="hidden" name="token" value="${token}">
<input type="hidden" name="due" value="${link.amountDue}">
${sandbox ? methodField(view.values) : ""}
${sandbox ? html`<p class="hint">A sandbox payment is captured at once; nothing is charged.</p>` : ""}
${
  link.partialPayment
    ? partialChoice(link, view.values, suffix)
    : html`<button type="submit">Pay ${Format.money(link.amountDue, link.currency)}${suffix}</button>`
}
</form>`
}

/** The page of a link: its details, its state, and a payment form while it can be paid. */
export const linkPage = (view: LinkView): string => {
  const { link } = view
  return document(
    `${view.merchantName}: payment link`,
    link.mode === "test",
    html`<p class="eyebrow">Payment request from</p>
<h1>${view.merchantName}</h1>
${alertBox(view.alert)}
<p class="amount">${Format.money(link.amount, link.currency)}${badge(link.status)}</p>
${description(link)}
${facts(link)}
${stateNotice(link)}
${payments(link)}
${form(view)}`
  )
}

/** The answer to a payment made here without a `callback_url`. */
export const successPage = (link: PaymentLink, payment: Payment, merchantName: string): string => {
  const money = (value: number) => Format.money(value, link.currency)
  const rest =
    link.status === "paid"
      ? html`<p>The link is now paid in full.</p>`
      : html`<p>${money(link.amountDue)} is still due. <a href="/i/${link.shortCode}">Pay the rest</a></p>`
  return document(
    `Payment successful: ${merchantName}`,
    link.mode === "test",
    html`<p class="eyebrow">Payment to</p>
<h1>${merchantName}</h1>
<div class="alert alert-success" role="status"><h2>Payment successful</h2><p>You paid ${money(payment.amount)}.</p></div>
<dl class="facts">
<dt>Payment</dt><dd>${payment.id}</dd>
<dt>Amount</dt><dd>${money(payment.amount)}</dd>
<dt>Date</dt><dd>${time(payment.createdAt)}</dd>
<dt>Status</dt><dd>${badge(link.status)}</dd>
</dl>
${rest}`
  )
}

/** A page with one message: unknown links, expired forms, a payment still being processed. */
export const messagePage = (title: string, text: string, back?: string): string =>
  document(
    title,
    false,
    html`<h1>${title}</h1>
<p>${text}</p>
${back === undefined ? "" : html`<p><a href="${back}">Back to the payment page</a></p>`}`
  )
