/**
 * Why a storage layer could not start, or why the database cannot be reached. Each carries the
 * message an operator reads at startup; none of them ever contains a password or a key.
 */
import * as Data from "effect/Data"

/** The database could not be opened or reached (`/readyz` reports this too). */
export class StorageUnavailable extends Data.TaggedError("StorageUnavailable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** `PAYLINKS_DATABASE` names no storage paylinks has. */
export class InvalidDatabaseUrl extends Data.TaggedError("InvalidDatabaseUrl")<{ readonly message: string }> {}

/** The database was migrated by a newer paylinks: this one must not touch it. */
export class SchemaTooNew extends Data.TaggedError("SchemaTooNew")<{
  readonly databaseVersion: number
  readonly supportedVersion: number
}> {
  override get message(): string {
    return (
      `The database schema is at version ${this.databaseVersion}, but this paylinks only knows versions up to ` +
      `${this.supportedVersion}: it was migrated by a newer paylinks. Upgrade paylinks (or restore a backup) to use it.`
    )
  }
}

/** The master key that encrypts API key secrets is missing, malformed, or not the database's. */
export class MasterKeyError extends Data.TaggedError("MasterKeyError")<{ readonly message: string }> {}

/** Everything that can stop a storage layer from starting. */
export type StorageStartupError = StorageUnavailable | InvalidDatabaseUrl | SchemaTooNew | MasterKeyError
