/**
 * `paylinks-dispatcher` (the built bin) as an operator runs it: it says it is polling (in JSON lines, at
 * `PAYLINKS_LOG_LEVEL`), exits 0 on SIGTERM or SIGINT, and a bad setting exits 2 naming it. Needs `dist/` (turbo builds before testing).
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { tempDatabase } from "./helpers.js"

const BIN = Path.join(import.meta.dirname, "..", "dist", "bin.js")

const spawn = (env: Record<string, string>) => {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("PAYLINKS_")) clean[key] = value
  const child = ChildProcess.spawn(process.execPath, [BIN], {
    env: { ...clean, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output = { stdout: "", stderr: "" }
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  )
  return { child, output, exited }
}

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 30_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe("the paylinks-dispatcher process", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    it(`polls the database until ${signal}, then exits 0`, async () => {
      const dispatcher = spawn({
        PAYLINKS_DATABASE: `sqlite:${tempDatabase()}`,
        PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "20"
      })
      try {
        await until(() => dispatcher.output.stdout.includes("paylinks dispatcher ("), "the startup line")
        dispatcher.child.kill(signal)
        expect(await dispatcher.exited).toEqual({ code: 0, signal: null })
        expect(dispatcher.output.stderr).toBe("")
      } finally {
        dispatcher.child.kill("SIGKILL")
      }
    })

  it("logs JSON lines only, at PAYLINKS_LOG_LEVEL", async () => {
    const database = `sqlite:${tempDatabase()}`
    const dispatcher = spawn({ PAYLINKS_DATABASE: database, PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "20" })
    try {
      await until(() => dispatcher.output.stdout.includes("polling every"), "the polling line")
      const lines = dispatcher.output.stdout.trimEnd().split("\n")
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
      expect(lines.map((line) => JSON.parse(line))).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            level: "info",
            msg: "dispatcher",
            message: expect.stringContaining("paylinks dispatcher (")
          }),
          expect.objectContaining({
            level: "info",
            msg: "dispatcher",
            message: expect.stringContaining("polling every 20 ms")
          })
        ])
      )
      for (const line of lines) expect(JSON.parse(line).time).toMatch(/^\d{4}-\d\d-\d\dT/)
    } finally {
      dispatcher.child.kill("SIGTERM")
      await dispatcher.exited
    }

    // At warn, a dispatcher with nothing to report says nothing: it opened (and migrated) its database and
    // polled, without a line.
    const fresh = tempDatabase()
    const quiet = spawn({
      PAYLINKS_DATABASE: `sqlite:${fresh}`,
      PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "20",
      PAYLINKS_LOG_LEVEL: "warn"
    })
    await until(() => Fs.existsSync(fresh), "the database")
    await new Promise((resolve) => setTimeout(resolve, 500))
    quiet.child.kill("SIGTERM")
    expect(await quiet.exited).toEqual({ code: 0, signal: null })
    expect(quiet.output).toEqual({ stdout: "", stderr: "" })

    const loud = spawn({ PAYLINKS_LOG_LEVEL: "loud" })
    expect((await loud.exited).code).toBe(2)
    expect(loud.output.stderr).toContain(
      "paylinks-dispatcher: PAYLINKS_LOG_LEVEL must be one of debug, info, warn, error"
    )
  })

  it("a bad setting exits 2 and names it; an unusable database exits 1", async () => {
    const bad = spawn({ PAYLINKS_WEBHOOK_TIMEOUT_MS: "soon" })
    expect((await bad.exited).code).toBe(2)
    expect(bad.output.stderr).toContain("paylinks-dispatcher: PAYLINKS_WEBHOOK_TIMEOUT_MS must be")
    const unusable = spawn({ PAYLINKS_DATABASE: "mysql://db/paylinks" })
    expect((await unusable.exited).code).toBe(1)
    expect(unusable.output.stderr).toContain("paylinks-dispatcher: Unsupported database URL")
  })
})
