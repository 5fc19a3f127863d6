/**
 * "Acknowledged means durable" on SQLite: a child process creates links and reports each one as
 * soon as its create returned; it is killed with SIGKILL mid-stream; every link it reported is then
 * found, whole, by a fresh process-level open of the file.
 */
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type { PaymentLinkId } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as SqliteStorage from "../src/SqliteStorage.js"
import { tempDatabase } from "./helpers.js"

const KEY_ID = "rzp_test_durable0001"
const SECRET = "durable-secret-0123456789abcdef"
/** How many acknowledged links to wait for before the kill. */
const ACKNOWLEDGED = 300

interface Acknowledged {
  readonly id: string
  readonly amount: number
  readonly receipt: string
}

/** Runs the writer fixture and SIGKILLs it once it has acknowledged `count` links; resolves to every line it printed. */
const runAndKill = (filename: string, count: number) =>
  new Promise<{ readonly acknowledged: ReadonlyArray<Acknowledged>; readonly signal: string | null }>(
    (resolve, reject) => {
      const child = ChildProcess.spawn(
        process.execPath,
        [Path.join(import.meta.dirname, "fixtures", "durable-writer.mjs"), filename, KEY_ID, SECRET],
        { stdio: ["ignore", "pipe", "inherit"] }
      )
      const acknowledged: Array<Acknowledged> = []
      Readline.createInterface({ input: child.stdout }).on("line", (line) => {
        const [id, amount, receipt] = line.split(" ")
        acknowledged.push({ id: id!, amount: Number(amount), receipt: receipt! })
        if (acknowledged.length === count) child.kill("SIGKILL")
      })
      child.once("error", reject)
      // Lines already written to the pipe before the kill are still read: wait for the stream to end.
      child.stdout.once("end", () => {
        child.once("exit", (_code, signal) => resolve({ acknowledged, signal }))
        if (child.exitCode !== null || child.signalCode !== null) resolve({ acknowledged, signal: child.signalCode })
      })
    }
  )

const open = (filename: string) => SqliteStorage.layer({ filename }).pipe(Layer.provide(IdGenerator.layerCrypto))

describe("durability on SQLite", () => {
  it.live("every link acknowledged before a SIGKILL is present and intact after reopening", () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      const principal = yield* Effect.gen(function* () {
        const merchants = yield* Merchants
        yield* merchants.seedKey(KEY_ID, SECRET, "Durable")
        return yield* merchants.authenticate(KEY_ID, SECRET)
      }).pipe(Effect.provide(open(filename)))

      const { acknowledged, signal } = yield* Effect.promise(() => runAndKill(filename, ACKNOWLEDGED))
      expect(signal).toBe("SIGKILL")
      expect(acknowledged.length).toBeGreaterThanOrEqual(ACKNOWLEDGED)

      yield* Effect.gen(function* () {
        const repository = yield* PaymentLinkRepository
        for (const ack of acknowledged) {
          const found = yield* repository.findById(principal.tenant, ack.id as PaymentLinkId)
          expect(Option.isSome(found)).toBe(true)
          const link = Option.getOrThrow(found)
          expect([link.amount, link.receipt, link.status, link.version]).toEqual([ack.amount, ack.receipt, "issued", 1])
          const events = yield* repository.eventsOf(principal.tenant, link.id)
          expect(events.map((stored) => stored.event._tag)).toEqual(["LinkIssued"])
          expect(events[0]!.event.link).toEqual(link)
        }
      }).pipe(Effect.provide(open(filename)))
    })
  )
})
