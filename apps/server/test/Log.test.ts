/**
 * The built server's log as an operator reads it: every line on stdout and stderr is one JSON object
 * in the request log's shape (start-up, requests, the dispatcher, shutdown), and `PAYLINKS_LOG_LEVEL`
 * drops the less severe ones. Needs `dist/` (turbo builds before testing).
 */
import * as Net from "node:net"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { basic, call } from "@paylinks/testing/HttpCall"
import { tempDir } from "./helpers.js"
import { killSpawned, listeningUrl, spawnServer } from "./serverProcess.js"

afterEach(killSpawned)

const KEY = { PAYLINKS_KEY_ID: "rzp_test_LogLevelKey0001", PAYLINKS_KEY_SECRET: "log-level-secret" }
const auth = basic(KEY.PAYLINKS_KEY_ID, KEY.PAYLINKS_KEY_SECRET)

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = Net.createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as Net.AddressInfo
      probe.close(() => resolve(port))
    })
  })

const parsed = (text: string): Array<Record<string, unknown>> =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const value = JSON.parse(line) as Record<string, unknown>
      expect(value, line).toEqual(
        expect.objectContaining({
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          level: expect.stringMatching(/^(debug|info|warn|error)$/),
          msg: expect.any(String)
        })
      )
      return value
    })

describe("the server's log", () => {
  it("is JSON lines only, start-up to shutdown", async () => {
    const server = spawnServer(tempDir(), {}, ["--port", "0"])
    const url = await listeningUrl(server)
    const secret = /key_secret:\s+(\S+)/.exec(server.stdout())?.[1]
    const keyId = /key_id:\s+(\S+)/.exec(server.stdout())?.[1]
    expect((await call(url, "GET", "/v1/invoices", { auth: basic(keyId!, secret!) })).status).toBe(200)
    // The dispatcher starts once the server listens.
    const deadline = Date.now() + 30_000
    while (!server.stdout().includes("polling every") && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    server.child.kill("SIGTERM")
    expect(await server.exited).toEqual({ code: 0, signal: null })
    const lines = parsed(server.stdout())
    expect(parsed(server.stderr())).toEqual([])
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["credentials", "startup", "listening", "dispatcher", "request", "shutdown"])
    )
    expect(lines.find((line) => line.msg === "listening")).toMatchObject({ level: "info", url })
    expect(lines.find((line) => line.msg === "credentials")).toMatchObject({ key_id: keyId })
    expect(lines.at(-1)).toMatchObject({ msg: "shutdown" })
  })

  it("at PAYLINKS_LOG_LEVEL=warn drops the request and start-up lines; an unknown level exits 2", async () => {
    const port = await freePort()
    const server = spawnServer(tempDir(), { ...KEY, PAYLINKS_LOG_LEVEL: "warn" }, ["--port", String(port)])
    const url = `http://127.0.0.1:${port}`
    // No listening line at warn: the server is up once it answers.
    const deadline = Date.now() + 30_000
    for (;;) {
      const up = await fetch(`${url}/healthz`).then(
        (response) => response.status === 200,
        () => false
      )
      if (up) break
      if (Date.now() > deadline || server.child.exitCode !== null) throw new Error(`not up: ${server.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect((await call(url, "GET", "/v1/invoices", { auth })).status).toBe(200)
    expect((await call(url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 100 } })).status).toBe(200)
    server.child.kill("SIGTERM")
    expect(await server.exited).toEqual({ code: 0, signal: null })
    // What is left: the last line, written at every level.
    expect(parsed(server.stdout()).map((line) => line.msg)).toEqual(["shutdown"])
    expect(server.stderr()).toBe("")

    const loud = spawnServer(tempDir(), { PAYLINKS_LOG_LEVEL: "loud" }, ["--port", "0"])
    expect((await loud.exited).code).toBe(2)
    expect(loud.stderr()).toContain("paylinks: PAYLINKS_LOG_LEVEL must be one of debug, info, warn, error")
  })
})
