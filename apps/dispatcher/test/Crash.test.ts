/**
 * A crash between commit and delivery, for real: the standalone dispatcher (`paylinks-dispatcher`, the
 * built bin) runs as a child process on a SQLite file, is SIGKILLed while its attempt is in flight,
 * and the event is still delivered afterwards — by the next dispatcher, once the dead one's lease ends.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import { WebhookDeliveries } from "@paylinks/core/WebhookDeliveries"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Dispatcher } from "@paylinks/webhooks/Dispatcher"
import { WebhookRegistry } from "@paylinks/webhooks/WebhookRegistry"
import { eventually, merchant, receiver, stack, tempDatabase } from "./helpers.js"

const BIN = Path.join(import.meta.dirname, "..", "dist", "bin.js")
const database = tempDatabase()

describe("SIGKILL between commit and delivery", () => {
  it.scoped("the standalone dispatcher is killed mid-attempt; after its lease the event is delivered", () =>
    Effect.gen(function* () {
      if (!Fs.existsSync(BIN)) throw new Error(`${BIN} is missing: build the app first (turbo runs build before test)`)
      // The child runs on real time; so does this test's clock here.
      const startedAt = Date.now()
      yield* TestClock.setTime(startedAt)
      const hooks = yield* receiver(() => "hang")
      const principal = yield* merchant
      const links = yield* PaymentLinks
      yield* (yield* WebhookRegistry).add(principal.tenant, { url: hooks.url, secret: "s" })
      const link = yield* links.create(principal, { type: "link", amount: 1000 })
      yield* links.pay(principal.tenant, link.id, {})

      const output: Array<string> = []
      const child = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const spawned = ChildProcess.spawn(process.execPath, [BIN], {
            env: {
              ...process.env,
              PAYLINKS_DATABASE: `sqlite:${database}`,
              PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "20",
              PAYLINKS_DISPATCHER_WORKER_ID: "child"
            },
            stdio: ["ignore", "pipe", "pipe"]
          })
          spawned.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()))
          spawned.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()))
          return spawned
        }),
        (spawned) => Effect.sync(() => spawned.exitCode === null && spawned.kill("SIGKILL"))
      )
      // The child relayed the event and its attempt is being held by the receiver: kill it there.
      yield* eventually(() => hooks.received.length === 1 || child.exitCode !== null)
      expect(child.exitCode, output.join("")).toBeNull()
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once("exit", (_code, signal) => resolve(signal))
      )
      child.kill("SIGKILL")
      expect(yield* Effect.promise(() => exited)).toBe("SIGKILL")

      hooks.answer = () => 200
      const deliveries = yield* WebhookDeliveries
      const [held] = yield* deliveries.list(principal.tenant, {})
      expect(held).toMatchObject({ status: "pending", attempts: 0, event: "invoice.paid" })
      // The dead dispatcher's lease still holds it: not sent again yet.
      expect((yield* (yield* Dispatcher).runOnce).attempted).toBe(0)
      // Once the lease (60 s) has run out, the next dispatcher delivers it.
      yield* TestClock.setTime(Date.now() + 61_000)
      expect(yield* (yield* Dispatcher).runOnce).toMatchObject({ attempted: 1, delivered: 1 })
      expect(hooks.received.map((request) => request.eventId)).toEqual([held!.eventId, held!.eventId])
      const [delivered] = yield* deliveries.list(principal.tenant, {})
      expect(delivered).toMatchObject({ status: "succeeded", attempts: 1 })
    }).pipe(Effect.provide(stack(database)))
  )
})
