/**
 * The sandbox Inbox port (docs/http-api.md#sandbox-extensions): the SMS and emails "sent" to customers when no real
 * provider is configured, kept per tenant so an integration's tests can read them
 * (`GET /v1/sandbox/inbox`, `paylinks inbox`).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { PaymentLinkId } from "./Ids.js"
import type { Message } from "./Notifier.js"
import type { Channel } from "./PaymentLink.js"
import type { Tenant } from "./Tenant.js"

export interface InboxMessage {
  /** `msg_` + 14 base62 characters. */
  readonly id: string
  readonly tenant: Tenant
  readonly linkId: PaymentLinkId
  readonly channel: Channel
  readonly to: string
  readonly subject: string | null
  readonly text: string
  /** Unix seconds. */
  readonly createdAt: number
}

export interface InboxQuery {
  readonly channel?: Channel | undefined
  readonly linkId?: string | undefined
  /** Default 50. */
  readonly limit?: number | undefined
}

export interface InboxShape {
  /** Keeps a message and returns it as stored. */
  readonly store: (message: Message, now: number) => Effect.Effect<InboxMessage>
  /** The tenant's messages, newest first. */
  readonly list: (tenant: Tenant, query: InboxQuery) => Effect.Effect<ReadonlyArray<InboxMessage>>
}

export class Inbox extends Context.Tag("@paylinks/core/Inbox")<Inbox, InboxShape>() {}
