/**
 * Where a command runs: on the database directly (local mode, the default) or on a server through
 * the typed client (remote mode, when `--server` or `PAYLINKS_SERVER` is given). Every flag falls
 * back to the `PAYLINKS_*` variable the server reads, so one environment configures both.
 */
import * as Options from "@effect/cli/Options"
import { DEFAULT_DATABASE, DEFAULT_HOST, DEFAULT_PORT, localUrl } from "@paylinks/server/ServerConfig"
import type * as SqlStorage from "@paylinks/sql/SqlStorage"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type EnvironmentError, type Refused, UsageError } from "./CliError.js"
import type { TypeOf } from "./Flags.js"
import type { LinksGateway } from "./LinksGateway.js"

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

/**
 * Every storage port on the configured database (migrated on open), or why it cannot be used. The
 * storage modules are loaded only by the commands that open a database, which keeps the others quick
 * to start.
 */
export const storage = (options: Local): Layer.Layer<SqlStorage.Services, EnvironmentError> =>
  Layer.unwrapEffect(
    Effect.map(
      Effect.promise(() => import("./LocalStorage.js")),
      (module) => module.storage(options)
    )
  )

/** The gateway the connection options describe; each mode's modules are loaded only when used. */
export const gateway = (options: Connection): Layer.Layer<LinksGateway, EnvironmentError | Refused | UsageError> =>
  Option.match(options.server, {
    onNone: () =>
      Layer.unwrapEffect(
        Effect.map(
          Effect.promise(() => import("./LocalGateway.js")),
          (module) => module.layerFor(options)
        )
      ),
    onSome: (url) => {
      if (Option.isNone(options.keyId) || Option.isNone(options.keySecret))
        return Layer.fail(
          new UsageError({
            message:
              "With --server, give the key pair too: --key-id and --key-secret (or PAYLINKS_KEY_ID, PAYLINKS_KEY_SECRET)."
          })
        )
      const credentials = { server: url, keyId: options.keyId.value, keySecret: options.keySecret.value }
      return Layer.unwrapEffect(
        Effect.map(
          Effect.promise(() => import("./RemoteGateway.js")),
          (module) => module.layerFor(credentials)
        )
      )
    }
  })

/** Admin commands work on the database; through a server they cannot. */
export const requireLocal = (command: string, options: { readonly server: Option.Option<string> }) =>
  Option.isSome(options.server)
    ? Effect.fail(
        new UsageError({
          message: `paylinks ${command} needs direct database access (--database or PAYLINKS_DATABASE); it cannot run through --server.`
        })
      )
    : Effect.void
