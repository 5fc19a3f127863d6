/**
 * `paylinks payment-links …` (the `/v1/payment_links` contract) in both modes against one real SQLite database
 * and a real server on it, and its CSV import and export. `--json` prints the wire entity byte for byte as the
 * server answers it (pretty-printed); refusals print Razorpay's texts for this API with exit 1.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { type Env, type Mode, ok, paylinks, startBothModes, type TestServer } from "./support.js"

const KEY_ID = "rzp_test_CliPlinkTests01"
const KEY_SECRET = "cli-plink-secret-0123456789"

let dir: string
let server: TestServer
let envs: Record<Mode, Env>

beforeAll(async () => {
  ;({ dir, server, envs } = await startBothModes("payment-links", KEY_ID, KEY_SECRET))
})

afterAll(async () => {
  expect(await server?.stop()).toBe(0)
  Fs.rmSync(dir, { recursive: true, force: true })
})

type Entity = Record<string, any>

/** What the server answers to `GET path`, as its exact text. */
const wire = async (path: string): Promise<string> => {
  const response = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString("base64")}` }
  })
  expect(response.status).toBe(200)
  return response.text()
}

const json = async (args: ReadonlyArray<string>, env: Env): Promise<Entity> =>
  JSON.parse(await ok(["payment-links", ...args, "--json"], env))

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`

