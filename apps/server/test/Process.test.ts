/**
 * The built server as an operator runs it (`node apps/server/dist/main.js`), spawned as a child
 * process: startup output, credentials across restarts, configuration errors, and graceful shutdown
 * with requests in flight. Needs `dist/` (turbo builds before testing).
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { basic, call } from "@paylinks/testing/HttpCall"
import { pgUrl, requirePg, TEST_MASTER_KEY, tempDir } from "./helpers.js"
import { killSpawned, listeningUrl, type Spawned, spawnServer } from "./serverProcess.js"

interface Child extends Spawned {
  readonly url: string
  readonly port: number
}

afterEach(killSpawned)

/** Starts the server and waits until it says where it listens. */
const start = async (cwd: string, env: Record<string, string> = {}, args: ReadonlyArray<string> = []) => {
  const spawned = spawnServer(cwd, env, ["--port", "0", ...args])
  const url = await listeningUrl(spawned)
  return { ...spawned, url, port: Number(new URL(url).port) } satisfies Child
}

const stop = async (server: Child, signal: NodeJS.Signals = "SIGTERM") => {
  server.child.kill(signal)
  return server.exited
}

const keyPairIn = (stdout: string) => {
  const keyId = /key_id:\s+(\S+)/.exec(stdout)?.[1]
  const secret = /key_secret:\s+(\S+)/.exec(stdout)?.[1]
  return keyId === undefined || secret === undefined ? undefined : { keyId, secret }
}

/** Resolves once nothing accepts connections on the port any more (bounded). */
const untilRefused = async (port: number) => {
  const deadline = Date.now() + 15_000
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = Net.connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        resolve(false)
      })
      socket.once("error", () => resolve(true))
    })
    if (refused) return
    if (Date.now() > deadline) throw new Error("the server kept accepting connections")
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * A POST whose headers have reached the server (it answered `100 Continue`) but whose body has not
 * been sent yet: a request in flight. `send` sends the body and resolves with the raw response.
 */
