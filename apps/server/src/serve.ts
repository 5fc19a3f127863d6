/**
 * The server's program, loaded by `main.ts` once it holds the signals: configuration, then the runtime's
 * `Server.run` as the process (`Main.run`).
 */
import * as Main from "@paylinks/runtime/Main"
import * as Server from "@paylinks/runtime/Server"
import * as ServerConfig from "@paylinks/runtime/ServerConfig"
import * as Effect from "effect/Effect"

/** Runs the server; `release` (called once the program holds the signals) drops the hold of `main.ts`. */
export const serve = (release: () => void): void => {
  Main.run(
    "paylinks",
    Effect.gen(function* () {
      const config = yield* ServerConfig.load(process.argv.slice(2), process.env)
      if (config === "help") return yield* Effect.sync(() => process.stdout.write(`${ServerConfig.usage()}\n`))
      return yield* Server.run(config)
    })
  )
  release()
}
