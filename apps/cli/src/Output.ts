/**
 * What the commands print: aligned tables for people, the wire entity as JSON for machines. Pure
 * renderers plus the two writers (stdout for answers, stderr for messages), so that the same value
 * prints the same text whichever gateway produced it.
 */
import type { Currency } from "@paylinks/core/Money"
import * as Money from "@paylinks/core/Money"
import type { PaymentLinkEntity } from "@paylinks/contract/PaymentLinkWire"
import type { InvoiceEntity } from "@paylinks/contract/Wire"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Io from "./Io.js"

/** Writes to stdout, waiting for the stream to drain when it is full (exports can be long). */
export const out = (text: string): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(Io.current), ({ stdout }) =>
    Effect.async<void>((resume) => {
      if (stdout.write(text)) resume(Effect.void)
      else stdout.once("drain", () => resume(Effect.void))
    })
  )

export const line = (text: string): Effect.Effect<void> => out(`${text}\n`)

/** Messages for the person at the terminal (progress, notices, errors). */
export const err = (text: string): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(Io.current), ({ stderr }) => Effect.sync(() => void stderr.write(`${text}\n`)))

export const json = (value: unknown): string => JSON.stringify(value, null, 2)

/** Columns padded to their widest cell; the last column is not padded. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)))
  const render = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [render(header), ...rows.map(render)].join("\n")
}

/** Label/value pairs, labels padded to the widest. */
export const pairs = (entries: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(...entries.map(([label]) => label.length))
  return entries.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join("\n")
}

/** Unix seconds as `2026-05-26 06:30:00 UTC`; `-` when not set. */
export const time = (seconds: number | null): string =>
  seconds === null ? "-" : `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`

export const money = (value: number, currency: string): string => Money.format(value, currency as Currency)

const text = (value: string | null): string => (value === null || value === "" ? "-" : value)
const yesNo = (value: boolean): string => (value ? "yes" : "no")

const customerOf = (entity: InvoiceEntity): string => {
  const customer = entity.customer
  if (customer === null) return "-"
  const parts = [customer.name, customer.email, customer.contact].filter((part): part is string => part !== null)
  return parts.length === 0 ? "-" : parts.join(", ")
}

const notesText = (notes: Readonly<Record<string, string>>): string => {
  const entries = Object.entries(notes)
  return entries.length === 0 ? "-" : entries.map(([key, value]) => `${key}=${value}`).join(", ")
}

const notesOf = (entity: InvoiceEntity): string => notesText(entity.notes)

/** One link, as people read it. */
export const entity = (link: InvoiceEntity): string =>
  pairs([
    ["id", link.id],
    ["status", link.status],
    ["amount", money(link.amount, link.currency)],
    ["amount_paid", money(link.amount_paid, link.currency)],
    ["amount_due", money(link.amount_due, link.currency)],
    ["description", text(link.description)],
    ["receipt", text(link.receipt)],
    ["customer", customerOf(link)],
    ["customer_id", text(link.customer_id)],
    ["partial_payment", yesNo(link.partial_payment)],
    [
      "first_payment_min",
      link.first_payment_min_amount === null ? "-" : money(link.first_payment_min_amount, link.currency)
    ],
    ["notes", notesOf(link)],
    ["sms_status", text(link.sms_status)],
    ["email_status", text(link.email_status)],
    ["payment_id", text(link.payment_id)],
    ["short_url", link.short_url],
    ["expire_by", time(link.expire_by)],
    ["created_at", time(link.created_at)],
    ["paid_at", time(link.paid_at)],
    ["cancelled_at", time(link.cancelled_at)],
    ["expired_at", time(link.expired_at)]
  ])

/** Several links, one line each. */
export const entities = (links: ReadonlyArray<InvoiceEntity>): string =>
  links.length === 0
    ? "No payment links."
    : table(
        ["ID", "STATUS", "AMOUNT", "DUE", "RECEIPT", "CUSTOMER", "CREATED", "SHORT URL"],
        links.map((link) => [
          link.id,
          link.status,
          money(link.amount, link.currency),
          money(link.amount_due, link.currency),
          text(link.receipt),
          customerOf(link),
          time(link.created_at),
          link.short_url
        ])
      )

/** Unix seconds of the Payment Links entity, where `0` means not set. */
const timeOrZero = (seconds: number): string => time(seconds === 0 ? null : seconds)

const v2CustomerOf = (link: PaymentLinkEntity): string => {
  const parts = [link.customer.name, link.customer.email, link.customer.contact].filter(
    (part): part is string => part !== undefined
  )
  return parts.length === 0 ? "-" : parts.join(", ")
}

const v2NotifyOf = (link: PaymentLinkEntity): string => {
  const channels = [link.notify.sms ? "sms" : undefined, link.notify.email ? "email" : undefined].filter(
    (channel): channel is string => channel !== undefined
  )
  return channels.length === 0 ? "-" : channels.join(", ")
}

/** One Payment Link of the `/v1/payment_links` contract, as people read it. */
export const paymentLink = (link: PaymentLinkEntity): string =>
  pairs([
    ["id", link.id],
    ["status", link.status],
    ["amount", money(link.amount, link.currency)],
    ["amount_paid", money(link.amount_paid, link.currency)],
    ["description", text(link.description)],
    ["reference_id", text(link.reference_id)],
    ["customer", v2CustomerOf(link)],
    ["notify", v2NotifyOf(link)],
    ["accept_partial", yesNo(link.accept_partial)],
    [
      "first_min_partial",
      link.first_min_partial_amount === 0 ? "-" : money(link.first_min_partial_amount, link.currency)
    ],
    ["upi_link", yesNo(link.upi_link)],
    ["reminder_enable", yesNo(link.reminder_enable)],
    ["notes", notesText(link.notes)],
    ["payments", link.payments === null ? "-" : link.payments.map((payment) => payment.payment_id).join(", ")],
    ["callback_url", text(link.callback_url)],
    ["short_url", link.short_url],
    ["expire_by", timeOrZero(link.expire_by)],
    ["created_at", timeOrZero(link.created_at)],
    ["updated_at", timeOrZero(link.updated_at)],
    ["cancelled_at", timeOrZero(link.cancelled_at)],
    ["expired_at", timeOrZero(link.expired_at)]
  ])

/** Several Payment Links of the `/v1/payment_links` contract, one line each. */
export const paymentLinks = (links: ReadonlyArray<PaymentLinkEntity>): string =>
  links.length === 0
    ? "No payment links."
    : table(
        ["ID", "STATUS", "AMOUNT", "PAID", "REFERENCE", "CUSTOMER", "CREATED", "SHORT URL"],
        links.map((link) => [
          link.id,
          link.status,
          money(link.amount, link.currency),
          money(link.amount_paid, link.currency),
          text(link.reference_id),
          v2CustomerOf(link),
          timeOrZero(link.created_at),
          link.short_url
        ])
      )
