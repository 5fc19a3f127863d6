/**
 * The write path. Every write of the storage ports goes through `Writer.write`, which runs it in a
 * transaction and answers only once that transaction is committed.
 *
 * `groupCommit` (SQLite) is one writer fiber draining a queue: the writes that arrive while a commit
 * is being made are run together in the next transaction, each inside its own savepoint so that one
 * write's failure (a lost compare-and-set) rolls back that write only, and each caller is answered
 * after the single commit — one fsync for the whole batch, and still "acknowledged means durable".
 * A batch of bookkeeping only (`durable: false`, see `WriteOptions`) commits without the fsync.
 * `direct` (PostgreSQL) gives each write its own transaction on a pooled connection.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { backoffMillis, isBusy, sleepMillis } from "./internal/busy.js"
import { type StatementRunnerShape, viaClient } from "./StatementRunner.js"

export interface WriterStats {
  /** Transactions committed or rolled back. */
  readonly transactions: number
  /** Writes run, whatever their outcome. */
  readonly writes: number
}

export interface WriteOptions {
  /**
   * Default true: the write reports success only once its commit is on disk (a 200 means durable). false is for
   * bookkeeping that at-least-once delivery redoes if it is lost (the dispatcher's claims, completions, inbox
   * messages): committed, but without waiting for the disk when no durable write shares its transaction. It
   * becomes durable with the next durable commit, and only ever the latest such writes can be lost to a power cut:
   * one that survived implies that every write committed before it did.
   */
  readonly durable?: boolean | undefined
}

/**
 * The options of the dispatcher's bookkeeping writes (outbox claims and completions, webhook deliveries, sandbox
 * messages, notification confirmations): at-least-once delivery redoes them if a power cut loses them.
 */
export const BOOKKEEPING: WriteOptions = { durable: false }

export interface WriterShape {
  /** Runs `effect` in a write transaction; its success is reported only after the commit. */
  readonly write: <A, E>(effect: Effect.Effect<A, E>, options?: WriteOptions) => Effect.Effect<A, E>
  readonly stats: Effect.Effect<WriterStats>
}

export class Writer extends Context.Tag("@paylinks/sql/Writer")<Writer, WriterShape>() {}

const isSqlError = (error: unknown): error is SqlError => error instanceof SqlError

/** Storage faults are defects: the ports speak domain errors only. */
const dieOnSqlError = <A, E>(effect: Effect.Effect<A, E | SqlError>): Effect.Effect<A, E> =>
  Effect.catchIf(effect, isSqlError, (error) => Effect.die(error)) as Effect.Effect<A, E>

/** One transaction per write (every one durable). */
export const direct: Effect.Effect<WriterShape, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  let transactions = 0
  return {
    write: (effect) =>
      Effect.suspend(() => {
        transactions++
        return dieOnSqlError(sql.withTransaction(effect))
      }),
    stats: Effect.sync(() => ({ transactions, writes: transactions }))
  }
})

interface Pending {
  readonly effect: Effect.Effect<unknown, unknown>
  readonly done: Deferred.Deferred<unknown, unknown>
  readonly durable: boolean
}

/** Lets the event loop run once (I/O callbacks included), so writes from requests already received can queue up. */
const yieldToEventLoop = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

export interface GroupCommitOptions {
  /** The most writes one transaction takes. */
  readonly maxBatch?: number | undefined
  /** How statements run on the writer's connection (savepoints); default through the client. */
  readonly runner?: StatementRunnerShape | undefined
  /**
   * How long a batch keeps trying to take the database's write lock while another connection (another
   * process) holds it. The client must open write transactions with `BEGIN IMMEDIATE`, so a busy lock
   * fails the transaction's first statement, before any write ran. Default 5000 ms.
   */
  readonly lockTimeoutMs?: number | undefined
}

