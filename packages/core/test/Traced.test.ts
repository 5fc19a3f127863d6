/**
 * Spans of the use-cases: made when a tracer is installed (an exporter would receive them), skipped with
 * Effect's built-in tracer, which nobody reads.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import * as IdGenerator from "../src/IdGenerator.js"
import * as InMemory from "../src/InMemory.js"
import { Merchants } from "../src/Merchants.js"
import * as PaymentLinks from "../src/PaymentLinks.js"
import { isTracing, traced } from "../src/Traced.js"

const TestLayer = PaymentLinks.layer.pipe(
  Layer.provideMerge(InMemory.layer),
  Layer.provideMerge(PaymentLinks.linkSettings("http://localhost:4010")),
  Layer.provideMerge(IdGenerator.layerSequential)
)

/** A tracer that records the names of the spans it is asked for and otherwise behaves as the built-in one. */
const recording = Effect.map(Effect.tracer, (builtIn) => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      names.push(name)
      return builtIn.span(name, parent, context, links, startTime, kind, options)
    },
    context: (f, fiber) => builtIn.context(f, fiber)
  })
  return { names, tracer }
})

const useCases = Effect.gen(function* () {
  yield* TestClock.adjust("1700000000 seconds")
  const merchants = yield* Merchants
  yield* merchants.seedKey("rzp_test_trace000001", "secret", "Trace")
  const principal = yield* merchants.authenticate("rzp_test_trace000001", "secret")
  const links = yield* PaymentLinks.PaymentLinks
  const link = yield* links.create(principal, { type: "link", amount: 1000 })
  yield* links.get(principal.tenant, link.id)
  yield* links.list(principal.tenant, {})
  yield* links.cancel(principal.tenant, link.id)
})

describe("traced", () => {
  it.effect("without a tracer installed, runs the effect without a span", () =>
    Effect.gen(function* () {
      expect(yield* isTracing).toBe(false)
      const span = yield* traced("Traced.test")(Effect.option(Effect.currentSpan))
      expect(Option.isNone(span)).toBe(true)
    })
  )

  it.effect("with a tracer installed, wraps the effect in the named span", () =>
    Effect.gen(function* () {
      const { names, tracer } = yield* recording
      const span = yield* traced("Traced.test")(Effect.currentSpan).pipe(Effect.withTracer(tracer))
      expect(span.name).toBe("Traced.test")
      expect(names).toEqual(["Traced.test"])
      expect(yield* Effect.withTracer(isTracing, tracer)).toBe(true)
    })
  )

  it.effect("every use-case called has its span when a tracer is installed", () =>
    Effect.gen(function* () {
      const { names, tracer } = yield* recording
      yield* useCases.pipe(Effect.withTracer(tracer), Effect.provide(TestLayer))
      expect(names).toEqual(["PaymentLinks.create", "PaymentLinks.get", "PaymentLinks.list", "PaymentLinks.cancel"])
    })
  )
})
