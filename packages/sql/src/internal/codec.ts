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

/** Links decoded lately, by their stored text; a few thousand links are a few MiB. */
const DECODED_LINKS = 2048
const decodedLinks = new Map<string, PaymentLink>()

export const encodeLink: (link: PaymentLink) => string = LinkJson.encode

/**
 * A stored link. The same text always decodes to the same (immutable) link, so a link read again — a hot link
 * fetched over and over, the first page of a list — is taken from the texts decoded lately instead of decoded
 * again. Nothing to invalidate: a changed link is a different text.
 */
export const decodeLink = (json: string): PaymentLink => {
  let link = decodedLinks.get(json)
  if (link === undefined) {
    link = LinkJson.decode(json)
    if (decodedLinks.size >= DECODED_LINKS) decodedLinks.delete(decodedLinks.keys().next().value!)
    decodedLinks.set(json, link)
  }
  return link
}
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
