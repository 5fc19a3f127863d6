/**
 * core stays pure (docs/architecture.md#rules): every module imports `effect` (or `effect/*`) and its own siblings
 * only, and nothing in it reaches for Node (no `node:` modules, no `process`, no `require`).
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
    return /\.(?:[cm]?[jt]sx?)$/.test(entry.name) ? [path] : []
  })

/** Every module specifier a source text names: static and type imports, re-exports, side-effect and dynamic imports. */
const specifiers = (source: string): ReadonlyArray<string> => {
  const found: Array<string> = []
  const patterns = [
    /\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']*)["']/g,
    /\bimport\s*\(\s*([^"'\s)][^)]*)\)/g
  ]
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!)
  return found
}

/** Text that is code, not commentary: comments may talk about `process.` without using it. */
const code = (source: string): string =>
  source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\/\/.*$/, ""))
    .join("\n")

const allowed = (file: string, specifier: string): boolean => {
  if (specifier === "effect" || specifier.startsWith("effect/")) return true
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    // A relative import must stay inside src: `../../sql/...` would be an adapter in disguise.
    const target = Path.resolve(Path.dirname(file), specifier)
    return target === SRC || target.startsWith(SRC + Path.sep)
  }
  return false
}

/** The problems of one file, as `file: problem` lines. */
const violations = (file: string, source: string): ReadonlyArray<string> => {
  const name = Path.relative(PACKAGE, file)
  const text = code(source)
  const problems = specifiers(text)
    .filter((specifier) => !allowed(file, specifier))
    .map((specifier) => `${name}: imports "${specifier}"`)
  if (/\bprocess\s*[.[]/.test(text)) problems.push(`${name}: uses process`)
  if (/\brequire\s*\(/.test(text)) problems.push(`${name}: uses require(`)
  if (/["']node:/.test(text)) problems.push(`${name}: names a node: module`)
  return problems
}

describe("Purity of @paylinks/core", () => {
  const files = sourceFiles(SRC)

  it("finds the core's modules", () => {
    expect(files.map((file) => Path.basename(file))).toEqual(
      expect.arrayContaining(["index.ts", "PaymentLink.ts", "Transitions.ts", "Validation.ts", "PaymentLinks.ts"])
    )
  })

  it("imports nothing but effect and its own modules, and never touches Node", () => {
    const problems = files.flatMap((file) => violations(file, Fs.readFileSync(file, "utf8")))
    expect(problems).toEqual([])
  })

  it("the scanner sees every from-clause of every file, multi-line imports included", () => {
    for (const file of files) {
      const text = code(Fs.readFileSync(file, "utf8"))
      const clauses = text.match(/\sfrom\s*["'][^"']+["']/g) ?? []
      expect([Path.basename(file), specifiers(text).length]).toEqual([Path.basename(file), clauses.length])
    }
    const index = Fs.readFileSync(Path.join(SRC, "index.ts"), "utf8")
    expect(specifiers(code(index))).toHaveLength(index.split("\n").filter((line) => line.startsWith("export ")).length)
  })

  it("the scanner catches each kind of impurity", () => {
    const file = Path.join(SRC, "Example.ts")
    expect(
      violations(
        file,
        [
          'import * as Fs from "node:fs"',
          'import { Pool } from "pg"',
          'import type { SqlClient } from "@effect/sql"',
          'export { x } from "../../sql/src/Repo.js"',
          'import "reflect-metadata"',
          'const m = await import("undici")',
          "const env = process.env.X",
          'const c = require("crypto")',
          'import * as Effect from "effect/Effect"',
          'import { Money } from "./Money.js"',
          "// process.exit is never called here"
        ].join("\n")
      )
    ).toEqual([
      'src/Example.ts: imports "node:fs"',
      'src/Example.ts: imports "pg"',
      'src/Example.ts: imports "@effect/sql"',
      'src/Example.ts: imports "../../sql/src/Repo.js"',
      'src/Example.ts: imports "reflect-metadata"',
      'src/Example.ts: imports "undici"',
      "src/Example.ts: uses process",
      "src/Example.ts: uses require(",
      "src/Example.ts: names a node: module"
    ])
  })

  it("declares effect as its only runtime dependency", () => {
    const manifest = JSON.parse(Fs.readFileSync(Path.join(PACKAGE, "package.json"), "utf8"))
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(["effect"])
    expect(manifest.peerDependencies ?? {}).toEqual({})
  })
})
