/**
 * Row ↔ domain codecs, compiled once at module load: the link and events are stored as the JSON of
 * their core Schema encoding, so the stored form is exactly what the core defines (the compiled codecs give
 * Schema's results, faster: see `compiledCodec`).
 */
import { DomainEvent } from "@paylinks/core/DomainEvent"
import { PaymentLink } from "@paylinks/core/PaymentLink"
import { jsonCodec } from "./compiledCodec.js"

const LinkJson = jsonCodec(PaymentLink)
const EventJson = jsonCodec(DomainEvent)

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
