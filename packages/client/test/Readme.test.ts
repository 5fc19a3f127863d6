/**
 * The README's examples are `test/readme/*.ts` word for word: the type-check compiles them, and this
 * suite runs them against a real server and checks what they print.
 */
import * as Fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { startServer, type TestServer } from "./server.js"

const README = Fs.readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = (name: string) => Fs.readFileSync(new URL(`./readme/${name}.ts`, import.meta.url), "utf8")
const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])

let server: TestServer

beforeAll(async () => {
  server = await startServer("rzp_test_ClientReadme0001", "client-readme-secret-0123456789")
  process.env.PAYLINKS_SERVER = server.url
  process.env.PAYLINKS_KEY_ID = server.keyId
  process.env.PAYLINKS_KEY_SECRET = server.keySecret
})

afterAll(async () => {
  delete process.env.PAYLINKS_SERVER
  delete process.env.PAYLINKS_KEY_ID
  delete process.env.PAYLINKS_KEY_SECRET
  await server?.stop()
})

/** What the example module prints with `console.log` while it runs, one string per call. */
const printed = async (load: () => Promise<unknown>): Promise<ReadonlyArray<string>> => {
  const lines: Array<string> = []
  const log = vi.spyOn(console, "log").mockImplementation((...args: ReadonlyArray<unknown>) => {
    lines.push(args.join(" "))
  })
  try {
    await load()
  } finally {
    log.mockRestore()
  }
  return lines
}

describe("the README", () => {
  it("shows exactly the examples that are compiled and run here", () => {
    expect(blocks).toEqual([example("promise"), example("payment-links"), example("effect")])
  })

  it("runs the Promise example: a link created, the issued ones counted, a refusal with its text", async () => {
    const lines = await printed(() => import("./readme/promise.js"))
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(new RegExp(`^inv_\\w{14} issued ${server.url}/i/\\w+$`))
    expect(lines[1]).toBe("1 issued")
    expect(lines[2]).toBe("refused: The amount must be at least INR 1.00")
  })

  it("runs the Payment Links example: a link created, found by its reference, cancelled; the reference taken", async () => {
    const lines = await printed(() => import("./readme/payment-links.js"))
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(new RegExp(`^plink_\\w{14} created ${server.url}/i/\\w+$`))
    expect(lines[1]).toBe("1 with reference order-43")
    expect(lines[2]).toBe("cancelled")
    expect(lines[3]).toBe("refused: payment link creation with reference ID already attempted")
  })

  it("runs the Effect example: a link created and cancelled, a second cancel refused", async () => {
    const lines = await printed(() => import("./readme/effect.js"))
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(new RegExp(`^inv_\\w{14} issued ${server.url}/i/\\w+$`))
    expect(lines[1]).toBe("cancelled")
    expect(lines[2]).toBe("refused: Operation not allowed for Invoice in cancelled status.")
  })
})
