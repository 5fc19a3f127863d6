/**
 * Where a command runs: on the database directly (local mode, the default) or on a server through
 * the typed client (remote mode, when `--server` or `PAYLINKS_SERVER` is given).
 */
import type * as SqlStorage from "@paylinks/sql/SqlStorage"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type EnvironmentError, type Refused, UsageError } from "./CliError.js"
import type { Connection, Local } from "./ConnectionOptions.js"
import type { LinksGateway } from "./LinksGateway.js"

export { type Connection, connection, type Local, local } from "./ConnectionOptions.js"

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
