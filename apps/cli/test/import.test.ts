/**
 * `links import` and `links export`: a 10,000-row CSV on a real SQLite file, the same small imports in
 * both modes, and exports that page through everything, run in this process; the progress bar of the
 * real binary under a pseudo-terminal, and its plain lines in a pipe.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { parse } from "csv-parse/sync"
import {
  BIN,
  type Env,
  type Mode,
  ok,
  paylinks,
  paylinksProcess,
  startBothModes,
  type TestServer,
  tempDir
} from "./support.js"

const dirs: Array<string> = []
const newDir = (prefix: string) => {
  const dir = tempDir(prefix)
  dirs.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of dirs) Fs.rmSync(dir, { recursive: true, force: true })
})

const HEADER = [
  "amount",
  "currency",
  "description",
  "receipt",
  "customer_name",
  "customer_email",
  "customer_contact",
  "partial_payment",
  "notes.batch",
  "notes.row"
]

interface Expected {
  readonly row: number
  readonly field: string
  readonly description: string
}

/** Ways a row goes wrong, each with the API's exact text (docs/errors.md). */
const BAD: ReadonlyArray<readonly [(cells: Array<string>) => void, string, string]> = [
  [(cells) => (cells[0] = "12.5"), "amount", "The amount must be an integer."],
  [(cells) => (cells[0] = "50"), "amount", "The amount must be at least INR 1.00"],
  [(cells) => (cells[1] = "XYZ"), "currency", "The selected currency is invalid."],
  [(cells) => (cells[3] = "r".repeat(41)), "receipt", "The receipt may not be greater than 40 characters."],
  [(cells) => (cells[5] = "not-an-email"), "customer.email", "The email must be a valid email address."],
  [(cells) => (cells[6] = "12ab"), "customer.contact", "The contact format is invalid."],
  [(cells) => (cells[7] = "maybe"), "partial_payment", "The partial_payment must be a boolean."]
]

/** A CSV of `count` rows; every 50th row (from the 7th) is bad in one of the ways above, in turn. */
const writeCsv = (file: string, count: number, tag: string): ReadonlyArray<Expected> => {
  const expected: Array<Expected> = []
  const lines = [HEADER.join(",")]
  for (let i = 0; i < count; i++) {
    const cells = [
      String(1000 + i),
      "INR",
      `"Order ${i}, with a comma"`,
      `${tag}-${i}`,
      `Customer ${i}`,
      `c${i}@example.com`,
      `+9199${String(i).padStart(8, "0")}`,
      i % 2 === 0 ? "false" : "",
      tag,
      String(i)
    ]
    if (i % 50 === 7) {
      const [spoil, field, description] = BAD[Math.floor(i / 50) % BAD.length]!
      spoil(cells)
      expected.push({ row: i + 2, field, description })
    }
    lines.push(cells.join(","))
  }
  Fs.writeFileSync(file, `${lines.join("\n")}\n`)
  return expected
}

const readReport = (file: string): Array<Expected> =>
  (parse(Fs.readFileSync(file), { columns: true }) as Array<Record<string, string>>).map((record) => ({
    row: Number(record.row),
    field: record.field!,
    description: record.description!
  }))

const summary = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>

/** Whether `text` has anything but printable text and newlines (escape sequences, carriage returns, …). */
const hasControl = (text: string): boolean =>
  [...text].some((char) => {
    const code = char.charCodeAt(0)
    return (code < 32 && code !== 10) || code === 127
  })

