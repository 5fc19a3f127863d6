/**
 * `paylinks inbox`, in both modes on one real SQLite file: the real server's
 * dispatcher puts the customer messages of links created through the CLI into the sandbox inbox;
 * local mode reads them through core's `Inbox`, remote mode through `GET /v1/sandbox/inbox`, and both
 * must print the same thing.
 */
import * as Fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Env, eventually, ok, paylinks, startDelivering, type TestServer } from "./support.js"

const KEY_ID = "rzp_test_CliInboxTests001"
const KEY_SECRET = "cli-inbox-secret-0123456789"

let dir: string
let server: TestServer
let local: Env
let remote: Env

beforeAll(async () => {
  const started = await startDelivering("inbox", KEY_ID, KEY_SECRET)
  dir = started.dir
  server = started.server
  local = { PAYLINKS_DATABASE: started.database, PAYLINKS_KEY_ID: KEY_ID }
  remote = { PAYLINKS_SERVER: server.url, PAYLINKS_KEY_ID: KEY_ID, PAYLINKS_KEY_SECRET: KEY_SECRET }
})

afterAll(async () => {
  expect(await server?.stop()).toBe(0)
  Fs.rmSync(dir, { recursive: true, force: true })
})

type Json = Record<string, any>

const inbox = async (env: Env, args: ReadonlyArray<string>): Promise<Json> =>
  JSON.parse(await ok(["inbox", "--json", ...args], env))

/** A link sent to its customer by SMS and email, once the dispatcher has put both in the inbox. */
const notifiedLink = async (description: string): Promise<Json> => {
  const link = JSON.parse(
    await ok(
      [
        "links",
        "create",
        "--json",
        "--amount",
        "50000",
        "--description",
        description,
        "--customer-email",
        "asha@example.com",
        "--customer-contact",
        "+919900000001"
      ],
      remote
    )
  )
  await eventually(`both messages about ${link.id}`, async () => {
    const found = await inbox(local, ["--link", link.id])
    return found.count === 2 ? found : undefined
  })
  return link
}

describe("paylinks inbox", () => {
  it("shows the SMS and the email a customer got, the same in both modes", async () => {
    const link = await notifiedLink("Inbox teapot")
    const messages = await inbox(local, ["--link", link.id])
    expect(await inbox(remote, ["--link", link.id])).toEqual(messages)
    expect(messages.entity).toBe("collection")
    const sms = messages.items.find((item: Json) => item.channel === "sms")
    const email = messages.items.find((item: Json) => item.channel === "email")
    expect(sms).toMatchObject({ entity: "sandbox_message", invoice_id: link.id, to: "+919900000001", subject: null })
    expect(email).toMatchObject({ entity: "sandbox_message", invoice_id: link.id, to: "asha@example.com" })
    for (const message of [sms, email]) {
      expect(message.id).toMatch(/^msg_[0-9A-Za-z]{14}$/)
      expect(message.text).toContain(link.short_url)
      expect(message.text).toContain("INR 500.00")
      expect(message.text).toContain("Inbox teapot")
    }
    expect(email.subject).toContain("INR 500.00")

    const human = await ok(["inbox", "--link", link.id], local)
    expect(await ok(["inbox", "--link", link.id], remote)).toBe(human)
    expect(human).toMatch(new RegExp(`^id\\s+${sms.id}$`, "m"))
    expect(human).toMatch(/^channel\s+sms$/m)
    expect(human).toMatch(/^to\s+\+919900000001$/m)
    expect(human).toMatch(new RegExp(`^link\\s+${link.id}$`, "m"))
    expect(human).toMatch(/^sent_at\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m)
    expect(human).toMatch(/^subject\s+.*INR 500\.00/m)
    // The text itself, every line indented under its message.
    for (const line of sms.text.split("\n")) expect(human).toContain(`    ${line}`.trimEnd())
  })

  it("filters by channel and link, and counts newest first, the same in both modes; a resend adds a message", async () => {
    const link = await notifiedLink("Inbox filters")
    for (const env of [local, remote]) {
      const sms = await inbox(env, ["--link", link.id, "--channel", "sms"])
      expect(sms.items.map((item: Json) => item.channel)).toEqual(["sms"])
      const email = await inbox(env, ["--link", link.id, "--channel", "email"])
      expect(email.items.map((item: Json) => item.channel)).toEqual(["email"])
      const newest = await inbox(env, ["--count", "1"])
      expect(newest.count).toBe(1)
    }
    expect(await inbox(remote, ["--count", "1"])).toEqual(await inbox(local, ["--count", "1"]))

    await ok(["links", "notify", link.id, "--medium", "sms"], local)
    const resent = await eventually("the resent SMS", async () => {
      const found = await inbox(remote, ["--link", link.id, "--channel", "sms"])
      return found.count === 2 ? found : undefined
    })
    expect(resent.items[0].created_at).toBeGreaterThanOrEqual(resent.items[1].created_at)
    expect(await ok(["inbox", "--link", "inv_00000000000000"], local)).toBe("No messages.\n")
    expect(await ok(["inbox", "--link", "inv_00000000000000"], remote)).toBe("No messages.\n")
  })

  it("refuses what the API refuses, with its text, in both modes; a live key or an unknown channel is a usage error", async () => {
    for (const env of [local, remote]) {
      expect(await paylinks(["inbox", "--count", "0"], env)).toMatchObject({
        code: 1,
        stdout: "",
        stderr: "The count must be at least 1.\n"
      })
      expect(await paylinks(["inbox", "--count", "101"], env)).toMatchObject({
        code: 1,
        stderr: "The count may not be greater than 100.\n"
      })
      expect((await paylinks(["inbox", "--channel", "fax"], env)).code).toBe(2)
    }
    const live = JSON.parse(
      await ok(["keys", "create", "--mode", "live", "--json"], { PAYLINKS_DATABASE: local.PAYLINKS_DATABASE! })
    )
    for (const env of [
      { ...local, PAYLINKS_KEY_ID: live.key_id },
      { ...remote, PAYLINKS_KEY_ID: live.key_id, PAYLINKS_KEY_SECRET: live.key_secret }
    ])
      expect(await paylinks(["inbox"], env)).toMatchObject({
        code: 2,
        stderr: "The sandbox inbox holds test mode's messages: it needs a test-mode key (rzp_test_…).\n"
      })
  })
})
