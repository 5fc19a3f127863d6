/**
 * The commands around the links: migrate, merchants, keys, serve, help and completions, on a real
 * SQLite file; run in this process, and as the real binary where the process itself is the point
 * (exit codes, signals, a closed pipe, `--version`).
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { BIN, type Env, listening, ok, paylinks, paylinksProcess, tempDir } from "./support.js"

const dirs: Array<string> = []
const freshDatabase = (): Env => {
  const dir = tempDir("admin")
  dirs.push(dir)
  return { PAYLINKS_DATABASE: `sqlite:${Path.join(dir, "paylinks.db")}` }
}

afterAll(() => {
  for (const dir of dirs) Fs.rmSync(dir, { recursive: true, force: true })
})

describe("admin commands", () => {
  it("migrate creates the schema and reports its version", async () => {
    const env = freshDatabase()
    const human = await ok(["migrate"], env)
    expect(human).toMatch(/^The database schema is at version (\d+) \(the newest this paylinks knows is \1\)\.$/m)
    expect(human).toMatch(/^VERSION\s+NAME\s+APPLIED$/m)
    expect(human).toMatch(/^1\s+initial schema\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m)
    const status = JSON.parse(await ok(["migrate", "--json"], env))
    expect(status.version).toBe(status.latest)
    expect(status.migrations[0]).toMatchObject({ version: 1, name: "initial schema" })
  })

  it("merchants and keys: create, list, revoke; a secret is printed once and works", async () => {
    const env = freshDatabase()
    expect(await ok(["merchants", "list"], env)).toBe("No merchants.\n")

    const created = await paylinks(["merchants", "create", "--name", "Acme Tea"], env)
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/^name\s+Acme Tea$/m)
    const merchantId = /^merchant\s+(acc_\w+)$/m.exec(created.stdout)?.[1]
    const testKey = /^key_id\s+(rzp_test_\w+)$/m.exec(created.stdout)?.[1]
    const testSecret = /^key_secret\s+(\S+)$/m.exec(created.stdout)?.[1]
    expect(merchantId).toBeDefined()
    expect(testKey).toBeDefined()
    expect(testSecret!.length).toBeGreaterThanOrEqual(24)
    expect(created.stderr).toBe("The key secret is shown this once: store it now.\n")

    const merchants = JSON.parse(await ok(["merchants", "list", "--json"], env))
    expect(merchants).toEqual([{ id: merchantId, name: "Acme Tea", created_at: expect.any(Number) }])
    expect(await ok(["merchants", "list"], env)).toMatch(new RegExp(`^${merchantId}\\s+Acme Tea\\s+\\d{4}-`, "m"))

    const live = JSON.parse(await ok(["keys", "create", "--mode", "live", "--json"], env))
    expect(live).toMatchObject({ merchant_id: merchantId, mode: "live" })
    expect(live.key_id).toMatch(/^rzp_live_[0-9A-Za-z]{14}$/)

    // The printed pairs authenticate: local mode checks a given secret.
    await ok(["links", "list"], { ...env, PAYLINKS_KEY_ID: testKey!, PAYLINKS_KEY_SECRET: testSecret! })
    await ok(["links", "list"], { ...env, PAYLINKS_KEY_ID: live.key_id, PAYLINKS_KEY_SECRET: live.key_secret })
    const livePay = await paylinks(["links", "pay", "inv_0000000000000Z"], { ...env, PAYLINKS_KEY_ID: live.key_id })
    expect(livePay.code).toBe(2)
    expect(livePay.stderr).toContain("test-mode key")

    const keys = JSON.parse(await ok(["keys", "list", "--json"], env))
    expect(keys.map((key: { key_id: string }) => key.key_id).sort()).toEqual([testKey, live.key_id].sort())
    expect(keys.every((key: { revoked_at: unknown }) => key.revoked_at === null)).toBe(true)
    expect(JSON.stringify(keys)).not.toContain(testSecret)

    expect(await ok(["keys", "revoke", testKey!], env)).toBe(`Revoked ${testKey}.\n`)
    const table = await ok(["keys", "list", "--merchant", merchantId!], env)
    expect(table).toMatch(new RegExp(`^${testKey}\\s+${merchantId}\\s+test\\s+revoked \\d{4}-`, "m"))
    expect(table).toMatch(new RegExp(`^${live.key_id}\\s+${merchantId}\\s+live\\s+active\\s`, "m"))
    expect(await paylinks(["links", "list"], { ...env, PAYLINKS_KEY_ID: testKey! })).toMatchObject({
      code: 1,
      stderr: "The api key provided is invalid\n"
    })
    // The only merchant has no active test key left.
    const noKey = await paylinks(["links", "list"], env)
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain("no active test key")

    expect(await paylinks(["keys", "revoke", "rzp_test_NoSuchKey00001"], env)).toMatchObject({
      code: 1,
      stderr: "No API key rzp_test_NoSuchKey00001\n"
    })

    await ok(["merchants", "create", "--name", "Second"], env)
    const ambiguous = await paylinks(["keys", "create", "--mode", "test"], env)
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toContain("choose one with --merchant")
    const twoMerchants = await paylinks(["links", "list"], env)
    expect(twoMerchants.code).toBe(2)
    expect(twoMerchants.stderr).toContain("This database has 2 merchants")
    expect(await paylinks(["keys", "list", "--merchant", "acc_NoSuchMerchant1"], env)).toMatchObject({
      code: 1,
      stderr: "No merchant acc_NoSuchMerchant1\n"
    })
  })

  it("admin commands through a server say that they need direct database access", async () => {
    const env = { ...freshDatabase(), PAYLINKS_SERVER: "http://127.0.0.1:9" }
    for (const args of [
      ["migrate"],
      ["merchants", "create", "--name", "X"],
      ["merchants", "list"],
      ["keys", "create", "--mode", "test"],
      ["keys", "list"],
      ["keys", "revoke", "rzp_test_X"]
    ]) {
      const result = await paylinks(args, env)
      expect(result.code).toBe(2)
      expect(result.stdout).toBe("")
      expect(result.stderr).toContain("needs direct database access")
    }
  })

  it("on a fresh database the first links command creates a merchant and prints its test key pair once", async () => {
    const env = freshDatabase()
    const first = await paylinks(["links", "create", "--amount", "50000", "--description", "First"], env)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^status\s+issued$/m)
    const keyId = /key_id:\s+(rzp_test_\w+)/.exec(first.stderr)?.[1]
    const secret = /key_secret:\s+(\S+)/.exec(first.stderr)?.[1]
    expect(keyId).toBeDefined()
    expect(secret).toBeDefined()

    const second = await paylinks(["links", "list"], env)
    expect(second).toMatchObject({ code: 0, stderr: "" })
    expect(second.stdout).toMatch(/^inv_\w+\s+issued\s+INR 500\.00\s/m)
    await ok(["links", "list"], { ...env, PAYLINKS_KEY_ID: keyId!, PAYLINKS_KEY_SECRET: secret! })
  })

  it("an unusable database is an error of the environment (exit 1)", async () => {
    const bad = await paylinksProcess(["links", "list"], { PAYLINKS_DATABASE: "mysql://localhost/paylinks" })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("Unsupported database URL")
  })

  it("serve runs the server on the database until SIGTERM, then exits 0", async () => {
    const env = freshDatabase()
    const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let printed = ""
    child.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()))
    const server = await listening(child)
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: "ok" })

    // A fresh database: the server printed the key pair it created; the CLI reaches the server with it.
    for (let waited = 0; !printed.includes("key_secret:") && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50))
    const keyId = /key_id:\s+(rzp_test_\w+)/.exec(printed)?.[1]
    const secret = /key_secret:\s+(\S+)/.exec(printed)?.[1]
    expect(keyId).toBeDefined()
    const remote = { PAYLINKS_SERVER: server.url, PAYLINKS_KEY_ID: keyId!, PAYLINKS_KEY_SECRET: secret! }
    const created = JSON.parse(await ok(["links", "create", "--amount", "1000", "--json"], remote))
    expect(JSON.parse(await ok(["links", "get", created.id, "--json"], { ...env, PAYLINKS_KEY_ID: keyId! }))).toEqual(
      created
    )
    expect(await server.stop()).toBe(0)
  })

  it("a bad serve configuration is a usage error", async () => {
    const result = await paylinksProcess(["serve", "--port", "99999"], freshDatabase())
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("PAYLINKS_PORT must be a port number")
  })
})

describe("help and completions", () => {
  const commands = [
    [],
    ["serve"],
    ["migrate"],
    ["merchants"],
    ["merchants", "create"],
    ["merchants", "list"],
    ["keys"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
    ["links"],
    ["links", "create"],
    ["links", "get"],
    ["links", "list"],
    ["links", "cancel"],
    ["links", "update"],
    ["links", "notify"],
    ["links", "pay"],
    ["links", "import"],
    ["links", "export"],
    ["inbox"],
    ["webhooks"],
    ["webhooks", "add"],
    ["webhooks", "list"],
    ["webhooks", "update"],
    ["webhooks", "remove"],
    ["webhooks", "deliveries"],
    ["webhooks", "redeliver"]
  ]

  it("--help works on every command, as plain text when not on a terminal", async () => {
    const root = await paylinksProcess(["--help"], {})
    expect(root.code).toBe(0)
    expect(await paylinks(["--help"], {})).toEqual(root)
    for (const command of commands) {
      const result = await paylinks([...command, "--help"], {})
      expect(result.code, command.join(" ")).toBe(0)
      expect(result.stdout).toContain("USAGE")
      expect(result.stdout).toContain("DESCRIPTION")
      expect(result.stdout).not.toContain("\u001b[")
    }
    const create = await paylinks(["links", "create", "--help"], {})
    for (const flag of ["--amount", "--customer-email", "--partial-payment", "--note", "--callback-url", "--server"])
      expect(create.stdout).toContain(flag)
  })

  it("prints shell completions for bash, zsh and fish", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const result = await paylinks(["--completions", shell], {})
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("paylinks")
      expect(result.stdout).toContain("links")
    }
  })

  it("a reader that closes the pipe early (| head) ends the command quietly, exit 0", async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "merchants", "list"], {
        env: { PATH: process.env.PATH ?? "", ...freshDatabase() },
        stdio: ["ignore", "pipe", "pipe"]
      })
      // Closed before the command writes anything: every write of its answer meets EPIPE.
      child.stdout.destroy()
      let stderr = ""
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      child.once("error", reject)
      child.once("close", (code) => resolve({ code, stderr }))
    })
    expect(result).toEqual({ code: 0, stderr: "" })
  })

  it("an unknown command or option is a usage error (exit 2)", async () => {
    expect((await paylinksProcess(["refund"], {})).code).toBe(2)
    expect((await paylinksProcess(["links", "list", "--colour", "red"], {})).code).toBe(2)
  })

  it("--version prints the version, exactly as the command tree prints it", async () => {
    const printed = await paylinksProcess(["--version"], {})
    expect(printed).toEqual({ code: 0, stdout: "0.1.0\n\n", stderr: "" })
    expect(await paylinks(["--version"], {})).toEqual(printed)
  })
})