describe("links import of 10,000 rows (local mode)", () => {
  it("creates every good row, reports every bad row with its number and text, and creates nothing twice with --idempotent", async () => {
    const dir = newDir("import10k")
    const file = Path.join(dir, "links.csv")
    const dbFile = Path.join(dir, "paylinks.db")
    const env: Env = { PAYLINKS_DATABASE: `sqlite:${dbFile}` }
    await ok(["merchants", "create", "--name", "Bulk"], env)
    const expected = writeCsv(file, 10_000, "bulk")
    const good = 10_000 - expected.length

    let started = Date.now()
    const first = await paylinks(["links", "import", file, "--idempotent", "--json"], env)
    const firstSeconds = (Date.now() - started) / 1000
    expect(first.code, first.stderr).toBe(1)
    expect(summary(first.stdout)).toEqual({
      rows: 10_000,
      created: good,
      existing: 0,
      failed: expected.length,
      errors_file: `${file}.errors.csv`
    })
    expect(readReport(`${file}.errors.csv`)).toEqual(expected)
    // Not a terminal: plain progress lines, no control characters anywhere.
    expect(hasControl(first.stdout + first.stderr)).toBe(false)
    const lines = first.stderr.trimEnd().split("\n")
    expect(
      lines.slice(0, -1).every((line) => /^imported \d+ rows: \d+ created, \d+ existing, \d+ failed$/.test(line))
    ).toBe(true)
    expect(lines).toContain(`imported 10000 rows: ${good} created, 0 existing, ${expected.length} failed`)
    expect(lines.at(-1)).toBe(
      `${expected.length} of 10000 rows were refused; each is listed with its row number in ${file}.errors.csv.`
    )

    const db = new Database(dbFile, { readonly: true })
    const counts = () => ({
      links: (db.prepare("SELECT COUNT(*) AS n FROM payment_links").get() as { n: number }).n,
      customers: (db.prepare("SELECT COUNT(*) AS n FROM customers").get() as { n: number }).n
    })
    // A refused row stored nothing: not its link, not its customer.
    expect(counts()).toEqual({ links: good, customers: good })

    started = Date.now()
    const again = await paylinks(["links", "import", file, "--idempotent", "--json"], env)
    const againSeconds = (Date.now() - started) / 1000
    expect(again.code).toBe(1)
    expect(summary(again.stdout)).toMatchObject({ rows: 10_000, created: 0, existing: good, failed: expected.length })
    expect(readReport(`${file}.errors.csv`)).toEqual(expected)
    expect(counts()).toEqual({ links: good, customers: good })
    db.close()

    // Reported, never asserted: the machine is shared.
    console.log(`import of 10,000 rows: ${firstSeconds.toFixed(1)} s; idempotent re-run: ${againSeconds.toFixed(1)} s`)
  }, 600_000)
})

