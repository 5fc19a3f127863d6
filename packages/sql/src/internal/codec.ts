/**
 * Row ↔ domain codecs, compiled once at module load: the link and events are stored as the JSON of
 * their core Schema encoding, so the stored form is exactly what the core defines (the compiled codecs give
 * Schema's results, faster: see `compiledCodec`).
 */
import { DomainEvent } from "@paylinks/core/DomainEvent"
import { PaymentLink } from "@paylinks/core/PaymentLink"
import { jsonCodec } from "./compiledCodec.js"

/**
 * The fields a link has gained since the first schema, with the values a link stored before them has: it was
 * created through the invoices contract, is no UPI link, has had no reminder, and its last change is unknown.
 */
const LINK_DEFAULTS = { contract: "invoices", reminderStatus: null, upiLink: false, updatedAt: null } as const

/** A stored link (it has an id) from before the fields above, with their values; anything else as it is. */
export const upgradeLink = (value: unknown): unknown =>
  typeof value === "object" && value !== null && "id" in value && !("contract" in value)
    ? { ...LINK_DEFAULTS, ...value }
    : value

const upgradeEvent = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null || !("link" in value)) return value
  const link = upgradeLink(value.link)
  return link === value.link ? value : { ...value, link }
}

const LinkJson = jsonCodec(PaymentLink, upgradeLink)
const EventJson = jsonCodec(DomainEvent, upgradeEvent)

export const encodeLink: (link: PaymentLink) => string = LinkJson.encode
export const decodeLink: (json: string) => PaymentLink = LinkJson.decode
export const encodeEvent: (event: DomainEvent) => string = EventJson.encode
export const decodeEvent: (json: string) => DomainEvent = EventJson.decode

/**
 * An integer column as the drivers hand it over: SQLite gives numbers, node-postgres gives BIGINT as
 * a string (it cannot know the value fits a double; ours always do, they are unix seconds and minor units).
 */
export const toInt = (value: unknown): number => {
  const n = typeof value === "number" ? value : Number(value)
  if (!Number.isSafeInteger(n)) throw new Error(`Expected an integer column, got ${String(value)}`)
  return n
}

export const toIntOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : toInt(value)

/** Unix seconds from an Effect clock reading. */
export const unixSeconds = (millis: number): number => Math.floor(millis / 1000)
