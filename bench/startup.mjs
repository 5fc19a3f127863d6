// The start-up section: how long the built server takes from spawn to its "listening" line (and to its first 200 on
// /healthz), on a fresh and on an existing SQLite file, against a baseline doing the least a server on that file must:
// a bare `node -e` that opens the same file with better-sqlite3 and listens with node:http. Runs alternate sides;
// the medians and their ratio come from the same run. Each run also sends SIGTERM and records the exit code.
import { spawn } from "node:child_process"
import fs from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"
import { performance } from "node:perf_hooks"
import { PAYLINKS_MAIN, ROOT } from "./targets.mjs"

const BETTER_SQLITE3 = createRequire(path.join(ROOT, "packages", "sql", "package.json")).resolve("better-sqlite3")

// The baseline: the same file opened in WAL mode, one statement read, a node:http server on a free loopback port.
const BASELINE = `
const Database = require(${JSON.stringify(BETTER_SQLITE3)})
const db = new Database(process.env.DB_FILE)
db.pragma("journal_mode = WAL")
db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)")
db.prepare("SELECT count(*) FROM t").get()
const server = require("node:http").createServer((req, res) => res.end("ok"))
server.listen(0, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + server.address().port))
process.on("SIGTERM", () => server.close(() => { db.close(); process.exit(0) }))
`

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** One start: ms to the listening line, ms to the first 200 on /healthz (paylinks) or / (baseline), exit code. */
const startOnce = (side, file, cwd) =>
  new Promise((resolve, reject) => {
    const args = side === "paylinks" ? [PAYLINKS_MAIN, "--port", "0"] : ["-e", BASELINE]
    const env = { ...process.env, PAYLINKS_DATABASE: `sqlite:${file}`, PAYLINKS_DISPATCHER: "on", DB_FILE: file }
    const began = performance.now()
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${side} did not start in 60 s`))
    }, 60_000)
    let out = ""
    let listening
    child.stdout.on("data", async (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match === null || listening !== undefined) return
      listening = performance.now() - began
      const probe = `${match[1]}${side === "paylinks" ? "/healthz" : "/"}`
      for (;;) {
        const ok = await fetch(probe).then(
          (response) => response.ok,
          () => false
        )
        if (ok) break
      }
      const answering = performance.now() - began
      child.once("exit", (code, signal) => {
        clearTimeout(timer)
        resolve({ listening, answering, exit: code ?? signal })
      })
      child.kill("SIGTERM")
    })
    child.stderr.resume()
  })

/** `runs` starts of each side on fresh files, then on one existing file each, sides alternating. */
export const benchStartup = async ({ dir, runs, log }) => {
  const work = fs.mkdtempSync(path.join(dir, "startup-"))
  const result = {}
  for (const kind of ["fresh", "existing"]) {
    const samples = { paylinks: [], baseline: [] }
    const existing = { paylinks: path.join(work, "p-existing.db"), baseline: path.join(work, "b-existing.db") }
    if (kind === "existing") for (const side of ["paylinks", "baseline"]) await startOnce(side, existing[side], work)
    for (let i = 0; i < runs; i++)
      for (const side of i % 2 === 0 ? ["paylinks", "baseline"] : ["baseline", "paylinks"]) {
        const file = kind === "fresh" ? path.join(work, `${side}-${i}.db`) : existing[side]
        samples[side].push(await startOnce(side, file, work))
      }
    const summary = (side) => ({
      listeningMs: median(samples[side].map((s) => s.listening)),
      answeringMs: median(samples[side].map((s) => s.answering)),
      exits: [...new Set(samples[side].map((s) => s.exit))]
    })
    const paylinks = summary("paylinks")
    const baseline = summary("baseline")
    result[kind] = { runs, paylinks, baseline, ratio: paylinks.listeningMs / baseline.listeningMs }
    log(
      `startup ${kind}: paylinks ${paylinks.listeningMs.toFixed(0)} ms to listening (${paylinks.answeringMs.toFixed(0)} ms ` +
        `to /healthz), baseline ${baseline.listeningMs.toFixed(0)} ms, ratio ${result[kind].ratio.toFixed(2)}`
    )
  }
  fs.rmSync(work, { recursive: true, force: true })
  return result
}
