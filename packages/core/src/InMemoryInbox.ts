/**
 * An in-memory sandbox Inbox: what the sandbox notifier "sent", per tenant, newest first.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { IdGenerator } from "./IdGenerator.js"
import { Inbox, type InboxMessage } from "./Inbox.js"

export const layer: Layer.Layer<Inbox, never, IdGenerator> = Layer.effect(
  Inbox,
  Effect.gen(function* () {
    const ids = yield* IdGenerator
    const messages: Array<InboxMessage> = []
    return {
      store: (message, now) =>
        Effect.map(ids.next("msg"), (id) => {
          const stored: InboxMessage = {
            id,
            tenant: message.tenant,
            linkId: message.linkId,
            channel: message.channel,
            to: message.to,
            subject: message.subject,
            text: message.text,
            createdAt: now
          }
          messages.push(stored)
          return stored
        }),
      list: (tenant, query) =>
        Effect.sync(() =>
          messages
            .filter(
              (message) =>
                message.tenant.merchantId === tenant.merchantId &&
                message.tenant.mode === tenant.mode &&
                (query.channel === undefined || message.channel === query.channel) &&
                (query.linkId === undefined || message.linkId === query.linkId)
            )
            .reverse()
            .slice(0, query.limit ?? 50)
        )
    }
  })
)
