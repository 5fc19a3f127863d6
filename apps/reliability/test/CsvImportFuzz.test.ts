/**
 * `paylinks links import` (the built CLI) on fuzzed CSV files, through a running server (remote
 * mode) and straight on its database (local mode): hostile cells in every column (wrong types,
 * numbers at and past the limits, unicode edge cases, SQL and HTML metacharacters), unknown,
 * repeated and missing columns, rows of the wrong width, broken quoting, NUL bytes, invalid UTF-8, a
 * byte order mark, CRLF line ends. For every file: the CLI ends with a documented exit code and a
 * message, never a crash or a stack trace; its summary adds up; the error report lists exactly the
 * refused rows; exactly the accepted rows were stored (each row carries its own receipt), nothing
 * else; and every stored link keeps its invariants.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import * as fc from "effect/FastCheck"
import * as Admin from "../src/Admin.js"
import * as Fuzz from "../src/Fuzz.js"
import * as Invariants from "../src/Invariants.js"
import * as Processes from "../src/Processes.js"
import * as Snapshot from "../src/Snapshot.js"
import { randomSecret, tempDir } from "./support.js"

const FILES = Number(process.env.PAYLINKS_CSV_FILES ?? 4)
const ROWS = 75

const COLUMNS = [
  "currency",
  "description",
  "customer_name",
  "customer_email",
  "customer_contact",
  "customer_id",
  "expire_by",
  "partial_payment",
  "first_payment_min_amount",
  "sms_notify",
  "email_notify",
  "view_less",
  "reminder_enable",
  "callback_url",
  "callback_method"
]

/** One CSV field, quoted when it needs to be. */
const quote = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text)

const cellText = (value: unknown): string =>
  typeof value === "string"
    ? value
    : value === null
      ? ""
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value)

interface CsvFile {
  readonly bytes: Buffer
  /** The receipts of the data rows, by row number (the header is row 1), when the file is well formed. */
  readonly receipts: ReadonlyMap<number, string>
  /** Whether the structure itself is broken (then only safety is checked, not row accounting). */
  readonly broken: boolean
}

/** What a file gets wrong as a whole: nothing (only its cells and rows are hostile), its bytes, or its header. */
type Kind = "rows" | "bytes" | "header"

/** Files take turns: two with hostile rows, one with broken bytes, one with a bad header. */
const KINDS: ReadonlyArray<Kind> = ["rows", "rows", "bytes", "header"]

const csvFile = (tag: string, kind: Kind): fc.Arbitrary<CsvFile> =>
  fc
    .record({
      columns: fc.subarray(COLUMNS, { maxLength: 8 }),
      notes: fc.subarray(["notes.plain", "notes.<b>", "notes.__proto__", "notes.'; --"], { maxLength: 2 }),
      header: kind === "header" ? fc.constantFrom("no amount", "unknown column", "twice") : fc.constant("ok"),
      rows: fc.array(
        fc.record({
          amount: fc.oneof(
            { weight: 4, arbitrary: fc.integer({ min: 100, max: 100_000 }).map(String) },
            { weight: 1, arbitrary: fc.constantFrom(...Fuzz.NASTY_NUMBERS).map(cellText) },
            { weight: 1, arbitrary: fc.constantFrom(...Fuzz.NASTY_STRINGS) }
          ),
          // Mostly empty cells (the field is left out), so that some rows are accepted and some are not.
          cells: fc.array(
            fc.oneof(
              { weight: 6, arbitrary: fc.constant("") },
              { weight: 1, arbitrary: fc.constantFrom(...Fuzz.NASTY_STRINGS) },
              { weight: 1, arbitrary: Fuzz.nastyValue.map(cellText) }
            ),
            { minLength: 10, maxLength: 10 }
          ),
          width: fc.constantFrom("ok", "ok", "ok", "ok", "ok", "ok", "ok", "short", "long")
        }),
        { minLength: ROWS, maxLength: ROWS }
      ),
      damage:
        kind === "bytes"
          ? fc.constantFrom("nul", "invalid utf-8", "open quote")
          : fc.constantFrom("none", "bom", "crlf"),
      at: fc.nat(ROWS - 1)
    })
    .map(({ columns, notes, header, rows, damage, at }) => {
      const names = ["receipt", "amount", ...columns, ...notes]
      if (header === "no amount") names.splice(1, 1)
      if (header === "unknown column") names.push("colour")
      if (header === "twice") names.push("amount")
      const receipts = new Map<number, string>()
      const lines = [names.map(quote).join(",")]
      rows.forEach((row, i) => {
        const receipt = `${tag}-${i}`
        receipts.set(i + 2, receipt)
        const cells = [receipt, row.amount, ...row.cells.slice(0, names.length - 2)]
        while (cells.length < names.length) cells.push("")
        // A lone surrogate cannot be written as UTF-8: a file would hold its replacement.
        const written = cells.map((cell) => quote(Fuzz.safeForUri(cell)))
        if (row.width === "short") written.pop()
        if (row.width === "long") written.push("extra")
        lines.push(written.join(","))
      })
      let text = lines.join(damage === "crlf" ? "\r\n" : "\n")
      let bytes = Buffer.from(text, "utf8")
      if (damage === "bom") bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])
      const lineAt = (n: number) => {
        let offset = 0
        for (let i = 0; i < n + 1; i++) offset = text.indexOf("\n", offset) + 1
        return Buffer.byteLength(text.slice(0, offset))
      }
      if (damage === "nul" || damage === "invalid utf-8" || damage === "open quote") {
        const offset = lineAt(at)
        const inject =
          damage === "nul"
            ? Buffer.from([0])
            : damage === "invalid utf-8"
              ? Buffer.from([0xff, 0xfe, 0xc3])
              : Buffer.from('"unterminated,')
        bytes = Buffer.concat([bytes.subarray(0, offset), inject, bytes.subarray(offset)])
        text = bytes.toString("utf8")
      }
      return { bytes, receipts, broken: damage === "nul" || damage === "invalid utf-8" || damage === "open quote" }
    })

