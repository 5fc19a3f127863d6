/**
 * The flags that say where a command runs and as whom: the database of local mode, or the server and key
 * pair of remote mode. Every flag falls back to the `PAYLINKS_*` variable the server reads, so one
 * environment configures both. A module of its own so that each mode's modules can read these types
 * without importing the module that loads them.
 */
import * as Options from "@effect/cli/Options"
import { DEFAULT_DATABASE, DEFAULT_HOST, DEFAULT_PORT, localUrl } from "@paylinks/runtime/ServerSettings"
import * as Config from "effect/Config"
import type { TypeOf } from "./Flags.js"

const fromEnv = <A>(config: Config.Config<A>) => Options.withFallbackConfig(config)

export const database = Options.text("database").pipe(
  Options.withDescription(
    `The database: sqlite:<file> or postgres://… (PAYLINKS_DATABASE; default ${DEFAULT_DATABASE}).`
  ),
  fromEnv(Config.string("PAYLINKS_DATABASE")),
  Options.withDefault(DEFAULT_DATABASE)
)

export const masterKey = Options.redacted("master-key").pipe(
  Options.withDescription(
    "Base64 of 32 bytes encrypting key secrets at rest (PAYLINKS_MASTER_KEY); SQLite keeps one beside the file."
  ),
  fromEnv(Config.redacted("PAYLINKS_MASTER_KEY")),
  Options.optional
)

const publicUrl = Options.text("public-url").pipe(
  Options.withDescription(
    `Base URL of new links' short_url in local mode (PAYLINKS_PUBLIC_URL; default ${localUrl(DEFAULT_HOST, DEFAULT_PORT)}).`
  ),
  fromEnv(Config.string("PAYLINKS_PUBLIC_URL")),
  Options.optional
)

const server = Options.text("server").pipe(
  Options.withDescription("Work through the paylinks server at this URL instead of the database (PAYLINKS_SERVER)."),
  fromEnv(Config.string("PAYLINKS_SERVER")),
  Options.optional
)

const keyId = Options.text("key-id").pipe(
  Options.withDescription(
    "The API key to act as (PAYLINKS_KEY_ID). Local mode: optional when the database has one merchant."
  ),
  fromEnv(Config.string("PAYLINKS_KEY_ID")),
  Options.optional
)

const keySecret = Options.redacted("key-secret").pipe(
  Options.withDescription("The key's secret (PAYLINKS_KEY_SECRET). Needed with --server; checked when given locally."),
  fromEnv(Config.redacted("PAYLINKS_KEY_SECRET")),
  Options.optional
)

/** The database a local command opens. */
export const local = Options.all({ database, masterKey })
export type Local = TypeOf<typeof local>

/** Everything that picks where, and as whom, a `links` command runs. */
export const connection = Options.all({ database, masterKey, publicUrl, server, keyId, keySecret })
export type Connection = TypeOf<typeof connection>
