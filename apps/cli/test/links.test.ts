/**
 * Every `links` command in both modes against one real SQLite database: local mode opens the file,
 * remote mode talks to a real server process serving the same file as the same merchant. So both modes
 * see the same links, and the same command must print the same thing. The commands run in this
 * process; exit codes and the environment's keys are checked on the real binary.
 */
import * as Fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ENTITY_KEYS } from "@paylinks/testing/EntityShape"
import { type Env, type Mode, ok, paylinks, paylinksProcess, startBothModes, type TestServer } from "./support.js"

const KEY_ID = "rzp_test_CliLinksTests01"
const KEY_SECRET = "cli-links-secret-0123456789"

let dir: string
let server: TestServer
let envs: Record<Mode, Env>

beforeAll(async () => {
  ;({ dir, server, envs } = await startBothModes("links", KEY_ID, KEY_SECRET))
})

afterAll(async () => {
  expect(await server?.stop()).toBe(0)
  Fs.rmSync(dir, { recursive: true, force: true })
})

type Entity = Record<string, any>

const createJson = async (env: Env, args: ReadonlyArray<string>): Promise<Entity> =>
  JSON.parse(await ok(["links", "create", "--json", ...args], env))

const listIds = async (env: Env, args: ReadonlyArray<string>): Promise<Array<string>> => {
  const page = JSON.parse(await ok(["links", "list", "--json", ...args], env))
  expect(page.entity).toBe("collection")
  expect(page.count).toBe(page.items.length)
  return page.items.map((item: Entity) => item.id)
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`

describe.each(["local", "remote"] as const)("links commands, %s mode", (mode) => {
  const env = () => envs[mode]

  it("create prints the link as a table, and the wire entity with every key in order with --json", async () => {
    const human = await ok(["links", "create", "--amount", "50000", "--description", "Tea for two"], env())
    expect(human).toMatch(/^id\s+inv_[0-9A-Za-z]{14}$/m)
    expect(human).toMatch(/^status\s+issued$/m)
    expect(human).toMatch(/^amount\s+INR 500\.00$/m)
    expect(human).toMatch(/^amount_due\s+INR 500\.00$/m)
    expect(human).toMatch(/^description\s+Tea for two$/m)
    expect(human).toMatch(new RegExp(`^short_url\\s+${server.url.replace(/[.]/g, "\\.")}/i/[0-9A-Za-z]{8}$`, "m"))

    const entity = await createJson(env(), ["--amount", "50000"])
    expect(Object.keys(entity)).toEqual(ENTITY_KEYS)
    expect(entity).toMatchObject({ entity: "invoice", status: "issued", amount: 50000, currency: "INR", type: "link" })
  })

  it("create takes every create field of the API as a flag", async () => {
    const receipt = unique("all")
    const expireBy = Math.floor(Date.now() / 1000) + 7 * 24 * 3600
    const entity = await createJson(env(), [
      "--amount",
      "150000",
      "--currency",
      "INR",
      "--description",
      "Every field",
      "--receipt",
      receipt,
      "--customer-name",
      "Asha Rao",
      "--customer-email",
      "asha@example.com",
      "--customer-contact",
      "+919900000001",
      "--expire-by",
      String(expireBy),
      "--partial-payment",
      "--first-payment-min-amount",
      "50000",
      "--no-sms-notify",
      "--email-notify",
      "--no-view-less",
      "--note",
      "order=42",
      "--note",
      "query=a=b",
      "--reminder-enable",
      "--callback-url",
      "https://shop.example.com/paid",
      "--callback-method",
      "get"
    ])
    expect(entity).toMatchObject({
      amount: 150000,
      currency: "INR",
      description: "Every field",
      receipt,
      customer: { name: "Asha Rao", email: "asha@example.com", contact: "+919900000001" },
      expire_by: expireBy,
      partial_payment: true,
      first_payment_min_amount: 50000,
      sms_status: null,
      email_status: "pending",
      view_less: false,
      notes: { order: "42", query: "a=b" },
      reminder_enable: true
    })
    expect(entity.customer_id).toMatch(/^cust_/)

    const again = await createJson(env(), ["--amount", "1000", "--customer-id", entity.customer_id])
    expect(again.customer).toEqual(entity.customer)
  })

  it("create refuses with exit 1 and exactly the API's text; a bad command line exits 2", async () => {
    const small = await paylinksProcess(["links", "create", "--amount", "50"], env())
    expect(small).toMatchObject({ code: 1, stdout: "", stderr: "The amount must be at least INR 1.00\n" })

    const email = await paylinksProcess(["links", "create", "--amount", "5000", "--customer-email", "nope"], env())
    expect(email).toMatchObject({ code: 1, stderr: "The email must be a valid email address.\n" })

    const soon = Math.floor(Date.now() / 1000) + 60
    const expiry = await paylinksProcess(["links", "create", "--amount", "5000", "--expire-by", String(soon)], env())
    expect(expiry).toMatchObject({ code: 1, stderr: "expire_by should be at least 15 minutes after current time.\n" })

    const missing = await paylinksProcess(["links", "create"], env())
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("--amount")

    const notInteger = await paylinksProcess(["links", "create", "--amount", "ten"], env())
    expect(notInteger.code).toBe(2)

    const both = await paylinksProcess(["links", "create", "--amount", "5000", "--view-less", "--no-view-less"], env())
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("Give --view-less or --no-view-less, not both.")
  })

  it("get shows one link; a malformed or unknown id exits 1 with the API's text", async () => {
    const created = await createJson(env(), ["--amount", "2500", "--receipt", unique("get")])
    const shown = await ok(["links", "get", created.id], env())
    expect(shown).toMatch(new RegExp(`^id\\s+${created.id}$`, "m"))
    expect(shown).toMatch(/^amount\s+INR 25\.00$/m)
    expect(JSON.parse(await ok(["links", "get", created.id, "--json"], env()))).toEqual(created)

    expect(await paylinks(["links", "get", "inv_abc"], env())).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "abc is not a valid id\n"
    })
    expect(await paylinks(["links", "get", "inv_0000000000000Z"], env())).toMatchObject({
      code: 1,
      stderr: "The id provided does not exist\n"
    })
  })

  it("list filters by every filter of the API", async () => {
    const receipt = unique("list")
    const a = await createJson(env(), ["--amount", "1000", "--receipt", receipt, "--customer-contact", "+919900000011"])
    const b = await createJson(env(), ["--amount", "2000", "--receipt", receipt])
    const c = await createJson(env(), ["--amount", "3000", "--receipt", receipt])
    await ok(["links", "cancel", b.id], env())
    // Payments are made on the database here; the server sees them as they are the same links.
    await ok(["links", "pay", c.id], envs.local)
    const paid = JSON.parse(await ok(["links", "get", c.id, "--json"], env()))

    expect((await listIds(env(), ["--receipt", receipt])).sort()).toEqual([a.id, b.id, c.id].sort())
    expect(await listIds(env(), ["--receipt", receipt, "--status", "cancelled"])).toEqual([b.id])
    expect(await listIds(env(), ["--receipt", receipt, "--status", "paid"])).toEqual([c.id])
    expect(await listIds(env(), ["--customer-id", a.customer_id])).toEqual([a.id])
    expect(await listIds(env(), ["--payment-id", paid.payment_id])).toEqual([c.id])
    expect((await listIds(env(), ["--receipt", receipt, "--type", "link"])).length).toBe(3)
    expect(await listIds(env(), ["--receipt", receipt, "--type", "ecod"])).toEqual([])
    expect((await listIds(env(), ["--receipt", receipt, "--from", String(a.created_at)])).length).toBe(3)
    expect(await listIds(env(), ["--receipt", receipt, "--to", String(a.created_at - 1)])).toEqual([])
    expect((await listIds(env(), ["--receipt", receipt, "--to", String(c.created_at)])).length).toBe(3)

    const first = await listIds(env(), ["--receipt", receipt, "--count", "2"])
    const rest = await listIds(env(), ["--receipt", receipt, "--count", "2", "--skip", "2"])
    expect(first.length).toBe(2)
    expect(rest.length).toBe(1)
    expect([...first, ...rest].sort()).toEqual([a.id, b.id, c.id].sort())

    const table = await ok(["links", "list", "--receipt", receipt, "--status", "cancelled"], env())
    const [header, row, ...others] = table.trimEnd().split("\n")
    expect(header).toMatch(/^ID\s+STATUS\s+AMOUNT\s+DUE\s+RECEIPT\s+CUSTOMER\s+CREATED\s+SHORT URL$/)
    expect(row).toMatch(new RegExp(`^${b.id}\\s+cancelled\\s+INR 20\\.00\\s+INR 20\\.00\\s+${receipt}\\s`))
    expect(others).toEqual([])
    expect(await ok(["links", "list", "--receipt", unique("none")], env())).toBe("No payment links.\n")

    expect(await paylinks(["links", "list", "--count", "101"], env())).toMatchObject({
      code: 1,
      stderr: "The count may not be greater than 100.\n"
    })
    expect((await paylinks(["links", "list", "--status", "lost"], env())).code).toBe(2)
  })

  it("cancel cancels an issued link; cancelling it again exits 1 with the API's text and changes nothing", async () => {
    const created = await createJson(env(), ["--amount", "5000"])
    const cancelled = await ok(["links", "cancel", created.id], env())
    expect(cancelled).toMatch(/^status\s+cancelled$/m)
    expect(cancelled).not.toMatch(/^cancelled_at\s+-$/m)
    const before = await ok(["links", "get", created.id, "--json"], env())

    expect(await paylinks(["links", "cancel", created.id], env())).toEqual({
      code: 1,
      stdout: "",
      stderr: "Operation not allowed for Invoice in cancelled status.\n"
    })
    expect(await ok(["links", "get", created.id, "--json"], env())).toBe(before)
  })

  it("update changes an issued link; a cancelled link takes notes only", async () => {
    const created = await createJson(env(), ["--amount", "5000", "--receipt", unique("upd")])
    const receipt = unique("upd2")
    const updated = JSON.parse(
      await ok(
        ["links", "update", created.id, "--receipt", receipt, "--note", "k=v", "--partial-payment", "--json"],
        env()
      )
    )
    expect(updated).toMatchObject({ id: created.id, receipt, notes: { k: "v" }, partial_payment: true })

    await ok(["links", "cancel", created.id], env())
    expect(await paylinks(["links", "update", created.id, "--receipt", "late"], env())).toMatchObject({
      code: 1,
      stderr: "Operation not allowed for Invoice in cancelled status.\n"
    })
    const noted = JSON.parse(await ok(["links", "update", created.id, "--note", "after=cancel", "--json"], env()))
    expect(noted.notes).toEqual({ after: "cancel" })
  })

  it("notify sends a link again by sms or email", async () => {
    const created = await createJson(env(), [
      "--amount",
      "5000",
      "--customer-contact",
      "+919900000002",
      "--customer-email",
      "n@example.com"
    ])
    expect(await ok(["links", "notify", created.id, "--medium", "sms"], env())).toBe(
      `${created.id} will be sent again by sms.\n`
    )
    expect(JSON.parse(await ok(["links", "notify", created.id, "--medium", "email", "--json"], env()))).toEqual({
      success: true
    })
    await ok(["links", "cancel", created.id], env())
    expect(await paylinks(["links", "notify", created.id, "--medium", "sms"], env())).toMatchObject({
      code: 1,
      stderr: "Operation not allowed for Invoice in cancelled status.\n"
    })
    expect((await paylinks(["links", "notify", created.id, "--medium", "fax"], env())).code).toBe(2)
  })

  it("pay makes sandbox payments: in parts, then in full; a paid link takes no more", async () => {
    const created = await createJson(env(), [
      "--amount",
      "10000",
      "--partial-payment",
      "--first-payment-min-amount",
      "2000"
    ])
    const part = JSON.parse(await ok(["links", "pay", created.id, "--amount", "4000", "--json"], env()))
    expect(part).toMatchObject({ status: "partially_paid", amount_paid: 4000, amount_due: 6000 })
    expect(part.payment_id).toMatch(/^pay_/)
    const rest = await ok(["links", "pay", created.id, "--method", "upi"], env())
    expect(rest).toMatch(/^status\s+paid$/m)
    expect(rest).toMatch(/^amount_due\s+INR 0\.00$/m)
    const more = await paylinks(["links", "pay", created.id], env())
    expect(more).toMatchObject({ code: 1, stderr: "Operation not allowed for Invoice in paid status.\n" })
  })
})

describe("one interface, two modes", () => {
  it("the same command prints the same output on the database and through the server", async () => {
    const receipt = unique("same")
    const created = await createJson(envs.local, [
      "--amount",
      "7700",
      "--receipt",
      receipt,
      "--customer-name",
      "Same",
      "--note",
      "a=1"
    ])
    for (const args of [
      ["links", "get", created.id],
      ["links", "get", created.id, "--json"],
      ["links", "list", "--receipt", receipt],
      ["links", "list", "--receipt", receipt, "--json"],
      ["links", "export", "--receipt", receipt, "--format", "csv"],
      ["links", "export", "--receipt", receipt, "--format", "json"]
    ]) {
      const local = await paylinks(args, envs.local)
      const remote = await paylinks(args, envs.remote)
      expect(local.code).toBe(0)
      expect(remote).toEqual(local)
    }
    for (const args of [
      ["links", "get", "inv_abc"],
      ["links", "cancel", "inv_0000000000000Z"],
      ["links", "create", "--amount", "1"]
    ]) {
      const local = await paylinks(args, envs.local)
      expect(local.code).toBe(1)
      expect(await paylinks(args, envs.remote)).toEqual(local)
    }

    // Commands that change a link: the same change made on two twin links prints the same, ids aside.
    const twin = () => createJson(envs.local, ["--amount", "7700", "--receipt", receipt])
    const mask = (text: string, link: Entity) =>
      text
        .replaceAll(link.id, "<id>")
        .replaceAll(link.short_url, "<url>")
        .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, "<time>")
    const [one, two] = [await twin(), await twin()]
    const local = await ok(["links", "cancel", one.id], envs.local)
    const remote = await ok(["links", "cancel", two.id], envs.remote)
    expect(mask(remote, two)).toBe(mask(local, one))
  })

  it("an idempotency key used on the database replays through the server, and the other way round", async () => {
    const key = unique("idem")
    const first = await createJson(envs.local, ["--amount", "4200", "--idempotency-key", key])
    expect(await createJson(envs.remote, ["--amount", "4200", "--idempotency-key", key])).toEqual(first)
    expect(
      await paylinks(["links", "create", "--amount", "4300", "--idempotency-key", key], envs.remote)
    ).toMatchObject({
      code: 1,
      stderr: "Idempotency key already used with a different request\n"
    })

    const other = unique("idem")
    const viaServer = await createJson(envs.remote, ["--amount", "4400", "--idempotency-key", other])
    expect(await createJson(envs.local, ["--amount", "4400", "--idempotency-key", other])).toEqual(viaServer)
  })

  it("local mode checks a given secret; remote mode needs the key pair", async () => {
    expect(await paylinksProcess(["links", "list"], { ...envs.local, PAYLINKS_KEY_SECRET: "wrong" })).toMatchObject({
      code: 1,
      stderr: "The api secret provided is invalid\n"
    })
    expect(
      await paylinksProcess(["links", "list"], { ...envs.local, PAYLINKS_KEY_ID: "rzp_test_Unknown00000001" })
    ).toMatchObject({
      code: 1,
      stderr: "The api key provided is invalid\n"
    })
    expect(await paylinksProcess(["links", "list"], { ...envs.remote, PAYLINKS_KEY_SECRET: "wrong" })).toMatchObject({
      code: 1,
      stderr: "The api secret provided is invalid\n"
    })
    const { PAYLINKS_KEY_SECRET: _, ...withoutSecret } = envs.remote
    const missing = await paylinksProcess(["links", "list"], withoutSecret)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("--key-secret")
  })

  it("a server that cannot be reached is an error of the environment (exit 1), not a refusal", async () => {
    const result = await paylinksProcess(["links", "list"], { ...envs.remote, PAYLINKS_SERVER: "http://127.0.0.1:9" })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Cannot reach the paylinks server at http://127.0.0.1:9")
  })
})
