/**
 * Races on the same links through the core use-cases, over separate connections (and, on SQLite,
 * separate processes): exactly one winner per race, the loser gets the ordinary domain error,
 * `amount_paid` never passes `amount`, and each successful transition has exactly one outbox event.
 */
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Merchants } from "@paylinks/core/Merchants"
import type { PaymentLink } from "@paylinks/core/PaymentLink"
import { PaymentLinkRepository } from "@paylinks/core/PaymentLinkRepository"
import * as PaymentLinks from "@paylinks/core/PaymentLinks"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as PgStorage from "../src/PgStorage.js"
import * as SqliteStorage from "../src/SqliteStorage.js"
import type * as SqlStorage from "../src/SqlStorage.js"
import type { StorageStartupError } from "../src/StorageError.js"
import { freshSchemaUrl, requirePg, TEST_MASTER_KEY, tempDatabase } from "./helpers.js"

const RACES = 50
const KEY_ID = "rzp_test_raceKey001"
const SECRET = "race-secret-0123456789abcdef"

type StorageLayer = Layer.Layer<SqlStorage.Services, StorageStartupError, IdGenerator.IdGenerator>

interface Outcome {
  readonly id: string
  readonly ok: boolean
  readonly message?: string
}

/** One independent stack (its own connection or pool) on the shared database. */
const instance = (storage: StorageLayer) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      PaymentLinks.layer.pipe(
        Layer.provideMerge(storage),
        Layer.provideMerge(PaymentLinks.linkSettings("http://localhost")),
        Layer.provideMerge(IdGenerator.layerCrypto)
      )
    ).pipe(Effect.orDie)
    const merchants = Context.get(context, Merchants)
    yield* merchants.seedKey(KEY_ID, SECRET, "Racer")
    return {
      links: Context.get(context, PaymentLinks.PaymentLinks),
      repository: Context.get(context, PaymentLinkRepository),
      principal: yield* Effect.orDie(merchants.authenticate(KEY_ID, SECRET))
    }
  })

type Instance = Effect.Effect.Success<ReturnType<typeof instance>>

const attempt = (id: string, run: Effect.Effect<PaymentLink, { readonly message: string }>) =>
  Effect.match(run, {
    onSuccess: (): Outcome => ({ id, ok: true }),
    onFailure: (error): Outcome => ({ id, ok: false, message: error.message })
  })

const createLinks = (side: Instance, input: Record<string, unknown>) =>
  Effect.all(
    Array.from({ length: RACES }, () => side.links.create(side.principal, { type: "link", ...input })),
    { concurrency: 10 }
  ).pipe(Effect.orDie)

/**
 * Runs every race at once: `left` and `right` on each link, the one or the other started first on
 * alternate links, so that neither side is favoured by the order the fibers start in.
 */
const race = (
  links: ReadonlyArray<PaymentLink>,
  left: (id: string, i: number) => Effect.Effect<Outcome>,
  right: (id: string, i: number) => Effect.Effect<Outcome>
) =>
  Effect.map(
    Effect.all(
      links.flatMap((link, i) =>
        i % 2 === 0 ? [left(link.id, i), right(link.id, i)] : [right(link.id, i), left(link.id, i)]
      ),
      { concurrency: "unbounded" }
    ),
    (outcomes) => ({
      left: links.map((_, i) => outcomes[2 * i + (i % 2)]!),
      right: links.map((_, i) => outcomes[2 * i + 1 - (i % 2)]!)
    })
  )

interface Expectation {
  /** The status, amount paid and last event of a link after `winner` won. */
  readonly after: (winner: "left" | "right") => {
    readonly status: string
    readonly amountPaid: number
    readonly event: string
    readonly loserMessage: string
  }
}

/** Exactly one winner per link; the stored link and its events agree with the winner. */
const verify = (
  side: Instance,
  links: ReadonlyArray<PaymentLink>,
  outcomes: { readonly left: ReadonlyArray<Outcome>; readonly right: ReadonlyArray<Outcome> },
  expectation: Expectation
) =>
  Effect.gen(function* () {
    let leftWins = 0
    let rightWins = 0
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!
      const left = outcomes.left[i]!
      const right = outcomes.right[i]!
      expect([left.id, right.id]).toEqual([link.id, link.id])
      expect(left.ok !== right.ok).toBe(true)
      const winner = left.ok ? "left" : "right"
      if (left.ok) leftWins++
      else rightWins++
      const expected = expectation.after(winner)
      expect((left.ok ? right : left).message).toBe(expected.loserMessage)
      const stored = yield* side.links.get(side.principal.tenant, link.id).pipe(Effect.orDie)
      expect(stored.status).toBe(expected.status)
      expect(stored.amountPaid).toBe(expected.amountPaid)
      expect(stored.amountPaid).toBeLessThanOrEqual(stored.amount)
      expect(stored.version).toBe(2)
      const events = yield* side.repository.eventsOf(side.principal.tenant, link.id)
      expect(events.map((stored) => stored.event._tag)).toEqual(["LinkIssued", expected.event])
    }
    return { leftWins, rightWins }
  })

const cancelVsPay: Expectation = {
  after: (winner) =>
    winner === "left"
      ? {
          status: "cancelled",
          amountPaid: 0,
          event: "LinkCancelled",
          loserMessage: "Operation not allowed for Invoice in cancelled status."
        }
      : {
          status: "paid",
          amountPaid: 1000,
          event: "LinkPaid",
          loserMessage: "Operation not allowed for Invoice in paid status."
        }
}

const payVsPay: Expectation = {
  after: () => ({
    status: "paid",
    amountPaid: 1000,
    event: "LinkPaid",
    loserMessage: "Operation not allowed for Invoice in paid status."
  })
}

