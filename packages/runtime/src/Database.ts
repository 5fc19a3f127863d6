/**
 * The database every app opens: the storage the URL names (`sqlite:<file>` or `postgres://…`), migrated on
 * open, with the ids its ports draw. Only the ports come out: what they run on stays inside the storage.
 */
import * as IdGenerator from "@paylinks/core/IdGenerator"
import type * as MasterKey from "@paylinks/sql/MasterKey"
import type * as SqlStorage from "@paylinks/sql/SqlStorage"
import * as Storage from "@paylinks/sql/Storage"
import type { StorageStartupError } from "@paylinks/sql/StorageError"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"

export interface Options {
  /** Base64 of 32 bytes (`PAYLINKS_MASTER_KEY`); required for PostgreSQL, SQLite keeps one beside the file. */
  readonly masterKey?: MasterKey.MasterKeyInput | undefined
}

/** Every storage port on the database at `url`, and the id generator they draw from. */
export const layer = (
  url: string | Redacted.Redacted<string>,
  options: Options = {}
): Layer.Layer<SqlStorage.Services | IdGenerator.IdGenerator, StorageStartupError> =>
  Storage.layerFromUrl(url, { masterKey: options.masterKey }).pipe(Layer.provideMerge(IdGenerator.layerCrypto))
