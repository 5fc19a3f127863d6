/**
 * The soak: the crash-recovery scenario (`crashScenario.ts`) for as long as asked, with the
 * dispatcher inside the server this time (so it is killed too, and its claims are taken over once
 * their lease runs out), then the same checks. It runs only with `PAYLINKS_SOAK=1`:
 *
 *   PAYLINKS_SOAK=1 PAYLINKS_SOAK_MINUTES=30 npx -y pnpm@10.34.8 --filter @paylinks/reliability soak
 *
 * `PAYLINKS_SOAK_MINUTES` (default 10) is the time under load; a kill comes every 5 to 30 seconds.
 * With `PAYLINKS_SOAK=1`, the fuzzers (`PAYLINKS_FUZZ_RUNS`, default 300) and the CSV fuzzer
 * (`PAYLINKS_CSV_FILES`, default 4) can be turned up the same way, in their own runs.
 */
import { describe, it } from "@effect/vitest"
import * as CrashScenario from "./crashScenario.js"

const soak = process.env.PAYLINKS_SOAK === "1"
const minutes = Number(process.env.PAYLINKS_SOAK_MINUTES ?? 10)
const UP_MILLIS: readonly [number, number] = [5_000, 30_000]

describe.skipIf(!soak)("soak: SIGKILL under mixed load for minutes, dispatcher in the server", () => {
  it(
    `runs ${minutes} minutes and loses nothing`,
    () =>
      CrashScenario.run({
        cycles: Math.max(1, Math.round((minutes * 60_000) / ((UP_MILLIS[0] + UP_MILLIS[1]) / 2))),
        upMillis: UP_MILLIS,
        dispatcher: "in-server",
        // A killed server's claims wait for their lease (60 s) to run out before another dispatcher takes them.
        deliveryWaitMillis: 180_000
      }),
    (minutes * 60 + 600) * 1000
  )
})