const partialVsPartial: Expectation = {
  after: () => ({
    status: "partially_paid",
    amountPaid: 600,
    event: "LinkPartiallyPaid",
    loserMessage: "Payment amount exceeds the amount due."
  })
}

const raceSuite = (
  name: string,
  target: Effect.Effect<string, never, Scope.Scope>,
  storage: (target: string) => StorageLayer
) =>
  describe(`races on ${name} over separate connections`, () => {
    const two = Effect.gen(function* () {
      const at = yield* target
      const a = yield* instance(storage(at))
      const b = yield* instance(storage(at))
      // Each side of a race runs on the one connection on even links and on the other on odd ones,
      // so both connections carry both operations.
      const stack = (i: number, side: 0 | 1) => ((i + side) % 2 === 0 ? a : b)
      return { a, b, stack }
    })

    it.live(`${RACES} cancel-vs-pay races: one winner each`, () =>
      Effect.gen(function* () {
        const { a, stack } = yield* two
        const links = yield* createLinks(a, { amount: 1000 })
        const outcomes = yield* race(
          links,
          (id, i) => attempt(id, stack(i, 0).links.cancel(a.principal.tenant, id)),
          (id, i) => attempt(id, stack(i, 1).links.pay(a.principal.tenant, id, {}))
        )
        const wins = yield* verify(a, links, outcomes, cancelVsPay)
        expect(wins.leftWins + wins.rightWins).toBe(RACES)
      }).pipe(Effect.scoped)
    )

    it.live(`${RACES} pay-vs-pay races in full: one payment each`, () =>
      Effect.gen(function* () {
        const { a, b, stack } = yield* two
        const links = yield* createLinks(a, { amount: 1000 })
        const outcomes = yield* race(
          links,
          (id, i) => attempt(id, stack(i, 0).links.pay(a.principal.tenant, id, {})),
          (id, i) => attempt(id, stack(i, 1).links.pay(a.principal.tenant, id, {}))
        )
        yield* verify(b, links, outcomes, payVsPay)
        for (const link of links) {
          const stored = yield* a.links.get(a.principal.tenant, link.id).pipe(Effect.orDie)
          expect(stored.payments).toHaveLength(1)
        }
      }).pipe(Effect.scoped)
    )

    it.live(`${RACES} partial-payment races that would overpay together: amount_paid never passes amount`, () =>
      Effect.gen(function* () {
        const { a, b, stack } = yield* two
        const links = yield* createLinks(b, { amount: 1000, partial_payment: true })
        const outcomes = yield* race(
          links,
          (id, i) => attempt(id, stack(i, 0).links.pay(a.principal.tenant, id, { amount: 600 })),
          (id, i) => attempt(id, stack(i, 1).links.pay(a.principal.tenant, id, { amount: 600 }))
        )
        yield* verify(a, links, outcomes, partialVsPartial)
      }).pipe(Effect.scoped)
    )
  })

raceSuite("SQLite", Effect.sync(tempDatabase), (filename) => SqliteStorage.layer({ filename }))

if (requirePg("test/Concurrency.test.ts"))
  raceSuite("PostgreSQL", freshSchemaUrl, (url) =>
    PgStorage.layer({ url, masterKey: TEST_MASTER_KEY, maxConnections: 5 })
  )

/** Starts the race fixture on `filename`; resolves once it has opened the database and read its links. */
const startChild = (filename: string, operation: "cancel" | "pay", ids: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.async<{ readonly go: () => void; readonly outcomes: Promise<ReadonlyArray<Outcome>> }>((resume) => {
      const child = ChildProcess.spawn(
        process.execPath,
        [Path.join(import.meta.dirname, "fixtures", "race-child.mjs"), filename, KEY_ID, SECRET, operation],
        { stdio: ["pipe", "pipe", "inherit"] }
      )
      const outcomes: Array<Outcome> = []
      const finished = new Promise<ReadonlyArray<Outcome>>((resolve, reject) => {
        child.once("exit", (code) =>
          code === 0 ? resolve(outcomes) : reject(new Error(`race child exited with ${code}`))
        )
      })
      Readline.createInterface({ input: child.stdout }).on("line", (line) => {
        if (line === "ready") resume(Effect.succeed({ go: () => child.stdin.write("go\n"), outcomes: finished }))
        else outcomes.push(JSON.parse(line))
      })
      child.stdin.write(`${JSON.stringify(ids)}\n`)
      return Effect.sync(() => child.kill("SIGKILL"))
    }),
    ({ outcomes }) => Effect.promise(() => outcomes.catch(() => []))
  )

describe("races on SQLite across two processes on one file", () => {
  it.live(`${RACES} cancel-vs-pay races between this process and a child: one winner each`, () =>
    Effect.gen(function* () {
      const filename = tempDatabase()
      const parent = yield* instance(SqliteStorage.layer({ filename }))
      const links = yield* createLinks(parent, { amount: 1000 })
      const child = yield* startChild(
        filename,
        "pay",
        links.map((link) => link.id)
      )
      child.go()
      const cancels = yield* Effect.all(
        links.map((link) => attempt(link.id, parent.links.cancel(parent.principal.tenant, link.id))),
        { concurrency: "unbounded" }
      )
      const pays = yield* Effect.promise(() => child.outcomes)
      const byId = new Map(pays.map((outcome) => [outcome.id, outcome]))
      const wins = yield* verify(
        parent,
        links,
        { left: cancels, right: links.map((link) => byId.get(link.id)!) },
        cancelVsPay
      )
      expect(wins.leftWins + wins.rightWins).toBe(RACES)
    }).pipe(Effect.scoped)
  )
})
