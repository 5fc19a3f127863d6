/**
 * The contract is the wire only: its modules import `effect`, `@effect/platform`, `@paylinks/core` and each
 * other — never a server, a database or another adapter — and `Idempotency.ts` alone uses `node:crypto`.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const PACKAGE = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const SRC = Path.join(PACKAGE, "src")

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = Path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

const specifiers = (source: string): ReadonlyArray<string> =>
  [...source.matchAll(/\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']/g)].map(
    (match) => match[1] ?? match[2]!
  )

const allowed = (file: string, specifier: string): boolean => {
  if (/^(?:effect|@effect\/platform|@paylinks\/core)(?:\/|$)/.test(specifier)) return true
  if (specifier === "node:crypto") return Path.basename(file) === "Idempotency.ts"
  if (specifier.startsWith("./")) return Path.resolve(Path.dirname(file), specifier).startsWith(SRC + Path.sep)
  return false
}

describe("@paylinks/contract's dependencies", () => {
  it("imports only effect, @effect/platform, core and its own modules", () => {
    const files = sourceFiles(SRC)
    expect(files.map((file) => Path.basename(file))).toEqual(expect.arrayContaining(["Api.ts", "Wire.ts"]))
    const problems = files.flatMap((file) =>
      specifiers(Fs.readFileSync(file, "utf8"))
        .filter((specifier) => !allowed(file, specifier))
        .map((specifier) => `${Path.relative(PACKAGE, file)}: imports "${specifier}"`)
    )
    expect(problems).toEqual([])
    expect(allowed(Path.join(SRC, "Wire.ts"), "@paylinks/http/NodeServer")).toBe(false)
    expect(allowed(Path.join(SRC, "Wire.ts"), "node:crypto")).toBe(false)
  })

  it("declares core, effect and @effect/platform as its only runtime dependencies", () => {
    const manifest = JSON.parse(Fs.readFileSync(Path.join(PACKAGE, "package.json"), "utf8"))
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(["@effect/platform", "@paylinks/core", "effect"])
  })
})
