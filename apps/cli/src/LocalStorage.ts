/**
 * The database of local mode and of the admin commands: every storage port on the URL the options
 * name, migrated on open (runtime's `Database`, as the server opens it).
 */
import * as Database from "@paylinks/runtime/Database"
import { SchemaStatus } from "@paylinks/sql/SchemaStatus"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { EnvironmentError } from "./CliError.js"
import type { Local } from "./ConnectionOptions.js"

export const storage = (options: Local) =>
  Database.layer(options.database, { masterKey: Option.getOrUndefined(options.masterKey) }).pipe(
    Layer.mapError((error) => new EnvironmentError({ message: error.message }))
  )

/** The schema versions applied to the open database (opening it has migrated it). */
export const schemaStatus = Effect.flatMap(SchemaStatus, (schema) => schema.read)
