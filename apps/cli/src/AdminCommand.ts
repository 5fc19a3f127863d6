/**
 * Commands that administer the database itself: `migrate`, `merchants create|list`, `keys
 * create|list|revoke`. They need direct database access; a server does not expose them.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { MerchantId } from "@paylinks/core/Ids"
import { type Merchant, Merchants } from "@paylinks/core/Merchants"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Refused, UsageError } from "./CliError.js"
import * as Connection from "./Connection.js"
import * as Flags from "./Flags.js"
import * as Output from "./Output.js"

/** `--server` is accepted only to say clearly that these commands cannot use it. */
const server = Options.text("server").pipe(
  Options.withDescription("Not supported: these commands work on the database directly."),
  Options.withFallbackConfig(Config.string("PAYLINKS_SERVER")),
  Options.optional
)

/** The options of every command that works on the database directly. */
export const adminOptions = { local: Connection.local, server, json: Flags.json }

/** Runs an admin command on the database, refusing remote mode. */
export const onDatabase = <A, E, R>(
  name: string,
  options: { readonly local: Connection.Local; readonly server: Option.Option<string> },
  effect: Effect.Effect<A, E, R>
) => Effect.zipRight(Connection.requireLocal(name, options), Effect.provide(effect, Connection.storage(options.local)))

export const merchantOption = Options.text("merchant").pipe(
  Options.withDescription("The merchant (acc_…); optional when the database has exactly one."),
  Options.optional
)

/** The merchant named by `--merchant`, or the only one. */
export const chooseMerchant = (requested: Option.Option<string>) =>
  Effect.gen(function* () {
    const merchants = yield* Merchants
    const all = yield* merchants.list
    if (Option.isSome(requested)) {
      const found = all.find((merchant) => merchant.id === requested.value)
      if (found === undefined) return yield* new Refused({ description: `No merchant ${requested.value}` })
      return found
    }
    const [only, ...others] = all
    if (only === undefined)
      return yield* new UsageError({
        message: "The database has no merchant yet: create one with paylinks merchants create."
      })
    if (others.length > 0)
      return yield* new UsageError({ message: `The database has ${all.length} merchants: choose one with --merchant.` })
    return only
  })

const mode = Options.choice("mode", ["test", "live"]).pipe(
  Options.withDescription("test keys act on sandbox data; live keys on live data."),
  Options.withDefault("test" as const)
)

const issue = (
  merchant: Merchant,
  keyMode: "test" | "live",
  json: boolean,
  extra: ReadonlyArray<readonly [string, string]> = []
) =>
  Effect.gen(function* () {
    const merchants = yield* Merchants
    const issued = yield* merchants.issueKey(merchant.id, keyMode).pipe(Effect.orDie)
    yield* Output.line(
      json
        ? Output.json({
            merchant_id: merchant.id,
            merchant_name: merchant.name,
            key_id: issued.key.keyId,
            key_secret: issued.secret,
            mode: issued.key.mode,
            created_at: issued.key.createdAt
          })
        : Output.pairs([
            ...extra,
            ["merchant", merchant.id],
            ["key_id", issued.key.keyId],
            ["key_secret", issued.secret],
            ["mode", issued.key.mode]
          ])
    )
    yield* Output.err("The key secret is shown this once: store it now.")
  })

const merchantsCreate = Command.make(
  "create",
  {
    ...adminOptions,
    name: Options.text("name").pipe(Options.withDescription("The merchant's name, shown on the hosted page."))
  },
  (flags) =>
    onDatabase(
      "merchants create",
      flags,
      Effect.gen(function* () {
        const merchant = yield* Effect.flatMap(Merchants, (merchants) => merchants.create(flags.name))
        yield* issue(merchant, "test", flags.json, [["name", merchant.name]])
      })
    )
).pipe(Command.withDescription("Create a merchant, with a test key pair (its secret is printed once)."))

