/** One statement on the test PostgreSQL server's default database, as its administrator. */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { pgUrl } from "./helpers.js"

export const adminQuery = (statement: string): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const admin = yield* PgClient.make({ url: Redacted.make(pgUrl!), maxConnections: 1 })
      yield* admin.unsafe(statement)
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer))
  )