const requestInFlight = async (port: number, auth: string, body: string) => {
  const socket = Net.connect(port, "127.0.0.1")
  let received = ""
  socket.on("data", (chunk) => {
    received += chunk.toString()
  })
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve)
    socket.once("error", reject)
  })
  socket.write(
    `POST /v1/invoices HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`
  )
  const deadline = Date.now() + 15_000
  while (!received.includes("100 Continue")) {
    if (Date.now() > deadline) throw new Error(`no 100 Continue: ${received}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return {
    send: async () => {
      socket.write(body)
      await closed
      const final = received.slice(received.lastIndexOf("HTTP/1.1 "))
      const status = Number(final.slice(9, 12))
      return { status, body: JSON.parse(final.slice(final.indexOf("\r\n\r\n") + 4)), raw: received }
    }
  }
}

describe("the server process", () => {
  it("on a fresh database prints its URL and a test key pair once; the pair works across restarts", async () => {
    const dir = tempDir()
    const first = await start(dir)
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const pair = keyPairIn(first.stdout())
    expect(pair?.keyId).toMatch(/^rzp_test_[0-9A-Za-z]{14}$/)
    expect(pair!.secret.length).toBeGreaterThanOrEqual(24)
    expect(Fs.existsSync(Path.join(dir, "paylinks.db"))).toBe(true)
    const auth = basic(pair!.keyId, pair!.secret)
    const created = await call(first.url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 1000 } })
    expect(created.status).toBe(200)
    expect(created.json.short_url.startsWith(`${first.url}/i/`)).toBe(true)
    expect(await stop(first)).toEqual({ code: 0, signal: null })
    // The request log is JSON lines, and the secret appears once: where the key pair was printed.
    expect(first.stdout()).toContain('"path":"/v1/invoices","status":200')
    expect(first.stdout().split(pair!.secret)).toHaveLength(2)

    const second = await start(dir)
    expect(keyPairIn(second.stdout())).toBeUndefined()
    const fetched = await call(second.url, "GET", `/v1/invoices/${created.json.id}`, { auth })
    expect(fetched.status).toBe(200)
    expect(fetched.json.id).toBe(created.json.id)
    expect(await stop(second, "SIGINT")).toEqual({ code: 0, signal: null })
  })

  it("seeds PAYLINKS_KEY_ID/PAYLINKS_KEY_SECRET, idempotently across restarts, and honours PAYLINKS_PUBLIC_URL", async () => {
    const dir = tempDir()
    const env = {
      PAYLINKS_KEY_ID: "rzp_test_Seeded0000001",
      PAYLINKS_KEY_SECRET: "seeded secret",
      PAYLINKS_DATABASE: `sqlite:${Path.join(dir, "data", "links.db")}`,
      PAYLINKS_PUBLIC_URL: "https://pay.example.com"
    }
    const auth = basic(env.PAYLINKS_KEY_ID, env.PAYLINKS_KEY_SECRET)
    const first = await start(dir, env)
    expect(keyPairIn(first.stdout())).toBeUndefined()
    const created = await call(first.url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 1000 } })
    expect(created.json.short_url).toMatch(/^https:\/\/pay\.example\.com\/i\/[0-9A-Za-z]{8}$/)
    await stop(first)
    const second = await start(dir, env)
    // The same pair opens the same merchant: its link is there.
    const fetched = await call(second.url, "GET", `/v1/invoices/${created.json.id}`, { auth })
    expect(fetched.status).toBe(200)
    await stop(second)
    expect(Fs.existsSync(Path.join(dir, "data", "links.db"))).toBe(true)
  })

  it("a key pair configured after a first start opens the merchant that start created, with its links", async () => {
    const dir = tempDir()
    const first = await start(dir)
    const pair = keyPairIn(first.stdout())!
    const created = await call(first.url, "POST", "/v1/invoices", {
      auth: basic(pair.keyId, pair.secret),
      body: { type: "link", amount: 1000 }
    })
    expect(created.status).toBe(200)
    await stop(first)
    const env = { PAYLINKS_KEY_ID: "rzp_test_AppCredential01", PAYLINKS_KEY_SECRET: "app secret" }
    const second = await start(dir, env)
    const auth = basic(env.PAYLINKS_KEY_ID, env.PAYLINKS_KEY_SECRET)
    const fetched = await call(second.url, "GET", `/v1/invoices/${created.json.id}`, { auth })
    expect(fetched.status).toBe(200)
    expect(fetched.json.id).toBe(created.json.id)
    // The generated pair still works too: one merchant, two keys.
    const listed = await call(second.url, "GET", "/v1/invoices", { auth: basic(pair.keyId, pair.secret) })
    expect(listed.json.count).toBe(1)
    await stop(second)
  })

  it("requests in flight at SIGTERM complete with 200, then it exits 0 and the work is stored", async () => {
    const dir = tempDir()
    const server = await start(dir, { PAYLINKS_KEY_ID: "rzp_test_Shutdown00001", PAYLINKS_KEY_SECRET: "s" })
    const auth = basic("rzp_test_Shutdown00001", "s")
    // An idle keep-alive connection must not hold the shutdown up.
    const idle = Net.connect(server.port, "127.0.0.1")
    await new Promise((resolve) => idle.once("connect", resolve))
    const inFlight = await Promise.all([
      requestInFlight(server.port, auth, '{"type":"link","amount":1000,"receipt":"in-flight-1"}'),
      requestInFlight(server.port, auth, '{"type":"link","amount":2000,"receipt":"in-flight-2"}')
    ])
    server.child.kill("SIGTERM")
    // It stops accepting first...
    await untilRefused(server.port)
    // ...and still answers what it had begun.
    const answers = await Promise.all(inFlight.map((request) => request.send()))
    for (const answer of answers) {
      expect(answer.status, answer.raw).toBe(200)
      expect(answer.body.status).toBe("issued")
    }
    expect(await server.exited).toEqual({ code: 0, signal: null })
    idle.destroy()

    const again = await start(dir, { PAYLINKS_KEY_ID: "rzp_test_Shutdown00001", PAYLINKS_KEY_SECRET: "s" })
    for (const answer of answers) {
      const stored = await call(again.url, "GET", `/v1/invoices/${answer.body.id}`, { auth })
      expect(stored.json).toEqual(answer.body)
    }
    await stop(again)
  })

  it("refuses a bad configuration with a clear message and a non-zero exit", async () => {
    const dir = tempDir()
    const badPort = spawnServer(dir, { PAYLINKS_PORT: "eighty" })
    expect((await badPort.exited).code).toBe(2)
    expect(badPort.stderr()).toContain("port number")
    const badUrl = spawnServer(dir, { PAYLINKS_DATABASE: "mysql://db/paylinks" })
    expect((await badUrl.exited).code).toBe(1)
    expect(badUrl.stderr()).toContain("sqlite:")
    const running = await start(dir)
    const busy = spawnServer(dir, {}, ["--port", String(running.port)])
    expect((await busy.exited).code).toBe(1)
    expect(busy.stderr()).toContain("EADDRINUSE")
    await stop(running)
    const help = spawnServer(dir, {}, ["--help"])
    expect((await help.exited).code).toBe(0)
    expect(help.stdout()).toContain("PAYLINKS_DATABASE")
  })

  const pg = requirePg("apps/server/test/Process.test.ts")
  it.skipIf(!pg)("runs on PostgreSQL with a postgres:// URL", async () => {
    const dir = tempDir()
    // A database of its own: its tables are created by the server's migrations.
    const name = `paylinks_proc_${Date.now()}`
    const { adminQuery } = await import("./pg.js")
    await adminQuery(`CREATE DATABASE ${name}`)
    try {
      const url = new URL(pgUrl!)
      url.pathname = `/${name}`
      const env = {
        PAYLINKS_DATABASE: url.toString(),
        PAYLINKS_MASTER_KEY: TEST_MASTER_KEY,
        PAYLINKS_KEY_ID: "rzp_live_PgMerchant0001",
        PAYLINKS_KEY_SECRET: "pg-secret"
      }
      const server = await start(dir, env)
      const auth = basic(env.PAYLINKS_KEY_ID, env.PAYLINKS_KEY_SECRET)
      const ready = await call(server.url, "GET", "/readyz")
      expect(ready.json).toEqual({ status: "ok" })
      const created = await call(server.url, "POST", "/v1/invoices", { auth, body: { type: "link", amount: 1000 } })
      expect(created.status).toBe(200)
      const cancelled = await call(server.url, "POST", `/v1/invoices/${created.json.id}/cancel`, { auth })
      expect(cancelled.json.status).toBe("cancelled")
      expect(await stop(server)).toEqual({ code: 0, signal: null })
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })
})
