/**
 * How the storage ports run their statements. Each statement is written once, as an `@effect/sql` tagged
 * template of the storage's client, and handed to `rows`: on PostgreSQL that runs it through the client; on
 * SQLite (in-process and synchronous) the statement is compiled and run at once on the storage's own connection
 * from a cache of prepared statements, which costs a fraction of the client's way per statement
 * (BENCHMARKS.md#costs-the-design-is-built-around). Either way the statement, its parameters and its rows are the same,
 * so the ports have one implementation.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import type * as Statement from "@effect/sql/Statement"
import * as Traced from "@paylinks/core/Traced"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

export interface StatementRunnerShape {
  /** The statement's rows (none for a statement that returns none). */
  readonly rows: <A extends object>(statement: Statement.Statement<A>) => Effect.Effect<ReadonlyArray<A>, SqlError>
  /**
   * `f` of the statement's rows, a storage fault being a defect: `rows` then `Effect.map(f)` and `Effect.orDie`, in
   * one step on the direct path (the reads every request makes).
   */
  readonly query: <A extends object, B>(
    statement: Statement.Statement<A>,
    f: (rows: ReadonlyArray<A>) => B
  ) => Effect.Effect<B>
}

export class StatementRunner extends Context.Tag("@paylinks/sql/StatementRunner")<
  StatementRunner,
  StatementRunnerShape
>() {}

/** Every statement through its client. */
export const viaClient: StatementRunnerShape = {
  rows: (statement) => statement,
  query: (statement, f) => Effect.orDie(Effect.map(statement, f))
}

/** A connection the runner may use directly. */
export interface DirectConnection {
  /** Whether a transaction is open on it. */
  readonly inTransaction: () => boolean
  /** Runs a compiled statement at once (prepared, cached), throwing the driver's error. */
  readonly run: (text: string, params: ReadonlyArray<unknown>) => ReadonlyArray<unknown>
}

/**
 * Runs statements directly on `connection`, except in two cases, where the client's way is the right one:
 * - another fiber's transaction is open on the connection: a statement run now would see (and join) its
 *   uncommitted writes, so it waits for the connection's lock like any statement of the client;
 * - a tracer is installed: the client makes a span per statement, which the direct path does not.
 * Inside a transaction of its own fiber (the connection's lock is held by that transaction), a statement runs
 * directly, in that transaction.
 */
export const direct = (connection: DirectConnection): StatementRunnerShape => {
  /** The rows now, or undefined when the statement must go through the client (see above). */
  const now = <A>(fiber: Fiber.RuntimeFiber<unknown, unknown>, statement: Statement.Statement<A>) => {
    if (!Traced.isBuiltIn(Context.get(fiber.currentDefaultServices, Tracer.Tracer))) return undefined
    if (
      connection.inTransaction() &&
      Option.isNone(Context.getOption(fiber.currentContext, SqlClient.TransactionConnection))
    )
      return undefined
    const [text, params] = statement.compile()
    return connection.run(text, params) as ReadonlyArray<A>
  }
  const failed = (cause: unknown) => new SqlError({ cause, message: "Failed to execute statement" })
  return {
    rows: <A extends object>(statement: Statement.Statement<A>) =>
      Effect.withFiberRuntime<ReadonlyArray<A>, SqlError>((fiber) => {
        try {
          const rows = now(fiber, statement)
          return rows === undefined ? statement : Effect.succeed(rows)
        } catch (cause) {
          return Effect.fail(failed(cause))
        }
      }),
    query: <A extends object, B>(statement: Statement.Statement<A>, f: (rows: ReadonlyArray<A>) => B) =>
      Effect.withFiberRuntime<B>((fiber) => {
        let rows: ReadonlyArray<A> | undefined
        try {
          rows = now(fiber, statement)
        } catch (cause) {
          return Effect.die(failed(cause))
        }
        return rows === undefined ? Effect.orDie(Effect.map(statement, f)) : Effect.sync(() => f(rows))
      })
  }
}
