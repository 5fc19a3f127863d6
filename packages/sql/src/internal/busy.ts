/**
 * Waiting for SQLite's write lock without blocking the event loop. better-sqlite3 waits for a busy
 * lock synchronously, which stalls every request of the process — and, when the lock is held by
 * another connection of the same process, cannot end until the timeout, because the holder never gets
 * to run. So the connection waits only briefly in SQLite itself and the callers retry here, on
 * timers, until their own deadline.
 */
import { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"

/** SQLITE_BUSY (and its extended codes): another connection holds the lock. */
export const isBusy = (error: unknown): boolean => {
  if (!(error instanceof SqlError)) return false
  const code = (error.cause as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" && code.startsWith("SQLITE_BUSY")
}

/** A sleep on a real timer: storage waits in real time, whatever clock the caller's fiber runs on. */
export const sleepMillis = (ms: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const handle = setTimeout(() => resume(Effect.void), ms)
    return Effect.sync(() => clearTimeout(handle))
  })

/** The pause before retry `attempt` (0-based): short at first, then up to ~50 ms, jittered. */
export const backoffMillis = (attempt: number): number => Math.min(50, 2 ** attempt) * (0.5 + Math.random())

/**
 * Runs `effect` again while it fails because the database is busy, for up to `timeoutMs`. Only for
 * effects that are safe to repeat after such a failure (a transaction that was rolled back, or a
 * statement that did not run).
 */
export const retryWhileBusy = <A, E, R>(effect: Effect.Effect<A, E, R>, timeoutMs: number): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const deadline = Date.now() + timeoutMs
    const loop = (attempt: number): Effect.Effect<A, E, R> =>
      Effect.catchIf(
        effect,
        (error) => isBusy(error) && Date.now() < deadline,
        () => Effect.zipRight(sleepMillis(backoffMillis(attempt)), loop(attempt + 1))
      )
    return loop(0)
  })
