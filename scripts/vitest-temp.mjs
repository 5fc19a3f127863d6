// vitest global setup for every package (see vitest.shared.ts): the package's test run gets a temporary directory of
// its own, and TMPDIR (with TMP and TEMP) points into it before any test worker starts, so every temporary file a
// test, a worker or a process it spawns makes lands there. Teardown removes the whole directory: a suite leaves
// nothing behind in the machine's temp dir even when a test's own clean-up never ran (a killed worker, a
// `process.on("exit")` handler that vitest's forked workers do not reach).
import fs from "node:fs"
import os from "node:os"
import path from "node:path"

export default function setup() {
  const previous = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paylinks-run-"))
  // Reachable by other local users (a PostgreSQL cluster run as `postgres` lives below it); what tests make inside
  // it with mkdtemp is private again (0700).
  fs.chmodSync(dir, 0o755)
  for (const name of Object.keys(previous)) process.env[name] = dir
  return () => {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}
