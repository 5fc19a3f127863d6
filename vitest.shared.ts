// Shared vitest configuration for every package and app: `export default defineProjectConfig("@paylinks/core")`
// in its vitest.config.ts. When PAYLINKS_TEST_REPORT_DIR is set (scripts/test-all.mjs sets it), each package also
// writes a vitest JSON report there, from which `pnpm test` prints its `tests: X passed, Y failed, Z skipped` line.
import * as Path from "node:path"
import { defineConfig, mergeConfig, type ViteUserConfig } from "vitest/config"

type Reporters = NonNullable<NonNullable<ViteUserConfig["test"]>["reporters"]>

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
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: "forks",
      reporters
    }
  })
  return mergeConfig(base, overrides)
}

/** "@paylinks/sql-pg" → "paylinks-sql-pg.json": one flat file per package. */
const reportFileName = (name: string): string => name.replace(/^@/, "").replace(/[^\w.-]+/g, "-") + ".json"