describe("links import under hostile CSV", () => {
  const dir = tempDir("csvfuzz")
  const file = Path.join(dir, "paylinks.db")
  const database = `sqlite:${file}`
  const seeded = { keyId: "rzp_test_CsvFuzz00000001", secret: randomSecret() }
  let server: Processes.Server

  beforeAll(async () => {
    await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret)
    server = await Processes.startServer({
      env: { PAYLINKS_DATABASE: database, PAYLINKS_KEY_ID: seeded.keyId, PAYLINKS_KEY_SECRET: seeded.secret },
      cwd: dir
    })
  })
  afterAll(async () => {
    if (server !== undefined) expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  it(`imports ${FILES} fuzzed files of ${ROWS} rows safely and stores exactly the accepted rows`, async () => {
    const summaries: Array<string> = []
    for (let n = 0; n < FILES; n++) {
      const mode = n % 2 === 0 ? "remote" : "local"
      const tag = `csv${n}${randomSecret().slice(0, 6)}`
      const kind = KINDS[n % KINDS.length]!
      const [csv] = fc.sample(csvFile(tag, kind), 1)
      const input = Path.join(dir, `${tag}.csv`)
      Fs.writeFileSync(input, csv!.bytes)
      const env =
        mode === "remote"
          ? { PAYLINKS_SERVER: server.url, PAYLINKS_KEY_ID: seeded.keyId, PAYLINKS_KEY_SECRET: seeded.secret }
          : { PAYLINKS_DATABASE: database, PAYLINKS_KEY_ID: seeded.keyId }
      const before = new Set(Snapshot.fromSqlite(file).links.map((row) => row.id))
      const result = await Processes.runCli(["links", "import", input, "--json"], env, dir, 120_000)
      const context = `${mode} import of ${input} (exit ${result.code}):\n${result.stdout}\n${result.stderr}`
      expect([0, 1, 2], context).toContain(result.code)
      expect(result.stderr, context).not.toMatch(/\n\s+at |unexpected failure|node_modules/)
      const added = Snapshot.fromSqlite(file).links.filter((row) => !before.has(row.id))
      const summaryLine = result.stdout.split("\n").find((line) => line.startsWith("{"))
      // Files with hostile rows only are always read to the end.
      if (kind === "rows") expect(summaryLine, context).toBeDefined()
      if (kind === "header") expect(summaryLine, context).toBeUndefined()
      if (summaryLine === undefined) {
        // Refused as a whole (a bad header) or stopped by an unreadable file: it says why, on stderr.
        expect(result.code, context).not.toBe(0)
        expect(result.stderr.trim().length, context).toBeGreaterThan(0)
        if (!csv!.broken) expect(added, context).toEqual([])
        summaries.push(`${mode}, ${kind}: refused as a whole (${result.stderr.trim().split("\n")[0]})`)
      } else {
        const summary = JSON.parse(summaryLine) as {
          rows: number
          created: number
          existing: number
          failed: number
          errors_file: string | null
        }
        expect(summary.created + summary.existing + summary.failed, context).toBe(summary.rows)
        expect(added.length, context).toBe(summary.created)
        expect(result.code, context).toBe(summary.failed > 0 ? 1 : 0)
        const refusedRows = new Set<number>()
        if (summary.errors_file !== null) {
          // A description may quote a hostile cell, line breaks included: read the report as the CSV it is.
          const report: Array<Array<string>> = parse(Fs.readFileSync(summary.errors_file, "utf8"), { from_line: 2 })
          for (const [row] of report) refusedRows.add(Number(row))
        }
        expect(refusedRows.size, context).toBe(summary.failed)
        if (!csv!.broken) {
          expect(summary.rows, context).toBe(ROWS)
          const accepted = [...csv!.receipts].filter(([row]) => !refusedRows.has(row)).map(([, receipt]) => receipt)
          expect(added.map((row) => row.link.receipt).sort(), context).toEqual(accepted.sort())
        }
        summaries.push(`${mode}, ${kind}: ${summary.rows} rows, ${summary.created} created, ${summary.failed} refused`)
      }
    }
    expect(Invariants.violations(Snapshot.fromSqlite(file))).toEqual([])
    console.log(`CSV import fuzz: ${summaries.join("; ")}`)
  })
})