describe.each(["local", "remote"] as const)("payment-links commands, %s mode", (mode) => {
  const env = () => envs[mode]

  it("creates with the v2 flags, prints the wire entity with --json, and a table otherwise", async () => {
    const reference = unique(mode)
    const expireBy = Math.floor(Date.now() / 1000) + 7 * 24 * 3600
    const created = await ok(
      [
        "payment-links",
        "create",
        "--json",
        "--amount",
        "150000",
        "--currency",
        "INR",
        "--accept-partial",
        "--first-min-partial-amount",
        "50000",
        "--expire-by",
        String(expireBy),
        "--reference-id",
        reference,
        "--description",
        "Every field",
        "--customer-name",
        "Asha Rao",
        "--customer-email",
        "asha@example.com",
        "--customer-contact",
        "+919900000001",
        "--notify-sms",
        "--no-notify-email",
        "--reminder-enable",
        "--note",
        "order=42",
        "--callback-url",
        "https://shop.example.com/paid",
        "--callback-method",
        "get"
      ],
      env()
    )
    const entity = JSON.parse(created)
    expect(JSON.stringify(entity)).toBe(await wire(`/v1/payment_links/${entity.id}`))
    expect(created).toBe(`${JSON.stringify(entity, null, 2)}\n`)
    expect(entity).toMatchObject({
      id: expect.stringMatching(/^plink_[0-9A-Za-z]{14}$/),
      status: "created",
      amount: 150000,
      accept_partial: true,
      first_min_partial_amount: 50000,
      expire_by: expireBy,
      reference_id: reference,
      customer: { contact: "+919900000001", email: "asha@example.com", name: "Asha Rao" },
      notify: { email: false, sms: true },
      reminder_enable: true,
      notes: { order: "42" },
      callback_url: "https://shop.example.com/paid",
      callback_method: "get",
      upi_link: false,
      payments: null
    })

    const human = await ok(["payment-links", "fetch", entity.id], env())
    expect(human).toMatch(new RegExp(`^id\\s+${entity.id}$`, "m"))
    expect(human).toMatch(/^status\s+created$/m)
    expect(human).toMatch(/^amount\s+INR 1500\.00$/m)
    expect(human).toMatch(new RegExp(`^reference_id\\s+${reference}$`, "m"))
    expect(human).toMatch(/^notify\s+sms$/m)
    expect(human).toMatch(/^cancelled_at\s+-$/m)
    expect(JSON.stringify(await json(["fetch", entity.id], env()))).toBe(await wire(`/v1/payment_links/${entity.id}`))
  })

  it("lists with the v2 filters, updates, resends and cancels; the list is the wire list", async () => {
    const reference = unique(`list-${mode}`)
    const link = await json(
      ["create", "--amount", "5000", "--reference-id", reference, "--customer-email", "ravi@example.com"],
      env()
    )
    const other = await json(["create", "--amount", "6000"], env())

    const page = await ok(["payment-links", "list", "--json", "--reference-id", reference], env())
    expect(JSON.stringify(JSON.parse(page))).toBe(await wire(`/v1/payment_links?reference_id=${reference}`))
    expect(JSON.parse(page).payment_links.map((item: Entity) => item.id)).toEqual([link.id])
    const created = await json(["list", "--status", "created", "--no-upi-link", "--count", "100"], env())
    expect(created.payment_links.map((item: Entity) => item.id)).toEqual(expect.arrayContaining([link.id, other.id]))
    expect(await ok(["payment-links", "list", "--reference-id", unique("none")], env())).toBe("No payment links.\n")
    const table = await ok(["payment-links", "list", "--reference-id", reference], env())
    expect(table.split("\n")[0]).toMatch(/^ID\s+STATUS\s+AMOUNT\s+PAID\s+REFERENCE/)
    expect(table).toContain(link.id)

    const updated = await json(
      ["update", link.id, "--reference-id", `${reference}-b`, "--note", "k=v", "--accept-partial"],
      env()
    )
    expect(updated).toMatchObject({ reference_id: `${reference}-b`, notes: { k: "v" }, accept_partial: true })
    expect(await json(["notify", link.id, "--medium", "email"], env())).toEqual({ success: true })

    const cancelled = await json(["cancel", link.id], env())
    expect(cancelled.status).toBe("cancelled")
    expect(cancelled.cancelled_at).toBeGreaterThan(0)
    expect(await json(["list", "--status", "cancelled", "--reference-id", `${reference}-b`], env())).toEqual({
      payment_links: [cancelled]
    })
  })

  it("pays in the sandbox, in parts; a paid link is found by its payment and cannot be cancelled", async () => {
    const link = await json(["create", "--amount", "3000", "--accept-partial"], env())
    const part = await ok(["payment-links", "pay", link.id, "--amount", "1000", "--method", "upi", "--json"], env())
    expect(JSON.stringify(JSON.parse(part))).toBe(await wire(`/v1/payment_links/${link.id}`))
    const partial = JSON.parse(part)
    expect(partial).toMatchObject({ status: "partially_paid", amount_paid: 1000 })
    expect(partial.payments).toEqual([
      expect.objectContaining({ amount: 1000, method: "upi", plink_id: link.id, status: "captured" })
    ])
    expect(await paylinks(["payment-links", "cancel", link.id], env())).toMatchObject({
      code: 1,
      stderr: "cannot cancel or expire an already paid/partially paid link\n"
    })
    const paid = await ok(["payment-links", "pay", link.id], env())
    expect(paid).toMatch(/^status\s+paid$/m)
    expect(paid).toMatch(/^amount_paid\s+INR 30\.00$/m)
    const paymentId = partial.payments[0].payment_id
    const found = await json(["list", "--payment-id", paymentId, "--status", "paid"], env())
    expect(found.payment_links.map((item: Entity) => item.id)).toEqual([link.id])
  })

  it("refuses with exit 1 and Razorpay's texts for this API; a legacy flag is a usage error (exit 2)", async () => {
    const reference = unique(`taken-${mode}`)
    const link = await json(["create", "--amount", "5000", "--reference-id", reference], env())
    expect(await paylinks(["payment-links", "create", "--amount", "5000", "--reference-id", reference], env())).toEqual(
      {
        code: 1,
        stdout: "",
        stderr: "payment link creation with reference ID already attempted\n"
      }
    )
    await ok(["payment-links", "cancel", link.id], env())
    expect(await paylinks(["payment-links", "cancel", link.id], env())).toMatchObject({
      code: 1,
      stderr: "cannot cancel or expire an expired link\n"
    })
    expect(await paylinks(["payment-links", "update", link.id, "--reference-id", "x"], env())).toMatchObject({
      code: 1,
      stderr: "update can only be made in created or partially paid state\n"
    })
    const soon = String(Math.floor(Date.now() / 1000) + 60)
    expect(await paylinks(["payment-links", "create", "--amount", "5000", "--expire-by", soon], env())).toMatchObject({
      code: 1,
      stderr: "timestamp must be atleast 15 minutes in future\n"
    })
    // An invoice is not a Payment Link here.
    const invoice = JSON.parse(await ok(["links", "create", "--json", "--amount", "5000"], env()))
    expect(await paylinks(["payment-links", "fetch", invoice.id], env())).toMatchObject({
      code: 1,
      stderr: "The id provided does not exist\n"
    })
    expect((await paylinks(["payment-links", "create", "--amount", "5000", "--receipt", "r"], env())).code).toBe(2)
  })
})

