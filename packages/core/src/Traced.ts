/**
 * Spans for the use-cases, made only when someone reads them. With Effect's built-in tracer nobody
 * does (an exporter such as OpenTelemetry replaces it with `Layer.setTracer`), and making a span —
 * its stack trace, its fiber-ref bookkeeping — costs several times a whole cached read
 * (BENCHMARKS.md#costs-the-design-is-built-around), so without a tracer the effect runs as it is.
 */
import * as Effect from "effect/Effect"
import type * as Tracer from "effect/Tracer"

/** The tracer every runtime starts with; captured once, so that a replacement is told apart by identity. */
const builtIn: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** Whether `tracer` is Effect's built-in one, whose spans nobody reads. */
export const isBuiltIn = (tracer: Tracer.Tracer): boolean => tracer === builtIn

/** Whether a tracer other than Effect's built-in one is installed, i.e. whether spans are exported. */
export const isTracing: Effect.Effect<boolean> = Effect.tracerWith((tracer) => Effect.succeed(tracer !== builtIn))

/** `Effect.withSpan(name, options)` when a tracer is installed; the effect itself otherwise. */
export const traced =
  (name: string, options?: Tracer.SpanOptions) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tracerWith((tracer) => (tracer === builtIn ? self : Effect.withSpan(self, name, options)))
