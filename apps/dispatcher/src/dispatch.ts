/** The dispatcher's program, loaded by `bin.ts` once it holds the signals. */
import * as Main from "@paylinks/runtime/Main"
import * as StandaloneDispatcher from "@paylinks/runtime/StandaloneDispatcher"
import * as Effect from "effect/Effect"

/** Runs the dispatcher; `release` (called once the program holds the signals) drops the hold of `bin.ts`. */
export const dispatch = (release: () => void): void => {
  Main.run(
    "paylinks-dispatcher",
    // `msg` as the server's dispatcher lines have it: one kind of line, wherever the dispatcher runs.
    Effect.flatMap(StandaloneDispatcher.fromEnv(process.env), StandaloneDispatcher.run).pipe(
      Effect.annotateLogs("msg", "dispatcher")
    )
  )
  release()
}
