/**
 * The SQLite statement runner runs the ports' statements directly on the storage's connection, and must never
 * show what a transaction has not committed: while another fiber's transaction is open, a statement waits for it.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "@effect/vitest"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Tracer from "effect/Tracer"
import { StatementRunner } from "../src/StatementRunner.js"
import { sqliteWithInternals, tempDatabase } from "./helpers.js"

const storage = () => sqliteWithInternals({ filename: tempDatabase() }).pipe(Layer.provide(IdGenerator.layerCrypto))

const probe = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { rows } = yield* StatementRunner
  const found = yield* rows(sql<{ readonly value: string }>`SELECT value FROM storage_meta WHERE name = 'probe'`)
  return found.map((row) => row.value)
})

/** A transaction that writes the probe row, signals, waits for `release`, then commits or fails (rolls back). */
const holdTransaction = (written: Deferred.Deferred<void>, release: Deferred.Deferred<void>, commit: boolean) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`INSERT INTO storage_meta (name, value) VALUES ('probe', 'uncommitted')`
        yield* Deferred.succeed(written, undefined)
        yield* Deferred.await(release)
        if (!commit) return yield* Effect.fail("rolled back" as const)
      })
    )
  })

describe("the SQLite statement runner", () => {
  it.live("never reads another fiber's uncommitted writes: it waits for the transaction to end", () =>
    Effect.gen(function* () {
      for (const commit of [false, true]) {
        yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`DELETE FROM storage_meta WHERE name = 'probe'`
          const written = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          const writer = yield* Effect.fork(Effect.either(holdTransaction(written, release, commit)))
          yield* Deferred.await(written)
          const reader = yield* Effect.fork(probe)
          // The reader is blocked behind the open transaction, however long it stays open.
          yield* Effect.sleep("50 millis")
          expect(reader.unsafePoll()).toBeNull()
          yield* Deferred.succeed(release, undefined)
          expect(Either.isRight(yield* Fiber.join(writer))).toBe(commit)
          expect(yield* Fiber.join(reader)).toEqual(commit ? ["uncommitted"] : [])
        })
      }
    }).pipe(Effect.provide(storage()))
  )

  it.live("inside a transaction, reads what that transaction wrote", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const seen = yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO storage_meta (name, value) VALUES ('probe', 'mine')`
          return yield* probe
        })
      )
      expect(seen).toEqual(["mine"])
    }).pipe(Effect.provide(storage()))
  )

  it.live("fails with the driver's error, as the client would", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { rows } = yield* StatementRunner
      const error = yield* Effect.flip(
        rows(sql`INSERT INTO storage_meta (name, value) VALUES (${"dup"}, 'a'), (${"dup"}, 'b')`)
      )
      expect(error).toBeInstanceOf(SqlError)
      expect((error.cause as { readonly code?: string }).code).toBe("SQLITE_CONSTRAINT_PRIMARYKEY")
      expect(yield* rows(sql`SELECT name FROM storage_meta WHERE name = 'dup'`)).toEqual([])
    }).pipe(Effect.provide(storage()))
  )

  it.live("with a tracer installed, statements go through the client, which makes their spans", () =>
    Effect.gen(function* () {
      const builtIn = yield* Effect.tracer
      const names: Array<string> = []
      const tracer = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          names.push(name)
          return builtIn.span(name, parent, context, links, startTime, kind, options)
        },
        context: (f, fiber) => builtIn.context(f, fiber)
      })
      yield* probe
      expect(names).toEqual([])
      yield* Effect.withTracer(probe, tracer)
      expect(names).toEqual(["sql.execute"])
    }).pipe(Effect.provide(storage()))
  )
})
