#!/usr/bin/env node
// The project's single test command (`pnpm test`). It starts a throwaway PostgreSQL cluster, exports
// PAYLINKS_TEST_PG_URL and PAYLINKS_TEST_REPORT_DIR, then runs, failing fast:
//   turbo run build  →  biome ci .  →  turbo run check lint  →  turbo run test (forced, one package at a time)
// It always stops the cluster and deletes its temp dir (also on failure and SIGINT/SIGTERM/SIGHUP), prints
// `tests: X passed, Y failed, Z skipped` summed from the per-package vitest JSON reports (see vitest.shared.ts),
// and exits with the first failing step's exit code.
// Without PostgreSQL binaries the PostgreSQL suites are skipped, loudly; PAYLINKS_REQUIRE_PG=1 makes that an error.
import { spawn } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { findPgBinDir, PgClusterError, startCluster, stopCluster } from "./pg-cluster.mjs"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const BIN = path.join(ROOT, "node_modules", ".bin")
const DB_NAME = "paylinks_test"
const SKIP_LINE = "!!! PostgreSQL binaries not found: PostgreSQL suites will be SKIPPED"

const log = (message) => console.log(`[test-all] ${message}`)

class StepFailed extends Error {
  constructor(message, exitCode) {
    super(message)
    this.exitCode = exitCode
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Process bookkeeping: the step being run (signals are forwarded to it) and the cluster (stopped on the way out).

const state = {
  tmpDir: undefined,
  postgres: undefined,
  current: undefined,
  signal: undefined,
  pgSkipped: false,
  testsRan: false
}

const isAlive = (child) => child !== undefined && child.exitCode === null && child.signalCode === null

/** Runs a command with inherited stdio; resolves to its exit code (128 + n when killed by signal n). */
const run = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: "inherit", ...options })
    state.current = child
    child.once("error", (error) => {
      state.current = undefined
      reject(new StepFailed(`cannot run ${command}: ${error.message}`, 127))
    })
    child.once("exit", (code, signal) => {
      state.current = undefined
      resolve(code ?? 128 + signalNumber(signal))
    })
  })

const signalNumber = (signal) => os.constants.signals[signal] ?? 1

const onSignal = (signal) => {
  if (state.signal !== undefined) {
    // Second signal: stop waiting politely.
    if (isAlive(state.current)) state.current.kill("SIGKILL")
    return
  }
  state.signal = signal
  console.error(`\n[test-all] ${signal} received: stopping`)
  // A terminal's Ctrl-C already reached the step (same process group); `kill <pid>` did not. Either way, pass it on.
  if (isAlive(state.current)) {
    state.current.kill(signal)
    const child = state.current
    setTimeout(() => isAlive(child) && child.kill("SIGKILL"), 15_000).unref()
  }
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, onSignal)

// Last resort if something above throws past the cleanup: never leave a server or a temp dir behind.
process.on("exit", () => {
  if (isAlive(state.postgres)) state.postgres.kill("SIGKILL")
  if (state.tmpDir) fs.rmSync(state.tmpDir, { recursive: true, force: true })
})

const checkInterrupted = () => {
  if (state.signal !== undefined)
    throw new StepFailed(`interrupted by ${state.signal}`, 128 + signalNumber(state.signal))
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL (the cluster itself lives in scripts/pg-cluster.mjs, shared with the benchmark)

const startPostgres = async (bin) => {
  try {
    return await startCluster({
      bin,
      dir: state.tmpDir,
      database: DB_NAME,
      // Test cluster only: durability is worthless here, speed is not.
      settings: ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200"],
      log,
      onChild: (child) => {
        state.postgres = child
      },
      isInterrupted: () => state.signal !== undefined,
      checkInterrupted
    })
  } catch (error) {
    throw error instanceof PgClusterError ? new StepFailed(error.message, 1) : error
  }
}

const stopPostgres = async () => {
  await stopCluster(state.postgres)
  state.postgres = undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Test report (per-package vitest JSON written into PAYLINKS_TEST_REPORT_DIR by vitest.shared.ts)

/** Same file name as vitest.shared.ts gives a package's report. */
const reportFileName = (name) => name.replace(/^@/, "").replace(/[^\w.-]+/g, "-") + ".json"

/** Workspace packages (pnpm-workspace.yaml: packages/*, apps/*) that have a `test` script. */
const testedPackages = () =>
  ["packages", "apps"].flatMap((group) => {
    let dirs = []
    try {
      dirs = fs.readdirSync(path.join(ROOT, group))
    } catch {}
    return dirs.flatMap((dir) => {
      try {
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, group, dir, "package.json"), "utf8"))
        return manifest.scripts?.test ? [manifest.name ?? dir] : []
      } catch {
        return []
      }
    })
  })

const summarize = (reportDir) => {
  const totals = { passed: 0, failed: 0, skipped: 0, reports: 0, files: [] }
  let files = []
  try {
    files = fs.readdirSync(reportDir).filter((file) => file.endsWith(".json"))
  } catch {}
  for (const file of files) {
    try {
      const report = JSON.parse(fs.readFileSync(path.join(reportDir, file), "utf8"))
      totals.passed += report.numPassedTests ?? 0
      totals.failed += report.numFailedTests ?? 0
      totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
      totals.reports++
      totals.files.push(file)
    } catch (error) {
      log(`unreadable test report ${file}: ${error.message}`)
      totals.failed++
    }
  }
  return totals
}

