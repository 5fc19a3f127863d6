/**
 * Row ↔ domain codecs, compiled once at module load: the link and events are stored as the JSON of
 * their core Schema encoding, so the stored form is exactly what the core defines.
 */
import { DomainEvent } from "@paylinks/core/DomainEvent"
import { PaymentLink } from "@paylinks/core/PaymentLink"
import * as Schema from "effect/Schema"

const LinkJson = Schema.parseJson(PaymentLink)
const EventJson = Schema.parseJson(DomainEvent)

export const encodeLink: (link: PaymentLink) => string = Schema.encodeSync(LinkJson)
export const decodeLink: (json: string) => PaymentLink = Schema.decodeSync(LinkJson)
export const encodeEvent: (event: DomainEvent) => string = Schema.encodeSync(EventJson)
export const decodeEvent: (json: string) => DomainEvent = Schema.decodeSync(EventJson)

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