const merchantsList = Command.make("list", adminOptions, (flags) =>
  onDatabase(
    "merchants list",
    flags,
    Effect.gen(function* () {
      const merchants = yield* Merchants
      const all = yield* merchants.list
      yield* Output.line(
        flags.json
          ? Output.json(
              all.map((merchant) => ({ id: merchant.id, name: merchant.name, created_at: merchant.createdAt }))
            )
          : all.length === 0
            ? "No merchants."
            : Output.table(
                ["ID", "NAME", "CREATED"],
                all.map((merchant) => [merchant.id, merchant.name, Output.time(merchant.createdAt)])
              )
      )
    })
  )
).pipe(Command.withDescription("List the merchants in the database."))

const keysCreate = Command.make("create", { ...adminOptions, merchant: merchantOption, mode }, (flags) =>
  onDatabase(
    "keys create",
    flags,
    Effect.flatMap(chooseMerchant(flags.merchant), (merchant) => issue(merchant, flags.mode, flags.json))
  )
).pipe(Command.withDescription("Issue a new API key pair for a merchant; the secret is printed once."))

const keysList = Command.make("list", { ...adminOptions, merchant: merchantOption }, (flags) =>
  onDatabase(
    "keys list",
    flags,
    Effect.gen(function* () {
      const merchants = yield* Merchants
      const owners = Option.isSome(flags.merchant) ? [yield* chooseMerchant(flags.merchant)] : yield* merchants.list
      const keys = []
      for (const owner of owners) keys.push(...(yield* merchants.listKeys(owner.id as MerchantId)))
      yield* Output.line(
        flags.json
          ? Output.json(
              keys.map((key) => ({
                key_id: key.keyId,
                merchant_id: key.merchantId,
                mode: key.mode,
                created_at: key.createdAt,
                revoked_at: key.revokedAt
              }))
            )
          : keys.length === 0
            ? "No keys."
            : Output.table(
                ["KEY ID", "MERCHANT", "MODE", "STATUS", "CREATED"],
                keys.map((key) => [
                  key.keyId,
                  key.merchantId,
                  key.mode,
                  key.revokedAt === null ? "active" : `revoked ${Output.time(key.revokedAt)}`,
                  Output.time(key.createdAt)
                ])
              )
      )
    })
  )
).pipe(Command.withDescription("List API keys (never their secrets), of one merchant or all."))

const keysRevoke = Command.make(
  "revoke",
  { ...adminOptions, keyId: Args.text({ name: "key-id" }).pipe(Args.withDescription("The key to revoke.")) },
  (flags) =>
    onDatabase(
      "keys revoke",
      flags,
      Effect.gen(function* () {
        const merchants = yield* Merchants
        yield* merchants
          .revokeKey(flags.keyId)
          .pipe(Effect.mapError((error) => new Refused({ description: error.message })))
        yield* Output.line(flags.json ? Output.json({ key_id: flags.keyId, revoked: true }) : `Revoked ${flags.keyId}.`)
      })
    )
).pipe(Command.withDescription("Revoke an API key: requests with it fail from now on."))

const migrate = Command.make("migrate", adminOptions, (flags) =>
  onDatabase(
    "migrate",
    flags,
    Effect.gen(function* () {
      const { schemaStatus } = yield* Effect.promise(() => import("./LocalStorage.js"))
      const { applied, current, latest } = yield* schemaStatus
      yield* Output.line(
        flags.json
          ? Output.json({
              version: current,
              latest,
              migrations: applied.map((row) => ({ version: row.version, name: row.name, applied_at: row.appliedAt }))
            })
          : [
              `The database schema is at version ${current} (the newest this paylinks knows is ${latest}).`,
              "",
              Output.table(
                ["VERSION", "NAME", "APPLIED"],
                applied.map((row) => [String(row.version), row.name, Output.time(row.appliedAt)])
              )
            ].join("\n")
      )
    })
  )
).pipe(Command.withDescription("Create or upgrade the database schema, and show its version."))

export const merchants = Command.make("merchants").pipe(
  Command.withDescription("Merchants (local mode only)."),
  Command.withSubcommands([merchantsCreate, merchantsList])
)

export const keys = Command.make("keys").pipe(
  Command.withDescription("API keys (local mode only)."),
  Command.withSubcommands([keysCreate, keysList, keysRevoke])
)

export const commands = [migrate, merchants, keys] as const
