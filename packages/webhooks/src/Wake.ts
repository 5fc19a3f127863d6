/**
 * Work made in this process, announced to the dispatchers of this process: an outbox entry committed
 * with a link's transition, a delivery scheduled again. A dispatcher told about it looks at once
 * instead of at its next poll; work made by other processes (another server, the CLI, a standalone
 * dispatcher on the same database) is still found by polling. A wake is only ever a hint: a
 * dispatcher woken for nothing finds nothing, and one never woken finds the work at its next poll.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PaymentLinkRepository, type PaymentLinkRepositoryShape } from "@paylinks/core/PaymentLinkRepository"

export interface WakeShape {
  /** Work was committed: every listener is called (synchronously, so it must not block). */
  readonly wake: () => void
  /** Calls `listener` at each wake until the returned function is called. */
  readonly listen: (listener: () => void) => () => void
}

export class Wake extends Context.Tag("@paylinks/webhooks/Wake")<Wake, WakeShape>() {}

export const make = (): WakeShape => {
  const listeners = new Set<() => void>()
  return {
    wake: () => {
      for (const listener of listeners) listener()
    },
    listen: (listener) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    }
  }
}

/** Wakes after `effect` succeeded (the repository answers only once its write is committed). */
const thenWake =
  (wake: WakeShape) =>
  <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.tap(effect, () => Effect.sync(wake.wake))

/** The repository, waking `wake` after each committed write (every transition's events are written with it). */
export const wakingRepository = (
  repository: PaymentLinkRepositoryShape,
  wake: WakeShape
): PaymentLinkRepositoryShape => ({
  ...repository,
  insert: (transition) => thenWake(wake)(repository.insert(transition)),
  save: (transition) => thenWake(wake)(repository.save(transition))
})

/**
 * A storage layer whose link writes wake this process's dispatchers: it adds a `Wake` and puts a waking
 * `PaymentLinkRepository` in place of the storage's own (when it has one).
 */
export const onWrites = <ROut, E, RIn>(storage: Layer.Layer<ROut, E, RIn>): Layer.Layer<ROut | Wake, E, RIn> =>
  Layer.map(storage, (context) => {
    const wake = make()
    const repository = Context.getOption(context as Context.Context<unknown>, PaymentLinkRepository)
    const woken = Context.add(context, Wake, wake)
    return repository._tag === "Some"
      ? Context.add(woken, PaymentLinkRepository, wakingRepository(repository.value, wake))
      : woken
  })
