/**
 * The dispatcher: the one consumer of the outbox (docs/domain.md#lifecycle, docs/webhooks.md). It runs two passes, in
 * the server process or alone, any number of them against one database:
 *
 * - relay: claims outbox entries under a lease. A webhook-worthy event is rendered once (Razorpay's
 *   envelope) and recorded with one pending delivery per subscribed enabled endpoint, then completed;
 *   a `NotificationRequested` is sent through the `Notifier`, and only the notifier's confirmation
 *   turns the link's channel `sent`; anything else is completed. A relay that dies before completing
 *   loses nothing: the lease runs out and the entry is claimed again (recording is idempotent).
 * - delivery: claims due deliveries under a lease (per endpoint and link in event order), signs and
 *   POSTs each, logs the attempt, and settles it: delivered after a 2xx, otherwise retried with
 *   exponential backoff and jitter until the retry window after the event has passed, when the
 *   endpoint is disabled with the reason recorded.
 *
 * Attempts run in their own fibers, bounded per endpoint and per process, so a slow or dead endpoint
 * only ever holds its own slots.
 *
 * In the background the two passes run as two loops, so that a relay waiting for a notification slot
 * never holds up a webhook attempt. Each loop runs again at once while it finds work, and otherwise
 * waits until it is woken or its poll interval has passed: the delivery loop by a finished attempt
 * (a slot is free, and the link's next event may be due), by the relay having recorded deliveries, and
 * by a retry this process scheduled coming due; the relay loop by a finished notification and by an
 * entry this process handed back coming due; both by work made in this process (`Wake`: a link's
 * events committed, a redelivery). The poll interval is the fallback for work made by other processes.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import { type NotificationRequested, webhookEventName } from "@paylinks/core/DomainEvent"
import { Merchants } from "@paylinks/core/Merchants"
import { NotificationFailed, Notifier } from "@paylinks/core/Notifier"
import { Outbox, type OutboxEntry } from "@paylinks/core/Outbox"
import { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import { isOpen } from "@paylinks/core/Transitions"
import { type ClaimedDelivery, type Outcome, WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import { WebhookEndpoints, type WebhookEventName } from "@paylinks/core/WebhookEndpoints"
import { traced } from "@paylinks/core/Traced"
import * as Templates from "@paylinks/core/NotificationTemplates"
import * as Backoff from "./Backoff.js"
import * as DispatcherSettings from "./DispatcherSettings.js"
import * as Envelope from "@paylinks/contract/WebhookEnvelope"
import * as HttpSender from "./HttpSender.js"
import * as Wake from "./Wake.js"

/** What one `runOnce` did. */
export interface RunReport {
  /** Webhook events recorded with their deliveries. */
  readonly relayed: number
  /** Customer notifications the notifier confirmed. */
  readonly notified: number
  /** Webhook attempts made. */
  readonly attempted: number
  /** Attempts that got a 2xx. */
  readonly delivered: number
}

export interface DispatcherShape {
  readonly workerId: string
  /**
   * Relays what the outbox has and delivers what is due, pass after pass until nothing more is
   * claimable at the current time, waiting for every attempt and notification it started.
   */
  readonly runOnce: Effect.Effect<RunReport>
}

export class Dispatcher extends Context.Tag("@paylinks/webhooks/Dispatcher")<Dispatcher, DispatcherShape>() {}

/** The ports the dispatcher works through. */
export type Requirements =
  | Outbox
  | PaymentLinkRepository
  | WebhookEndpoints
  | WebhookDeliveries
  | Notifier
  | PaymentLinks
  | Merchants

type NotificationResult = "sent" | "skipped" | "failed"
type AttemptResult = "delivered" | "failed" | "released"

const nowSeconds = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

/**
 * What wakes one background loop: a latch opened by whatever made work for it, and the times (unix
 * milliseconds, whole seconds) at which work it scheduled itself comes due.
 */
interface Signal {
  readonly latch: Effect.Latch
  readonly due: Set<number>
  /** The earliest of `due` (Infinity when empty), kept so that a turn costs no scan of `due`. */
  earliest: number
}

