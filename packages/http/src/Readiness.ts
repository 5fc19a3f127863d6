/**
 * The Readiness port: whether the server can serve (its storage answers), for `GET /readyz`. The
 * composition root provides it from the storage adapter's health check.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface ReadinessShape {
  /** Succeeds with true when the storage answers; false (never a failure) when it does not. */
  readonly check: Effect.Effect<boolean>
}

export class Readiness extends Context.Tag("@paylinks/http/Readiness")<Readiness, ReadinessShape>() {}

/** Ready while `ping` succeeds within 2 seconds; a failure, a defect or a hang means not ready. */
export const fromPing = <E, R>(ping: Effect.Effect<unknown, E, R>): Layer.Layer<Readiness, never, R> =>
  Layer.effect(
    Readiness,
    Effect.map(Effect.context<R>(), (context) => ({
      check: ping.pipe(
        Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "timeout" as const }),
        Effect.as(true),
        Effect.catchAllCause(() => Effect.succeed(false)),
        Effect.provide(context)
      )
    }))
  )

/** Always ready: for storage that lives in the process (the in-memory adapters). */
export const layerAlways: Layer.Layer<Readiness> = Layer.succeed(Readiness, { check: Effect.succeed(true) })