describe("payment-links import and export", () => {
  it("imports a CSV of v2 columns idempotently and exports the links as CSV and JSON Lines", async () => {
    const tag = unique("csv")
    const file = Path.join(dir, "v2.csv")
    Fs.writeFileSync(
      file,
      [
        "amount,reference_id,description,customer_name,customer_email,notify_email,accept_partial,notes.batch",
        `1000,${tag}-1,"Tea, two",Asha,asha@example.com,true,false,${tag}`,
        `2000,${tag}-2,Coffee,,,,true,${tag}`,
        `50,${tag}-3,Too small,,,,,${tag}`,
        `3000,${tag}-1,Reference taken,,,,,${tag}`
      ].join("\n")
    )
    const first = await paylinks(["payment-links", "import", file, "--idempotent", "--json"], envs.local)
    expect(first.code).toBe(1)
    expect(JSON.parse(first.stdout)).toEqual({
      rows: 4,
      created: 2,
      existing: 0,
      failed: 2,
      errors_file: `${file}.errors.csv`
    })
    expect(parse(Fs.readFileSync(`${file}.errors.csv`), { columns: true, cast: true })).toEqual([
      { row: 4, field: "amount", description: "The amount must be at least INR 1.00" },
      {
        row: 5,
        field: "reference_id",
        description: "payment link creation with reference ID already attempted"
      }
    ])
    const again = await paylinks(["payment-links", "import", file, "--idempotent", "--json"], envs.remote)
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 4, created: 0, existing: 2, failed: 2 })

    const lines = await ok(["payment-links", "export", "--format", "json"], envs.local)
    const exported = lines
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((link) => link.notes.batch === tag)
    expect(exported.map((link) => link.reference_id).sort()).toEqual([`${tag}-1`, `${tag}-2`])
    const [one] = exported.filter((link) => link.reference_id === `${tag}-1`)
    expect(one).toMatchObject({
      amount: 1000,
      description: "Tea, two",
      customer: { email: "asha@example.com", name: "Asha" },
      notify: { email: true, sms: false },
      accept_partial: false
    })
    expect(JSON.stringify(one)).toBe(await wire(`/v1/payment_links/${one.id}`))

    const output = Path.join(dir, "v2-out.csv")
    const csv = await paylinks(
      ["payment-links", "export", "--reference-id", `${tag}-2`, "--output", output],
      envs.remote
    )
    expect(csv).toMatchObject({ code: 0, stdout: "", stderr: "Exported 1 payment link.\n" })
    const rows = parse(Fs.readFileSync(output), { columns: true }) as Array<Record<string, string>>
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      status: "created",
      amount: "2000",
      reference_id: `${tag}-2`,
      accept_partial: "true",
      notify_email: "false",
      customer_name: ""
    })
    expect(JSON.parse(rows[0]!.notes!)).toEqual({ batch: tag })

    const legacy = Path.join(dir, "legacy.csv")
    Fs.writeFileSync(legacy, "amount,receipt\n1000,r-1\n")
    const refused = await paylinks(["payment-links", "import", legacy], envs.local)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('The CSV header has an unknown column "receipt".')
  })
})
