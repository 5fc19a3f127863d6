/**
 * The database of local mode and of the admin commands: every storage port on the URL the options
 * name, migrated on open.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import * as Migrations from "@paylinks/sql/Migrations"
import * as Storage from "@paylinks/sql/Storage"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { EnvironmentError } from "./CliError.js"
import type { Local } from "./Connection.js"

export const storage = (options: Local) =>
  Storage.layerFromUrl(options.database, { masterKey: Option.getOrUndefined(options.masterKey) }).pipe(
    Layer.provide(IdGenerator.layerCrypto),
    Layer.mapError((error) => new EnvironmentError({ message: error.message }))
  )

/** The schema versions applied to the open database (opening it has migrated it). */
export const schemaStatus = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql
    .unsafe<{ readonly version: unknown; readonly name: unknown; readonly applied_at: unknown }>(
      `SELECT version, name, applied_at FROM ${Migrations.TABLE} WHERE version > 0 ORDER BY version`
    )
    .pipe(Effect.orDie)
  const applied = rows.map((row) => ({
    version: Number(row.version),
    name: String(row.name),
    applied_at: Number(row.applied_at)
  }))
  return { applied, current: applied[applied.length - 1]?.version ?? 0, latest: Migrations.LATEST_VERSION }
})