/** How long a woken relay loop gathers further work before its pass (a bound on relay transactions per second). */
const RELAY_GATHER_MS = 20

/** More distinct due times than this are left to the poll interval (a bound on the loop's memory). */
const MAX_DUE_TIMES = 10_000

const makeSignal = (): Signal => ({ latch: Effect.unsafeMakeLatch(false), due: new Set(), earliest: Infinity })

const raise = (signal: Signal): void => signal.latch.unsafeOpen()

const dueAt = (signal: Signal, seconds: number): void => {
  const millis = seconds * 1000
  if (signal.due.size >= MAX_DUE_TIMES && !signal.due.has(millis)) return
  signal.due.add(millis)
  signal.earliest = Math.min(signal.earliest, millis)
}

/** Forgets the due times that have come (the pass about to run looks at what they were for). */
const takeDue = (signal: Signal, now: number): void => {
  if (signal.earliest > now) return
  let earliest = Infinity
  for (const millis of signal.due) {
    if (millis <= now) signal.due.delete(millis)
    else earliest = Math.min(earliest, millis)
  }
  signal.earliest = earliest
}

const hours = (seconds: number): string =>
  seconds % 3600 === 0 ? `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}` : `${seconds} seconds`

/** A dispatcher for the scope, without its polling loop (`runOnce` drives it). */
export const make = (
  input: DispatcherSettings.Settings
): Effect.Effect<
  DispatcherShape & { readonly poll: Effect.Effect<boolean>; readonly background: Effect.Effect<never> },
  never,
  Requirements | Scope.Scope
