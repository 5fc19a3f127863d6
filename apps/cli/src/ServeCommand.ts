/**
 * `paylinks serve`: the server of `apps/server`, started by the same composition (runtime's `Server`)
 * with the same configuration rules (flags over `PAYLINKS_*` variables over defaults). Runs until SIGINT or
 * SIGTERM, then stops accepting, finishes the requests in flight and closes the database. Its log is the
 * server's: JSON lines at the level `PAYLINKS_LOG_LEVEL` names.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ServerSettings from "@paylinks/runtime/ServerSettings"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import { EnvironmentError, UsageError } from "./CliError.js"
import * as Io from "./Io.js"

const setting = (flag: string, env: string, help: string) =>
  Options.text(flag).pipe(
    Options.withDescription(`${help[0]!.toUpperCase()}${help.slice(1)} (${env}).`),
    Options.optional
  )

/** One flag per server setting, described as the server describes it. */
const flags = Object.fromEntries(ServerSettings.settings.map((s) => [s.flag, setting(s.flag, s.env, s.help)]))

export const command = Command.make("serve", flags, (given) =>
  Effect.gen(function* () {
    const argv: Array<string> = []
    for (const [flag, value] of Object.entries(given)) if (Option.isSome(value)) argv.push(`--${flag}`, value.value)
    // Loaded here, not at startup: the other commands need neither the checks nor the HTTP server's modules.
    const [ServerConfig, Server, Log] = yield* Effect.promise(() =>
      Promise.all([
        import("@paylinks/runtime/ServerConfig"),
        import("@paylinks/runtime/Server"),
        import("@paylinks/runtime/Log")
      ])
    )
    const { env } = yield* FiberRef.get(Io.current)
    const loaded = ServerConfig.load(argv, env)
    if (Either.isLeft(loaded)) return yield* new UsageError({ message: loaded.left.message })
    if (loaded.right === "help") return
    const config = loaded.right
    const level = Log.levelFromEnv(env)
    if (Either.isLeft(level)) return yield* new UsageError({ message: level.left.message })
    yield* Effect.scoped(
      Effect.zipRight(
        Server.make(config).pipe(Effect.mapError((error) => new EnvironmentError({ message: error.message }))),
        Effect.never
      )
    ).pipe(Log.withJson("paylinks", level.right))
  })
).pipe(Command.withDescription("Run the paylinks server (the HTTP API, hosted pages and the expiry sweeper)."))
