/**
 * `node apps/server/dist/main.js [options]`: serves paylinks until SIGTERM or SIGINT, then stops
 * accepting, finishes the requests in flight, closes the database, says so in its last log line and
 * exits 0. A bad setting exits 2, a failure to start 1, each with its message on stderr.
 *
 * This module imports nothing but the signal hold: a SIGTERM or SIGINT while the server's modules load
 * ends the process at once with exit code 0 (and the same last line), and `serve.js` takes the signals
 * over when it starts the program.
 */
import * as V8 from "node:v8"
import * as Shutdown from "@paylinks/runtime/Shutdown"

// Between full collections V8 lets the old generation grow to up to four times what was live after the last one.
// Under a steady write load most of that growth is garbage promoted while requests waited for their group commit,
// and the server's peak RSS came to ~270 MiB over a live heap of ~60. Growing by at most 30% of the live size keeps
// the peak under 200 MiB for more frequent, short, full collections, at a few per cent of throughput (BENCHMARKS.md).
// V8 reads the factor each time it sizes the heap, so setting it here, before the server allocates, is enough.
V8.setFlagsFromString("--heap-growing-percent=30")

const release = Shutdown.holdSignals(() => Shutdown.writeStopped())
// What `ps` shows (and /proc/<pid>/comm): from here on the process stops cleanly on a signal.
process.title = "paylinks-server"
const { serve } = await import("./serve.js")
serve(release)