> =>
  Effect.gen(function* () {
    const settings = DispatcherSettings.make(input)
    const { workerId } = settings
    const outbox = yield* Outbox
    const repository = yield* PaymentLinkRepository
    const endpoints = yield* WebhookEndpoints
    const deliveries = yield* WebhookDeliveries
    const notifier = yield* Notifier
    const links = yield* PaymentLinks
    const merchants = yield* Merchants
    const scope = yield* Effect.scope
    const sender = yield* HttpSender.make({
      timeoutMs: settings.timeoutMs,
      allowPrivateAddresses: settings.allowPrivateAddresses
    })
    const relaySignal = makeSignal()
    const deliverySignal = makeSignal()
    // Work made in this process (a link's events, a redelivery) is looked at at once.
    const wake = yield* Effect.serviceOption(Wake.Wake)
    if (Option.isSome(wake)) {
      const stop = wake.value.listen(() => {
        raise(relaySignal)
        raise(deliverySignal)
      })
      yield* Effect.addFinalizer(() => Effect.sync(stop))
    }

    // An event waits for the earlier events of its link to be relayed first (they may sit in a dead
    // relay's lease), but not forever: past this it is relayed anyway.
    const orderWaitSeconds = settings.leaseSeconds * 10

    const fanOut = (entry: OutboxEntry, name: WebhookEventName, now: number): Effect.Effect<boolean> =>
      Effect.gen(function* () {
        const earlier = (yield* repository.eventsOf(entry.tenant, entry.linkId)).filter(
          (stored) => stored.sequence < entry.sequence && webhookEventName(stored.event) !== undefined
        )
        if (earlier.length > 0) {
          const recorded = yield* deliveries.recorded(earlier.map((stored) => stored.eventId))
          if (recorded.length < earlier.length && now - entry.createdAt < orderWaitSeconds) {
            yield* outbox.retryLater(entry.sequence, now + 1, "Waiting for an earlier event of the link to be relayed")
            dueAt(relaySignal, now + 1)
            return false
          }
        }
        const subscribers = yield* endpoints.subscribed(entry.tenant, name)
        yield* deliveries.record(
          {
            eventId: entry.eventId,
            tenant: entry.tenant,
            linkId: entry.linkId,
            sequence: entry.sequence,
            event: name,
            body: Envelope.render(entry.event, name),
            createdAt: entry.createdAt
          },
          subscribers.map((endpoint) => endpoint.id),
          entry.createdAt + settings.retryWindowSeconds
        )
        // Completed by the caller, with the other entries of its pass, once this record is committed.
        return true
      }).pipe(traced("Dispatcher.fanOut", { attributes: { eventId: entry.eventId } }))

    /**
     * Sends one notification. An entry it is done with (confirmed, skipped, given up) goes into `finished`, for the
     * caller to complete after the link's other notifications: a confirmation is committed before its entry's
     * completion, so a completed entry always has its confirmation stored.
     */
    const notify = (
      entry: OutboxEntry,
      event: NotificationRequested,
      finished: Array<number>
    ): Effect.Effect<NotificationResult> =>
      Effect.gen(function* () {
        const channel = event.channel
        const skip = (why: string) =>
          Effect.sync(() => {
            finished.push(entry.sequence)
            return "skipped" as const
          }).pipe(Effect.tap(() => Effect.logDebug(`Notification ${entry.eventId} not sent: ${why}`)))
        const found = yield* Effect.option(links.get(entry.tenant, entry.linkId))
        if (Option.isNone(found)) return yield* skip("the link is gone")
        const link = found.value
        const status = channel === "sms" ? link.smsStatus : link.emailStatus
        if (!isOpen(link.status)) return yield* skip(`the link is ${link.status}`)
        // A later request for the same channel was already confirmed; one message answers both.
        if (status !== "pending") return yield* skip(`the ${channel} was already sent`)
        const merchant = yield* merchants.find(link.merchantId)
        const message = Templates.message(
          link,
          channel,
          Option.match(merchant, { onNone: () => link.merchantId, onSome: (found) => found.name })
        )
        if (message === undefined) return yield* skip(`the customer has no ${channel === "sms" ? "contact" : "email"}`)
        const sent = yield* Effect.either(
          notifier.send(message).pipe(
            Effect.timeoutFail({
              duration: settings.notificationTimeoutMs,
              onTimeout: () =>
                new NotificationFailed({ channel, reason: `no answer within ${settings.notificationTimeoutMs} ms` })
            })
          )
        )
        const after = yield* nowSeconds
        if (sent._tag === "Left") {
          const elapsed = after - entry.createdAt
          if (elapsed >= settings.retryWindowSeconds) {
            yield* Effect.logWarning(
              `Giving up on the ${channel} for ${entry.linkId} after ${hours(settings.retryWindowSeconds)}: ${sent.left.reason}`
            )
            finished.push(entry.sequence)
            return "failed"
          }
          const delay = Backoff.delayAfterSeconds(settings.backoff, elapsed, yield* Random.next)
          yield* outbox.retryLater(entry.sequence, after + delay, sent.left.reason)
          dueAt(relaySignal, after + delay)
          return "failed"
        }
        // Refused only when the channel is no longer pending: then there is nothing left to record.
        yield* Effect.ignore(links.markNotificationSent(entry.tenant, entry.linkId, channel))
        finished.push(entry.sequence)
        return "sent"
      }).pipe(traced("Dispatcher.notify", { attributes: { eventId: entry.eventId } }))

    /**
     * A link's notifications of one pass, one after the other (both confirm on the same link: side by side one of
     * them lost the compare-and-set and did it all again), then the entries they are done with completed in one
     * write. A notification that failed unexpectedly is left to its lease.
     */
    const notifyLink = (
      group: ReadonlyArray<readonly [OutboxEntry, NotificationRequested]>
    ): Effect.Effect<ReadonlyArray<NotificationResult>> =>
      Effect.gen(function* () {
        const finished: Array<number> = []
        const results = yield* Effect.forEach(group, ([entry, event]) =>
          notify(entry, event, finished).pipe(
            Effect.catchAllCause((cause) => Effect.as(Effect.logError("Notification failed", cause), "failed" as const))
          )
        )
        yield* outbox.completeAll(finished, yield* nowSeconds)
        return results
      })

    const notificationSlots = yield* Effect.makeSemaphore(settings.notificationConcurrency)
    // How long a claimed notification may wait for a free slot: it must still be sent, notifier timeout
    // included, well inside the lease its claim took.
    const slotWaitMillis = settings.leaseSeconds * 1000 - settings.notificationTimeoutMs - 5_000

    /**
     * One relay pass: claims a batch, relays webhook events inline, starts each link's notifications in a fiber of
     * their own (one notification slot per link: its notifications are sent one after the other).
     */
    const relayPass = Effect.gen(function* () {
      const now = yield* nowSeconds
      const claimedAt = yield* Clock.currentTimeMillis
      const entries = yield* outbox.claim(workerId, now, settings.batchSize, settings.leaseSeconds)
      const jobs: Array<Fiber.RuntimeFiber<ReadonlyArray<NotificationResult>>> = []
      // Entries with nothing to relay (events no webhook or notification is made of).
      const done: Array<number> = []
      // The notifications of the pass per link, in outbox order.
      const byLink = new Map<string, Array<readonly [OutboxEntry, NotificationRequested]>>()
      let relayed = 0
      // Entries handed back untouched (waiting for a slot or an earlier event) are no progress.
      let progressed = 0
      for (const entry of entries) {
        const event = entry.event
        const name = webhookEventName(event)
        if (name !== undefined) {
          // Recorded one after the other in outbox order (a link's event waits for its earlier ones to be recorded).
          if (yield* fanOut(entry, name, now)) {
            done.push(entry.sequence)
            relayed++
            progressed++
          }
        } else if (event._tag === "NotificationRequested") {
          const group = byLink.get(entry.linkId)
          if (group === undefined) byLink.set(entry.linkId, [[entry, event]])
          else group.push([entry, event])
        } else {
          done.push(entry.sequence)
          progressed++
        }
      }
      // Completed in one write before the notifications start, so their writes do not queue in front of it. (A
      // relayed event's entry too: its record is committed, and one lost with the completion is recorded again.)
      yield* outbox.completeAll(done, now)
      if (relayed > 0) raise(deliverySignal)
      for (const group of byLink.values()) {
        // Waits for a free slot while the notifications can still be sent inside their lease; handed back only past
        // that. (Handing them back at once had the relay claim them again pass after pass, a write and a commit each
        // time, for as long as the slots stayed busy.)
        const waited = (yield* Clock.currentTimeMillis) - claimedAt
        const slot = yield* Effect.timeoutOption(notificationSlots.take(1), Math.max(0, slotWaitMillis - waited))
        if (Option.isNone(slot)) {
          yield* Effect.forEach(
            group,
            ([entry]) => outbox.retryLater(entry.sequence, now, "Waiting for a free notification slot"),
            { discard: true }
          )
          continue
        }
        progressed += group.length
        // A free slot may let the relay start what it handed back.
        const job = notifyLink(group).pipe(
          Effect.ensuring(
            Effect.zipRight(
              notificationSlots.release(1),
              Effect.sync(() => raise(relaySignal))
            )
          )
        )
        jobs.push(yield* Effect.forkIn(job, scope))
      }
      return { claimed: entries.length, relayed, progressed, jobs }
    })

    const inFlight = new Map<string, number>()
    let totalInFlight = 0
    const semaphores = new Map<string, Effect.Semaphore>()
    const semaphoreOf = (endpointId: string) => {
      let semaphore = semaphores.get(endpointId)
      if (semaphore === undefined) {
        semaphore = Effect.unsafeMakeSemaphore(settings.perEndpointConcurrency)
        semaphores.set(endpointId, semaphore)
      }
      return semaphore
    }
    const track = (endpointId: string, change: 1 | -1) =>
      Effect.sync(() => {
        totalInFlight += change
        const count = (inFlight.get(endpointId) ?? 0) + change
        if (count <= 0) inFlight.delete(endpointId)
        else inFlight.set(endpointId, count)
        // A finished attempt: once its endpoint is below its share again (the next claim no longer leaves it out)
        // or the process has room again, the delivery loop claims at once. (While the endpoint still has claimed
        // attempts waiting for its slots, a claim would find nothing more for it.)
        if (change === -1 && (count < settings.perEndpointConcurrency || totalInFlight === settings.maxInFlight - 1))
          raise(deliverySignal)
      })

    const outcomeOf = (delivery: ClaimedDelivery, error: string | null, now: number) =>
      Effect.gen(function* () {
        if (error === null) return { _tag: "Delivered", at: now } satisfies Outcome
        if (now >= delivery.giveUpAt)
          return {
            _tag: "GiveUp",
            at: now,
            reason: `No successful delivery within ${hours(settings.retryWindowSeconds)} of the event (last error: ${error}); the endpoint was disabled`
          } satisfies Outcome
        const delay = Backoff.delaySeconds(settings.backoff, delivery.attempts + 1, yield* Random.next)
        const at = Math.min(now + delay, delivery.giveUpAt)
        dueAt(deliverySignal, at)
        return { _tag: "Retry", at, error } satisfies Outcome
      })

    const attempt = (delivery: ClaimedDelivery): Effect.Effect<AttemptResult> =>
      Effect.gen(function* () {
        const semaphore = semaphoreOf(delivery.endpoint.id)
        // A delivery that cannot start well inside its lease is given back untried, so that its lease
        // never runs out while it is being sent.
        const started = yield* Effect.timeoutOption(semaphore.take(1), `${settings.leaseSeconds / 2} seconds`)
        if (Option.isNone(started)) {
          yield* deliveries.release(workerId, delivery.id)
          return "released"
        }
        return yield* Effect.gen(function* () {
          const attemptedAt = yield* nowSeconds
          const result = yield* sender.send(delivery)
          const outcome = yield* outcomeOf(delivery, result.error, yield* nowSeconds)
          yield* deliveries.settle(
            workerId,
            {
              deliveryId: delivery.id,
              attemptedAt,
              statusCode: result.statusCode,
              latencyMs: result.latencyMs,
              error: result.error
            },
            outcome
          )
          if (outcome._tag === "GiveUp")
            yield* Effect.logWarning(`Webhook endpoint ${delivery.endpoint.id} disabled: ${outcome.reason}`)
          return outcome._tag === "Delivered" ? ("delivered" as const) : ("failed" as const)
        }).pipe(Effect.ensuring(semaphore.release(1)))
      }).pipe(traced("Dispatcher.attempt", { attributes: { eventId: delivery.eventId } }))

    /** One delivery pass: claims what this process has room for and starts each attempt in its own fiber. */
    const deliveryPass = Effect.gen(function* () {
      const capacity = settings.maxInFlight - totalInFlight
      if (capacity <= 0) return []
      const busy = [...inFlight].filter(([, count]) => count >= settings.perEndpointConcurrency).map(([id]) => id)
      const claimed = yield* deliveries.claim({
        workerId,
        now: yield* nowSeconds,
        limit: capacity,
        leaseSeconds: settings.leaseSeconds,
        perEndpoint: settings.perEndpointConcurrency,
        excludeEndpoints: busy
      })
      const fibers: Array<Fiber.RuntimeFiber<AttemptResult>> = []
      for (const delivery of claimed) {
        yield* track(delivery.endpoint.id, 1)
        const job = attempt(delivery).pipe(
          Effect.catchAllCause((cause) =>
            Effect.as(Effect.logError("Webhook attempt failed", cause), "failed" as const)
          ),
          Effect.ensuring(track(delivery.endpoint.id, -1))
        )
        fibers.push(yield* Effect.forkIn(job, scope))
      }
      return fibers
    })

    const runOnce = Effect.gen(function* () {
      let relayed = 0
      let notified = 0
      let attempted = 0
      let delivered = 0
      // Bounded: every pass either claims something that was due or ends the loop.
      for (let pass = 0; pass < 1000; pass++) {
        const relay = yield* relayPass
        relayed += relay.relayed
        notified += (yield* Fiber.joinAll(relay.jobs)).flat().filter((result) => result === "sent").length
        if (relay.claimed === 0) break
      }
      for (let pass = 0; pass < 1000; pass++) {
        const results = yield* Fiber.joinAll(yield* deliveryPass)
        if (results.length === 0) break
        attempted += results.filter((result) => result !== "released").length
        delivered += results.filter((result) => result === "delivered").length
      }
      return { relayed, notified, attempted, delivered }
    }).pipe(traced("Dispatcher.runOnce"))

    /** One round of the background loop, without waiting for what it started; true when it found work. */
    const poll = Effect.gen(function* () {
      const relay = yield* relayPass
      const started = yield* deliveryPass
      // A full batch that moved forward suggests more is waiting; a batch only handed back does not.
      return (relay.claimed >= settings.batchSize && relay.progressed > 0) || started.length > 0
    })

    /**
     * One background loop: runs `pass` again at once while it finds work; otherwise waits until the signal is
     * raised, a due time it holds comes, or the poll interval since the last poll has passed.
     */
    const loop = (signal: Signal, pass: Effect.Effect<boolean>, gatherMs = 0): Effect.Effect<never> =>
      Effect.gen(function* () {
        let nextPollAt = 0
        for (;;) {
          // Closed before the pass: whatever raises it from here on is looked at by the next pass.
          signal.latch.unsafeClose()
          const now = yield* Clock.currentTimeMillis
          if (now >= nextPollAt) nextPollAt = now + settings.pollIntervalMs
          takeDue(signal, now)
          const busy = yield* pass.pipe(
            Effect.catchAllCause((cause) => Effect.as(Effect.logError("Dispatcher pass failed", cause), false))
          )
          if (busy) {
            yield* Effect.yieldNow()
            continue
          }
          const wait = Math.min(nextPollAt, signal.earliest) - (yield* Clock.currentTimeMillis)
          if (wait > 0)
            yield* Effect.raceFirst(
              gatherMs > 0 ? Effect.zipRight(signal.latch.await, Effect.sleep(gatherMs)) : signal.latch.await,
              Effect.sleep(wait)
            )
        }
      })

    const background = Effect.all(
      [
        // A full batch that moved forward suggests more is waiting; a batch only handed back does not.
        // Woken by a write, the relay waits a moment for the writes that follow it: under load one pass
        // relays a batch instead of one claim transaction per write competing with the API's own commits.
        loop(
          relaySignal,
          Effect.map(relayPass, (relay) => relay.claimed >= settings.batchSize && relay.progressed > 0),
          RELAY_GATHER_MS
        ),
        // Attempts started: the endpoints that got theirs are left out of the next claim, which may find others.
        loop(
          deliverySignal,
          Effect.map(deliveryPass, (started) => started.length > 0)
        )
      ],
      { concurrency: "unbounded", discard: true }
    ).pipe(Effect.zipRight(Effect.never))

    return { workerId, runOnce, poll, background }
  })

/** The dispatcher with its background polling loop, for the scope of the layer. */
export const layer = (settings: DispatcherSettings.Settings): Layer.Layer<Dispatcher, never, Requirements> =>
  Layer.scoped(
    Dispatcher,
    Effect.gen(function* () {
      const dispatcher = yield* make(settings)
      yield* Effect.forkScoped(dispatcher.background)
      yield* Effect.logInfo(`Dispatcher ${dispatcher.workerId} polling every ${settings.pollIntervalMs} ms`)
      return { workerId: dispatcher.workerId, runOnce: dispatcher.runOnce }
    })
  )

/** The dispatcher without a background loop: `runOnce` is the only thing that moves it (tests, one-shot runs). */
export const layerManual = (settings: DispatcherSettings.Settings): Layer.Layer<Dispatcher, never, Requirements> =>
  Layer.scoped(
    Dispatcher,
    Effect.map(make(settings), ({ workerId, runOnce }) => ({ workerId, runOnce }))
  )