/** A single writer fiber batching concurrent writes into one transaction (see the module comment). */
export const groupCommit = (
  options: GroupCommitOptions = {}
): Effect.Effect<WriterShape, never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxBatch = options.maxBatch ?? 256
    const lockTimeoutMs = options.lockTimeoutMs ?? 5000
    const runner = options.runner ?? viaClient
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Pending>(), Queue.shutdown)
    let transactions = 0
    let writes = 0
    /** Set when the writer stops: later writes are refused instead of waiting forever. */
    let closed = false

    // SQLite's safety level can only change between transactions. Every write goes through this writer, whose
    // batches run one at a time, so no other commit happens while a batch of bookkeeping runs at NORMAL (in WAL
    // mode: no fsync at commit; the next FULL commit syncs the log, and with it everything committed before).
    const relaxed = <A, E, R>(transaction: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        runner.rows(sql`PRAGMA synchronous = NORMAL`),
        () => transaction,
        // Left at NORMAL, every later commit would be acknowledged before it is durable: a fault, loudly.
        () => Effect.orDie(runner.rows(sql`PRAGMA synchronous = FULL`))
      )
    const savepoint = runner.rows(sql`SAVEPOINT paylinks_write`)
    const release = runner.rows(sql`RELEASE paylinks_write`)
    const rollbackTo = runner.rows(sql`ROLLBACK TO paylinks_write`)

    /**
     * One write of a batch in its own savepoint: rolled back alone when it fails, released when it succeeds (a
     * savepoint left open keeps journalling every page the rest of the batch changes). A savepoint that cannot be
     * rolled back or released fails the whole batch.
     */
    const isolated = (effect: Effect.Effect<unknown, unknown>) =>
      Effect.flatMap(Effect.exit(Effect.zipRight(savepoint, effect)), (exit) =>
        Effect.as(Exit.isSuccess(exit) ? release : Effect.zipRight(rollbackTo, release), exit)
      )

    /**
     * One transaction for the batch. A single write runs directly in it; several each get a savepoint.
     * When the write lock is busy, `BEGIN IMMEDIATE` fails before anything ran, and the whole batch is
     * tried again after a pause, until the lock timeout.
     */
    const transact = (batch: ReadonlyArray<Pending>) =>
      Effect.gen(function* () {
        const deadline = Date.now() + lockTimeoutMs
        const durable = batch.some((pending) => pending.durable)
        for (let attempt = 0; ; attempt++) {
          let began = false
          const body =
            batch.length === 1 ? batch[0]!.effect : Effect.forEach(batch, (pending) => isolated(pending.effect))
          const transaction = sql.withTransaction(
            Effect.suspend(() => {
              began = true
              return body
            })
          )
          const outcome = yield* Effect.exit(durable ? transaction : relaxed(transaction))
          if (!began && Exit.isFailure(outcome) && Date.now() < deadline) {
            const failure = outcome.cause._tag === "Fail" ? outcome.cause.error : undefined
            if (isBusy(failure)) {
              yield* sleepMillis(backoffMillis(attempt))
              continue
            }
          }
          return outcome
        }
      })

    const runBatch = (batch: ReadonlyArray<Pending>) =>
      Effect.gen(function* () {
        transactions++
        writes += batch.length
        const outcome = yield* transact(batch)
        if (batch.length === 1) {
          yield* Deferred.done(batch[0]!.done, outcome)
          return
        }
        if (Exit.isSuccess(outcome)) {
          const exits = outcome.value as ReadonlyArray<Exit.Exit<unknown, unknown>>
          for (let i = 0; i < batch.length; i++) yield* Deferred.done(batch[i]!.done, exits[i]!)
        } else {
          // The transaction as a whole failed (e.g. its commit): nothing of it is durable, so nobody succeeded.
          for (const pending of batch) yield* Deferred.done(pending.done, outcome)
        }
      })

    // Once writes are taken off the queue they are seen through: closing the layer waits for the
    // batch in flight (its callers get their answer), and only writes still queued are interrupted.
    const next = Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(Queue.take(queue)), (first) =>
        Effect.gen(function* () {
          yield* yieldToEventLoop
          const rest = yield* Queue.takeUpTo(queue, maxBatch - 1)
          yield* runBatch([first, ...rest])
        })
      )
    )

    yield* Effect.forever(next).pipe(
      Effect.onInterrupt(() =>
        Effect.suspend(() => {
          closed = true
          return Effect.flatMap(Queue.takeAll(queue), (left) =>
            Effect.forEach(left, (pending) => Deferred.interrupt(pending.done))
          )
        })
      ),
      Effect.forkScoped
    )

    const enqueue = <A, E>(effect: Effect.Effect<A, E>, durable: boolean): Effect.Effect<A, E> =>
      Effect.flatMap(Deferred.make<A, E | SqlError>(), (done) =>
        Effect.zipRight(
          Effect.suspend(() =>
            closed ? Effect.interrupt : Queue.offer(queue, { effect, done, durable } as unknown as Pending)
          ),
          dieOnSqlError(Deferred.await(done))
        )
      )

    return {
      // A write issued from inside a transaction (the writer's own) joins it as a savepoint instead of
      // queueing behind itself.
      write: (effect, options) =>
        Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (inTransaction) =>
          Option.isSome(inTransaction)
            ? dieOnSqlError(sql.withTransaction(effect))
            : enqueue(effect, options?.durable !== false)
        ),
      stats: Effect.sync(() => ({ transactions, writes }))
    }
  })
