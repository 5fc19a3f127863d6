/**
 * A real paylinks server for the tests: `apps/server/dist/main.js` in its own process, on a fresh
 * SQLite file in a temp dir, on a free port of 127.0.0.1, with a seeded test key pair.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const SERVER_MAIN = fileURLToPath(new URL("../../../apps/server/dist/main.js", import.meta.url))

export interface TestServer {
  readonly url: string
  readonly keyId: string
  readonly keySecret: string
  readonly dir: string
  readonly stop: () => Promise<void>
}

/** The server's outbox polled often, so the sandbox inbox has a link's messages soon after it is sent. */
export const DELIVERING: Readonly<Record<string, string>> = { PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "50" }

export const startServer = async (
  keyId = "rzp_test_ClientTests0001",
  keySecret = "client-tests-secret-0123456789",
  env: Readonly<Record<string, string>> = {}
): Promise<TestServer> => {
  if (!Fs.existsSync(SERVER_MAIN))
    throw new Error(
      `${SERVER_MAIN} does not exist: build the server first (npx turbo run build --filter=@paylinks/server)`
    )
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "paylinks-client-"))
  const child: ChildProcess = spawn(process.execPath, [SERVER_MAIN], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      PAYLINKS_DATABASE: `sqlite:${Path.join(dir, "paylinks.db")}`,
      PAYLINKS_HOST: "127.0.0.1",
      PAYLINKS_PORT: "0",
      PAYLINKS_KEY_ID: keyId,
      PAYLINKS_KEY_SECRET: keySecret,
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match !== null) resolve(match[1]!)
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)))
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once("exit", () => {
        Fs.rmSync(dir, { recursive: true, force: true })
        resolve()
      })
      child.kill("SIGTERM")
    })
  return { url, keyId, keySecret, dir, stop }
}
