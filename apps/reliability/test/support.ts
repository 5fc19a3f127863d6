/**
 * Test plumbing shared by the suites: temporary directories, the loud skip of PostgreSQL suites, a
 * webhook receiver on loopback, and the check that no secret appears in a text.
 */
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll } from "@effect/vitest"
import * as TempDir from "@paylinks/testing/TempDir"
import * as Processes from "../src/Processes.js"

// After each file (its suites' own hooks have stopped their servers and unmounted what they mounted):
// whatever is still running goes, then the directories.
afterAll(async () => {
  Processes.killAll()
  await Processes.sleep(100)
  TempDir.removeAll()
})

/** A fresh temporary directory, removed after the file (or when the process exits). */
export const tempDir = (prefix = "rel"): string => TempDir.tempDir(prefix)

export { pgUrl, requirePg } from "@paylinks/testing/Postgres"

/** A stable base64 master key for PostgreSQL servers. */
export const MASTER_KEY = Buffer.alloc(32, 23).toString("base64")

export const randomSecret = (): string => Crypto.randomBytes(18).toString("base64url")

export interface Received {
  readonly path: string
  readonly eventId: string
  readonly event: string
  readonly signatureValid: boolean
}

export interface Receiver {
  readonly url: string
  readonly received: Array<Received>
  /** The secret each path's deliveries are signed with. */
  readonly secrets: Map<string, string>
  readonly close: () => Promise<void>
}

/** An HTTP server on 127.0.0.1 that answers every webhook with 200 and keeps what it got. */
export const webhookReceiver = async (): Promise<Receiver> => {
  const received: Array<Received> = []
  const secrets = new Map<string, string>()
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const raw = Buffer.concat(chunks)
      const path = req.url ?? ""
      const secret = secrets.get(path)
      const expected = secret === undefined ? "" : Crypto.createHmac("sha256", secret).update(raw).digest("hex")
      let event = ""
      try {
        event = String(JSON.parse(raw.toString("utf8")).event)
      } catch {}
      received.push({
        path,
        eventId: String(req.headers["x-razorpay-event-id"] ?? ""),
        event,
        signatureValid: expected !== "" && req.headers["x-razorpay-signature"] === expected
      })
      res.writeHead(200, { "content-type": "text/plain" })
      res.end("ok")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    secrets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** The secrets (by name) that occur in `text`, also base64- or hex-encoded. */
export const leakedSecrets = (text: string, secrets: Readonly<Record<string, string>>): ReadonlyArray<string> =>
  Object.entries(secrets)
    .filter(([, secret]) =>
      [secret, Buffer.from(secret).toString("base64"), Buffer.from(secret).toString("hex")].some((form) =>
        text.includes(form)
      )
    )
    .map(([name]) => name)

/**
 * The server's environment for tests that compare the database before and after a request: no
 * dispatcher in the server process, whose background work (claiming outbox entries, confirming
 * notifications) would change tables between any two reads.
 */
export const QUIET = { PAYLINKS_DISPATCHER: "off" } as const
