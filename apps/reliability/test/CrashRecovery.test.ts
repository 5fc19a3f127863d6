/**
 * The built server on one SQLite file, under mixed load from four merchants (three in test mode,
 * one also in live mode), killed with SIGKILL and started again five times, while the standalone
 * webhook dispatcher (`paylinks-dispatcher`) delivers from the same file to a receiver on loopback.
 * Afterwards, read straight from the file: every acknowledged write is there, every link keeps its
 * invariants with exactly one outbox event per transition, no answer ever showed another tenant's
 * link, the file passes `PRAGMA integrity_check`, every webhook-worthy event reached its endpoint at
 * least once (correctly signed), and no secret appeared in any process's output.
 *
 * The dispatcher runs as its own process here (`PAYLINKS_DISPATCHER=off` in the server, a
 * deployment `packages/webhooks` documents): a dispatcher inside a SIGKILLed server would hold the
 * entries it had claimed for its lease (60 s) before another one takes them over — correct, but
 * longer than this suite may take.
 */
import { describe, it } from "@effect/vitest"
import * as CrashScenario from "./crashScenario.js"

describe("SIGKILL under mixed load (SQLite)", () => {
  it("loses no acknowledged write, keeps every invariant, and delivers every webhook", () =>
    CrashScenario.run({ cycles: 5, upMillis: [1200, 2500], dispatcher: "standalone", deliveryWaitMillis: 60_000 }))
})
