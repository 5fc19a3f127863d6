/**
 * Temporary directories for tests: each is made fresh under the OS's temp dir and removed when the
 * process exits (or earlier, by `removeAll`, for suites that must free disk or mounts between files).
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const created: Array<string> = []

/** Removes every directory `tempDir` made so far (and not yet removed). */
export const removeAll = (): void => {
  for (const dir of created.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
}

process.once("exit", removeAll)

/** A fresh temporary directory `paylinks-<prefix>-…`, removed when the process exits. */
export const tempDir = (prefix = "test"): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), `paylinks-${prefix}-`))
  created.push(dir)
  return dir
}
