/**
 * `node apps/server/dist/main.js [options]`: serves paylinks until SIGTERM or SIGINT, then stops
 * accepting, finishes the requests in flight, closes the database and exits 0. A bad setting exits 2,
 * a failure to start 1, each with its message on stderr.
 */
import * as V8 from "node:v8"
import * as Main from "@paylinks/runtime/Main"
import * as Server from "@paylinks/runtime/Server"
import * as ServerConfig from "@paylinks/runtime/ServerConfig"
import * as Effect from "effect/Effect"

// Between full collections V8 lets the old generation grow to up to four times what was live after the last one.
// Under a steady write load most of that growth is garbage promoted while requests waited for their group commit,
// and the server's peak RSS came to ~270 MiB over a live heap of ~60. Growing by at most 30% of the live size keeps
// the peak under 200 MiB for more frequent, short, full collections, at a few per cent of throughput (BENCHMARKS.md).
// V8 reads the factor each time it sizes the heap, so setting it here, before the server allocates, is enough.
V8.setFlagsFromString("--heap-growing-percent=30")

Main.run(
  "paylinks",
  Effect.gen(function* () {
    const config = yield* ServerConfig.load(process.argv.slice(2), process.env)
    if (config === "help") return yield* Effect.sync(() => process.stdout.write(`${ServerConfig.usage()}\n`))
    return yield* Effect.scoped(Effect.zipRight(Server.make(config), Effect.never))
  })
)