// ---------------------------------------------------------------------------------------------------------------
// turbo refuses to run without the package manager's binary on PATH. `pnpm test` run through `npx -y pnpm@…` has it;
// a bare `node scripts/test-all.mjs` may not: then a shim runs the pinned version (root package.json) through npx.

const onPath = (name, env) =>
  (env.PATH ?? "").split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, name)))

const ensurePnpmOnPath = (env) => {
  if (onPath("pnpm", env)) return
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"))
  const pinned = /^pnpm@[\w.+-]+$/.test(manifest.packageManager ?? "") ? manifest.packageManager : "pnpm"
  const shimDir = path.join(state.tmpDir, "bin")
  fs.mkdirSync(shimDir)
  fs.writeFileSync(path.join(shimDir, "pnpm"), `#!/bin/sh\nexec npx -y ${pinned} "$@"\n`, { mode: 0o755 })
  env.PATH = `${shimDir}${path.delimiter}${env.PATH ?? ""}`
  log(`pnpm is not on PATH: using a shim for \`npx -y ${pinned}\``)
}

// ---------------------------------------------------------------------------------------------------------------

const main = async () => {
  const env = { ...process.env }
  const reportDir = path.join(state.tmpDir, "reports")
  fs.mkdirSync(reportDir)
  env.PAYLINKS_TEST_REPORT_DIR = reportDir
  delete env.PAYLINKS_TEST_PG_URL // only ever the throwaway cluster below
  ensurePnpmOnPath(env)

  const pgBin = findPgBinDir()
  if (pgBin === undefined) {
    if (env.PAYLINKS_REQUIRE_PG === "1") {
      throw new StepFailed(
        "PostgreSQL binaries not found (looked at `pg_config --bindir`, /usr/lib/postgresql/*/bin, initdb on PATH) " +
          "and PAYLINKS_REQUIRE_PG=1. Install PostgreSQL (Debian: apt-get install postgresql).",
        1
      )
    }
    console.log(SKIP_LINE)
    state.pgSkipped = true
  } else {
    log(`starting a throwaway PostgreSQL cluster from ${pgBin}`)
    const port = await startPostgres(pgBin)
    env.PAYLINKS_TEST_PG_URL = `postgres://postgres@127.0.0.1:${port}/${DB_NAME}`
    log(`PAYLINKS_TEST_PG_URL=${env.PAYLINKS_TEST_PG_URL}`)
  }

  const steps = [
    [path.join(BIN, "turbo"), ["run", "build"]],
    [path.join(BIN, "biome"), ["ci", "."]],
    [path.join(BIN, "turbo"), ["run", "check", "lint", "--concurrency=1"]],
    // --force: a test run is never replayed from turbo's cache (the database and report dir change every run, and
    // they are pass-through env, outside the task hash). --only: build already ran above.
    // --continue: one failing package does not hide the others' results from the summary (the run still fails).
    [path.join(BIN, "turbo"), ["run", "test", "--force", "--only", "--concurrency=1", "--continue"]]
  ]
  let exitCode = 0
  for (const [command, args] of steps) {
    checkInterrupted()
    log(`$ ${path.relative(ROOT, command)} ${args.join(" ")}`)
    if (args[1] === "test") state.testsRan = true
    exitCode = await run(command, args, { env })
    checkInterrupted()
    if (exitCode !== 0) {
      log(`failed (exit ${exitCode}): ${path.basename(command)} ${args.join(" ")}`)
      break
    }
  }

  return exitCode
}

let exitCode = 1
let totals = { passed: 0, failed: 0, skipped: 0, reports: 0, files: [] }
try {
  // As root, the postgres user must reach the cluster dir: use /tmp, not a possibly private $TMPDIR.
  state.tmpDir = fs.mkdtempSync(path.join(process.getuid?.() === 0 ? "/tmp" : os.tmpdir(), "paylinks-test-"))
  exitCode = await main()
} catch (error) {
  console.error(error instanceof StepFailed ? `[test-all] ${error.message}` : error)
  exitCode = error instanceof StepFailed ? error.exitCode : 1
} finally {
  if (state.tmpDir) totals = summarize(path.join(state.tmpDir, "reports"))
  await stopPostgres()
  if (state.tmpDir) fs.rmSync(state.tmpDir, { recursive: true, force: true })
  state.tmpDir = undefined
}
if (exitCode === 0 && totals.failed > 0) exitCode = 1
if (state.pgSkipped) console.log(SKIP_LINE)
if (state.testsRan && exitCode === 0) {
  // Every package ran: one without a report is not on vitest.shared.ts, and its tests are missing from the count.
  const silent = testedPackages().filter((name) => !totals.files.includes(reportFileName(name)))
  if (silent.length > 0) {
    log(`WARNING: no test report from ${silent.join(", ")} (vitest.config.ts not on vitest.shared.ts?): not counted`)
  }
}
log(`summed from ${totals.reports} package test report(s)`)
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(exitCode)