describe("links import and export in both modes", () => {
  const KEY_ID = "rzp_test_CliImportTest01"
  const KEY_SECRET = "cli-import-secret-0123456789"
  let dir: string
  let server: TestServer
  let envs: Record<Mode, Env>

  beforeAll(async () => {
    ;({ dir, server, envs } = await startBothModes("import", KEY_ID, KEY_SECRET))
    dirs.push(dir)
  })

  afterAll(async () => {
    expect(await server?.stop()).toBe(0)
  })

  it.each(["local", "remote"] as const)("%s: imports, reports and resumes the same way", async (mode) => {
    const file = Path.join(dir, `${mode}.csv`)
    const expected = writeCsv(file, 120, `small-${mode}`)
    const good = 120 - expected.length
    const first = await paylinks(["links", "import", file, "--idempotent"], envs[mode])
    expect(first.code).toBe(1)
    expect(first.stdout).toBe(
      [
        "rows      120",
        `created   ${good}`,
        "existing  0",
        `failed    ${expected.length}`,
        `errors    ${file}.errors.csv`,
        ""
      ].join("\n")
    )
    expect(readReport(`${file}.errors.csv`)).toEqual(expected)

    const again = await paylinks(["links", "import", file, "--idempotent", "--json"], envs[mode])
    expect(summary(again.stdout)).toMatchObject({ created: 0, existing: good, failed: expected.length })

    const exported = await ok(["links", "export", "--receipt", `small-${mode}-0`, "--format", "json"], envs[mode])
    const [link, ...others] = exported
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line))
    expect(others).toEqual([])
    expect(link).toMatchObject({
      amount: 1000,
      description: "Order 0, with a comma",
      partial_payment: false,
      customer: { name: "Customer 0", email: "c0@example.com", contact: "+919900000000" },
      notes: { batch: `small-${mode}`, row: "0" }
    })
  })

  it("refuses a header with an unknown or missing column before creating anything (exit 2)", async () => {
    const unknown = Path.join(dir, "unknown.csv")
    Fs.writeFileSync(unknown, "amount,colour\n1000,red\n")
    const result = await paylinks(["links", "import", unknown], envs.local)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('The CSV header has an unknown column "colour".')

    const noAmount = Path.join(dir, "no-amount.csv")
    Fs.writeFileSync(noAmount, "description\nTea\n")
    expect(await paylinks(["links", "import", noAmount], envs.local)).toMatchObject({
      code: 2,
      stderr: "The CSV header has no amount column.\n"
    })
  })

  it("reports a row with the wrong number of cells, and goes on", async () => {
    const file = Path.join(dir, "ragged.csv")
    Fs.writeFileSync(file, "amount,receipt\n1000,ragged-1\n2000\n3000,ragged-3,extra\n4000,ragged-4\n")
    const result = await paylinks(["links", "import", file, "--json"], envs.local)
    expect(result.code).toBe(1)
    expect(summary(result.stdout)).toMatchObject({ rows: 4, created: 2, failed: 2 })
    expect(readReport(`${file}.errors.csv`)).toEqual([
      { row: 3, field: "", description: "The row has 1 cells but the header has 2 columns." },
      { row: 4, field: "", description: "The row has 3 cells but the header has 2 columns." }
    ])
  })

  it("exports everything matching, page by page, the same in both modes, as CSV or JSON Lines", async () => {
    const file = Path.join(dir, "export.csv")
    Fs.writeFileSync(
      file,
      ["amount,receipt,notes.kind", ...Array.from({ length: 230 }, (_, i) => `${1000 + i},export-set,n${i}`)].join("\n")
    )
    await ok(["links", "import", file], envs.local)

    const local = await ok(["links", "export", "--receipt", "export-set", "--format", "json"], envs.local)
    const remote = await ok(["links", "export", "--receipt", "export-set", "--format", "json"], envs.remote)
    expect(remote).toBe(local)
    const links = local
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line))
    expect(links.length).toBe(230)
    expect(new Set(links.map((link) => link.id)).size).toBe(230)
    expect(links.map((link) => link.amount).sort()).toEqual(Array.from({ length: 230 }, (_, i) => 1000 + i).sort())

    const output = Path.join(dir, "out.csv")
    const csv = await paylinks(
      ["links", "export", "--receipt", "export-set", "--format", "csv", "--output", output],
      envs.remote
    )
    expect(csv).toMatchObject({ code: 0, stdout: "", stderr: "Exported 230 payment links.\n" })
    const rows = parse(Fs.readFileSync(output), { columns: true }) as Array<Record<string, string>>
    expect(rows.length).toBe(230)
    expect(Object.keys(rows[0]!).slice(0, 6)).toEqual([
      "id",
      "status",
      "amount",
      "amount_paid",
      "amount_due",
      "currency"
    ])
    expect(rows.map((row) => row.id).sort()).toEqual(links.map((link) => link.id).sort())
    expect(JSON.parse(rows.find((row) => row.amount === "1005")!.notes!)).toEqual({ kind: "n5" })

    const none = await paylinks(["links", "export", "--receipt", "no-such-receipt", "--format", "csv"], envs.local)
    expect(none).toMatchObject({ code: 0, stderr: "Exported 0 payment links.\n" })
    expect(none.stdout.trimEnd().split("\n")).toHaveLength(1)
  })
})

describe("progress", () => {
  const hasScript = spawnSync("script", ["--version"]).status === 0

  it.skipIf(!hasScript)("shows a progress bar on a terminal (under script(1))", async () => {
    const dir = newDir("tty")
    const file = Path.join(dir, "tty.csv")
    writeCsv(file, 300, "tty")
    const database = `sqlite:${Path.join(dir, "paylinks.db")}`
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} links import ${JSON.stringify(file)}`
    const result = spawnSync("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", PAYLINKS_DATABASE: database, TERM: "xterm" },
      encoding: "utf8",
      timeout: 120_000
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain("importing [")
    expect(result.stdout).toMatch(/importing \[[█░]+\] 100% \| 300 rows \| 294 created \| 0 existing \| 6 failed/)
    // A terminal gets cursor control; the plain lines of a pipe are not used.
    expect(result.stdout).toContain("\u001b[")
    expect(result.stdout).not.toContain("imported 300 rows")
  })

  it("prints plain lines and no control characters when not on a terminal", async () => {
    const dir = newDir("pipe")
    const file = Path.join(dir, "pipe.csv")
    writeCsv(file, 2_100, "pipe")
    const result = await paylinksProcess(["links", "import", file], {
      PAYLINKS_DATABASE: `sqlite:${Path.join(dir, "p.db")}`
    })
    expect(result.code).toBe(1)
    expect(hasControl(result.stdout)).toBe(false)
    expect(hasControl(result.stderr)).toBe(false)
    expect(result.stderr).toContain("imported 1000 rows: ")
    expect(result.stderr).toContain("imported 2000 rows: ")
    expect(result.stderr).not.toContain("importing [")
  })
})
