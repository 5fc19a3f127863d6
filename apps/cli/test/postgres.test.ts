/**
 * The CLI on PostgreSQL (`--database postgres://…`): the admin and links commands in local mode, and
 * the same answers through a server on the same database. Needs PAYLINKS_TEST_PG_URL; without it the
 * suite is skipped loudly (or fails, with PAYLINKS_REQUIRE_PG=1).
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { pgUrl, requirePg } from "@paylinks/testing/Postgres"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { type Env, ok, paylinks, startServer, type TestServer, tempDir } from "./support.js"

const available = requirePg("apps/cli/test/postgres.test.ts")

const MASTER_KEY = Buffer.alloc(32, 7).toString("base64")
const schema = `paylinks_cli_${Crypto.randomBytes(6).toString("hex")}`

/** Runs one statement on the test server as its admin connection. */
const admin = (statement: string) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(PgClient.make({ url: Redacted.make(pgUrl!), maxConnections: 1 }), (sql) => sql.unsafe(statement))
    ).pipe(Effect.provide(Reactivity.layer))
  )

describe.skipIf(!available)("the CLI on PostgreSQL", () => {
  let dir: string
  let database: string
  let local: Env

  beforeAll(async () => {
    dir = tempDir("pg")
    await admin(`CREATE SCHEMA ${schema}`)
    const url = new URL(pgUrl!)
    url.searchParams.set("options", `-c search_path=${schema}`)
    database = url.toString()
    local = { PAYLINKS_DATABASE: database, PAYLINKS_MASTER_KEY: MASTER_KEY }
  })

  afterAll(async () => {
    if (pgUrl) await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("migrates, manages merchants and keys, and runs the links commands in both modes", async () => {
    const status = JSON.parse(await ok(["migrate", "--json"], local))
    expect(status.version).toBe(status.latest)

    const merchant = JSON.parse(await ok(["merchants", "create", "--name", "On Postgres", "--json"], local))
    expect(merchant.key_id).toMatch(/^rzp_test_/)

    const created = JSON.parse(await ok(["links", "create", "--amount", "50000", "--receipt", "pg-1", "--json"], local))
    expect(created).toMatchObject({ status: "issued", amount: 50000, receipt: "pg-1" })
    expect(await ok(["links", "cancel", created.id], local)).toMatch(/^status\s+cancelled$/m)
    expect(await paylinks(["links", "cancel", created.id], local)).toMatchObject({
      code: 1,
      stderr: "Operation not allowed for Invoice in cancelled status.\n"
    })

    const file = Path.join(dir, "pg.csv")
    Fs.writeFileSync(file, "amount,receipt\n1000,pg-bulk\n2000,pg-bulk\n50,pg-bulk\n")
    const first = await paylinks(["links", "import", file, "--idempotent", "--json"], local)
    expect(first.code).toBe(1)
    expect(JSON.parse(first.stdout)).toMatchObject({ rows: 3, created: 2, existing: 0, failed: 1 })
    const again = await paylinks(["links", "import", file, "--idempotent", "--json"], local)
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 3, created: 0, existing: 2, failed: 1 })
    expect(Fs.readFileSync(`${file}.errors.csv`, "utf8")).toBe(
      "row,field,description\n4,amount,The amount must be at least INR 1.00\n"
    )

    let server: TestServer | undefined
    try {
      server = await startServer({
        database,
        keyId: merchant.key_id,
        keySecret: merchant.key_secret,
        cwd: dir,
        masterKey: MASTER_KEY
      })
      const remote: Env = {
        PAYLINKS_SERVER: server.url,
        PAYLINKS_KEY_ID: merchant.key_id,
        PAYLINKS_KEY_SECRET: merchant.key_secret
      }
      const onServer = { ...local, PAYLINKS_PUBLIC_URL: server.url }
      for (const args of [
        ["links", "get", created.id, "--json"],
        ["links", "list", "--receipt", "pg-bulk"],
        ["links", "export", "--receipt", "pg-bulk", "--format", "csv"]
      ]) {
        const here = await paylinks(args, onServer)
        expect(here.code).toBe(0)
        expect(await paylinks(args, remote)).toEqual(here)
      }
    } finally {
      expect(await server?.stop()).toBe(0)
    }
  })
})
