#!/usr/bin/env node
// The CLI's start-up: `paylinks --version` and a local `paylinks links get <id>` on a seeded SQLite file, against
// bare `node -e 0`, each the median wall time of N runs, the three commands alternating so that the machine's load
// falls on all of them alike. The ratios are the numbers to read (the targets are 3 × and 5 ×). Twice: in the
// environment the bench runs in (as a user's shell would start them; NODE_EXTRA_CA_CERTS, for one, makes every
// node start read a certificate bundle) and in a bare one (PATH only). Needs the CLI's build (apps/cli/dist/bin.js).
// Run alone: `node bench/cli.mjs [--runs 15]`.
import { execFileSync, spawnSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

export const CLI_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "apps", "cli", "dist", "bin.js")

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Wall milliseconds of one run of `node …args`; a run that does not exit 0 fails the section. */
const timeOnce = (args, env) => {
  const began = performance.now()
  const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"], timeout: 60_000 })
  const ms = performance.now() - began
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`)
  return ms
}

export const benchCli = async ({ runs = 15, dir } = {}) => {
  if (!fs.existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} does not exist: build the CLI first (pnpm build)`)
  const work = fs.mkdtempSync(path.join(dir ?? os.tmpdir(), "cli-"))
  try {
    const database = `sqlite:${path.join(work, "paylinks.db")}`
    const env = { PATH: process.env.PATH ?? "", PAYLINKS_DATABASE: database }
    // A merchant with a test key and 100 links: the first command creates the merchant, as a user's would.
    const create = (amount) =>
      JSON.parse(
        execFileSync(process.execPath, [CLI_BIN, "links", "create", "--amount", String(amount), "--json"], {
          env,
          stdio: ["ignore", "pipe", "ignore"]
        })
      ).id
    const ids = [create(10000)]
    execFileSync(process.execPath, [CLI_BIN, "links", "import", writeCsv(work, 99)], { env, stdio: "ignore" })
    const commands = {
      node: ["-e", "0"],
      version: [CLI_BIN, "--version"],
      fetch: [CLI_BIN, "links", "get", ids[0]]
    }
    const environments = { inherited: { ...process.env, PAYLINKS_DATABASE: database }, bare: env }
    const measured = {}
    for (const [which, environment] of Object.entries(environments)) {
      const times = { node: [], version: [], fetch: [] }
      for (const args of Object.values(commands)) timeOnce(args, environment) // warm the disk cache
      for (let i = 0; i < runs; i++)
        for (const [name, args] of Object.entries(commands)) times[name].push(timeOnce(args, environment))
      const ms = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]))
      measured[which] = { ms, ratios: { version: ms.version / ms.node, fetch: ms.fetch / ms.node } }
    }
    return { runs, ...measured, loadAverage: os.loadavg().map((n) => n.toFixed(2)) }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

const writeCsv = (dir, rows) => {
  const file = path.join(dir, "links.csv")
  const lines = ["amount,receipt"]
  for (let i = 0; i < rows; i++) lines.push(`${1000 + i},bench-${i}`)
  fs.writeFileSync(file, `${lines.join("\n")}\n`)
  return file
}

/** The section's table for the report. */
export const cliTable = (results) => {
  const { runs, inherited, bare } = results.cli
  const row = (label, name) =>
    `| ${label} | ${inherited.ms[name].toFixed(0)} | ${(inherited.ratios[name] ?? 1).toFixed(2)} | ${bare.ms[name].toFixed(0)} | ${(bare.ratios[name] ?? 1).toFixed(2)} |`
  return [
    `### CLI start-up (median wall time of ${runs} runs each, alternating; target: ≤ 3 × and ≤ 5 × \`node -e 0\`)`,
    "",
    "| command | ms, bench's environment | × `node -e 0` | ms, bare environment | × `node -e 0` |",
    "|---|---:|---:|---:|---:|",
    row("`node -e 0`", "node"),
    row("`paylinks --version`", "version"),
    row("`paylinks links get <id>` (local, SQLite, 100 links)", "fetch")
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } })
  const results = await benchCli({ runs: Number(values.runs) })
  console.log(cliTable({ cli: results }).join("\n"))
}
