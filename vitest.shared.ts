// Shared vitest configuration for every package and app: `export default defineProjectConfig("@paylinks/core")`
// in its vitest.config.ts. When PAYLINKS_TEST_REPORT_DIR is set (scripts/test-all.mjs sets it), each package also
// writes a vitest JSON report there, from which `pnpm test` prints its `tests: X passed, Y failed, Z skipped` line.
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig, mergeConfig, type ViteUserConfig } from "vitest/config"

type Reporters = NonNullable<NonNullable<ViteUserConfig["test"]>["reporters"]>

const ROOT = Path.dirname(fileURLToPath(import.meta.url))

/**
 * Tests run against the sources of every workspace package, never its `dist`: `@paylinks/<pkg>` is
 * `<dir>/src/index.ts` and `@paylinks/<pkg>/<Module>` is `<dir>/src/<Module>.ts`, for every package found under
 * packages/ and apps/ (a new package needs no edit here). `internal/*` is left to the package's `exports`, which
 * refuse it, as they do for any user. Processes a test spawns (`node apps/server/dist/main.js`) still run the
 * build: turbo.json keeps `build` before `test` for the packages that do that.
 */
export const sourceAliases = (): Array<{ find: RegExp; replacement: string }> =>
  ["packages", "apps"].flatMap((group) =>
    Fs.readdirSync(Path.join(ROOT, group), { withFileTypes: true }).flatMap((entry) => {
      const dir = Path.join(ROOT, group, entry.name)
      const manifest = Path.join(dir, "package.json")
      if (!entry.isDirectory() || !Fs.existsSync(manifest)) return []
      const name: unknown = JSON.parse(Fs.readFileSync(manifest, "utf8")).name
      if (typeof name !== "string" || !name.startsWith("@paylinks/")) return []
      return [
        { find: new RegExp(`^${name}$`), replacement: Path.join(dir, "src", "index.ts") },
        { find: new RegExp(`^${name}/(?!internal/|package\\.json$)(.+)$`), replacement: Path.join(dir, "src", "$1.ts") }
      ]
    })
  )

/**
 * The vitest config of one package. `name` is the package name (it names the JSON report). `overrides` are merged
 * with vite's `mergeConfig`: objects merge deeply and arrays are concatenated (extra `include` globs add to
 * `test/**\/*.test.ts`, they do not replace it).
 */
export const defineProjectConfig = (name: string, overrides: ViteUserConfig = {}): ViteUserConfig => {
  const reportDir = process.env.PAYLINKS_TEST_REPORT_DIR
  const reporters: Reporters = reportDir
    ? ["default", ["json", { outputFile: Path.join(reportDir, reportFileName(name)) }]]
    : ["default"]
  const base = defineConfig({
    resolve: { alias: sourceAliases() },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: "forks",
      // A temporary directory per package run, removed afterwards (scripts/vitest-temp.mjs).
      globalSetup: [Path.join(ROOT, "scripts", "vitest-temp.mjs")],
      reporters
    }
  })
  return mergeConfig(base, overrides)
}

/** "@paylinks/sql-pg" → "paylinks-sql-pg.json": one flat file per package. */
const reportFileName = (name: string): string => name.replace(/^@/, "").replace(/[^\w.-]+/g, "-") + ".json"
