/**
 * `node apps/server/dist/main.js [options]`: serves paylinks until SIGTERM or SIGINT, then stops
 * accepting, finishes the requests in flight, closes the database and exits 0.
 */
import * as V8 from "node:v8"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Server from "./Server.js"
import * as ServerConfig from "./ServerConfig.js"

// Between full collections V8 lets the old generation grow to up to four times what was live after the last one.
// Under a steady write load most of that growth is garbage promoted while requests waited for their group commit,
// and the server's peak RSS came to ~270 MiB over a live heap of ~60. Growing by at most 30% of the live size keeps
// the peak under 200 MiB for more frequent, short, full collections, at a few per cent of throughput (BENCHMARKS.md).
// V8 reads the factor each time it sizes the heap, so setting it here, before the server allocates, is enough.
V8.setFlagsFromString("--heap-growing-percent=30")

const loaded = ServerConfig.load(process.argv.slice(2), process.env)
if (Either.isLeft(loaded)) {
  process.stderr.write(`paylinks: ${loaded.left.message}\n`)
  process.exit(2)
}
if (loaded.right === "help") {
  process.stdout.write(`${ServerConfig.usage()}\n`)
  process.exit(0)
}
const config = loaded.right

const fiber = Effect.runFork(Effect.scoped(Effect.zipRight(Server.make(config), Effect.never)))

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  Effect.runFork(Fiber.interrupt(fiber))
}
process.once("SIGTERM", stop)
process.once("SIGINT", stop)

fiber.addObserver((exit) => {
  if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) process.exit(0)
  const failure = Cause.failureOption(exit.cause)
  const message =
    failure._tag === "Some" && typeof (failure.value as { message?: unknown }).message === "string"
      ? (failure.value as { message: string }).message
      : Cause.pretty(exit.cause)
  process.stderr.write(`paylinks: ${message}\n`)
  process.exit(1)
})
