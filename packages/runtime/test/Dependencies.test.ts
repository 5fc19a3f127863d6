/**
 * The composition rules this package exists for, checked over the sources: apps import packages, never
 * another app; the webhook adapter imports neither the SQL storage nor the notifiers (it gets ports from
 * core); and the modules of each app import each other without a cycle.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = Path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

/** Every module a file names: static, type-only and dynamic imports, and re-exports. */
const specifiers = (file: string): ReadonlyArray<string> => {
  const source = Fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "")
  const found: Array<string> = []
  for (const pattern of [/\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']/g])
    for (const match of source.matchAll(pattern)) found.push(match[1]!)
  return found
}

const apps = Fs.readdirSync(Path.join(ROOT, "apps")).filter((name) =>
  Fs.existsSync(Path.join(ROOT, "apps", name, "src"))
)
const appPackages = apps.map(
  (name) => JSON.parse(Fs.readFileSync(Path.join(ROOT, "apps", name, "package.json"), "utf8")).name as string
)

describe("dependency rules", () => {
  it("finds the apps", () => {
    expect(apps).toEqual(expect.arrayContaining(["server", "dispatcher", "cli"]))
  })

  it("no app's source imports another app", () => {
    const problems = apps.flatMap((app) =>
      sourceFiles(Path.join(ROOT, "apps", app, "src")).flatMap((file) =>
        specifiers(file)
          .filter((specifier) => appPackages.some((name) => specifier === name || specifier.startsWith(`${name}/`)))
          .map((specifier) => `${Path.relative(ROOT, file)} imports ${specifier}`)
      )
    )
    expect(problems).toEqual([])
  })

  it("packages/webhooks imports neither @paylinks/sql nor @paylinks/notifications, nor depends on them", () => {
    const dir = Path.join(ROOT, "packages", "webhooks")
    const problems = sourceFiles(Path.join(dir, "src")).flatMap((file) =>
      specifiers(file)
        .filter((specifier) => /^@paylinks\/(sql|notifications)(\/|$)/.test(specifier))
        .map((specifier) => `${Path.relative(ROOT, file)} imports ${specifier}`)
    )
    expect(problems).toEqual([])
    const manifest = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8"))
    expect(Object.keys(manifest.dependencies)).not.toContain("@paylinks/sql")
    expect(Object.keys(manifest.dependencies)).not.toContain("@paylinks/notifications")
  })

  it("within each app and this package, no module imports itself back through others", () => {
    const dirs = [
      ...apps.map((app) => Path.join(ROOT, "apps", app, "src")),
      Path.join(ROOT, "packages", "runtime", "src")
    ]
    const cycles: Array<string> = []
    for (const dir of dirs) {
      const graph = new Map<string, ReadonlyArray<string>>()
      for (const file of sourceFiles(dir))
        graph.set(
          file,
          specifiers(file)
            .filter((specifier) => specifier.startsWith("."))
            .map((specifier) => Path.resolve(Path.dirname(file), specifier).replace(/\.js$/, ".ts"))
        )
      const state = new Map<string, "open" | "done">()
      const visit = (file: string, path: ReadonlyArray<string>) => {
        if (state.get(file) === "done") return
        if (state.get(file) === "open") {
          cycles.push([...path.slice(path.indexOf(file)), file].map((f) => Path.relative(ROOT, f)).join(" → "))
          return
        }
        state.set(file, "open")
        for (const next of graph.get(file) ?? []) visit(next, [...path, file])
        state.set(file, "done")
      }
      for (const file of graph.keys()) visit(file, [])
    }
    expect(cycles).toEqual([])
  })
})
