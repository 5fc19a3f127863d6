/**
 * The sandbox notifier: every message lands in the tenant's inbox (`GET /v1/sandbox/inbox`,
 * `paylinks inbox`) and nothing leaves the machine. It is what runs when no provider is configured.
 */
import { Inbox } from "@paylinks/core/Inbox"
import { Notifier, type NotifierShape } from "@paylinks/core/Notifier"
import { traced } from "@paylinks/core/Traced"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export const make: Effect.Effect<NotifierShape, never, Inbox> = Effect.map(Inbox, (inbox) => ({
  send: (message) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((millis) => inbox.store(message, Math.floor(millis / 1000))),
      Effect.map((stored) => ({ provider: "inbox", messageId: stored.id })),
      traced("InboxNotifier.send")
    )
}))

export const layer: Layer.Layer<Notifier, never, Inbox> = Layer.effect(Notifier, make)
