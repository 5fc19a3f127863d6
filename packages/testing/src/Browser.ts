/**
 * A real headless Chromium for browser suites: Debian's `/usr/bin/chromium`, driven by playwright-core (nothing is
 * downloaded). A suite without the binary is skipped with one loud line, or fails when PAYLINKS_REQUIRE_BROWSER=1
 * (as in CI).
 */
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type Browser, chromium } from "playwright-core"

export const CHROMIUM = "/usr/bin/chromium"

/** Whether the browser is there; says so loudly when it is not, and throws when the run requires it. */
export const available = (suite: string): boolean => {
  if (Fs.existsSync(CHROMIUM)) return true
  if (process.env.PAYLINKS_REQUIRE_BROWSER === "1")
    throw new Error(`PAYLINKS_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`)
  console.warn(`!!! ${CHROMIUM} is missing: browser suite SKIPPED (${suite})`)
  return false
}

/** A headless Chromium for the scope, closed with it; no network of its own (no QUIC, sync or updates). */
export const launch: Effect.Effect<Browser, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ]
    })
  ),
  (browser) => Effect.promise(() => browser.close())
)
