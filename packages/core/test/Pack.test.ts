/**
 * The packaging proof: the BUILT package, packed as it would be published, installs into an empty project
 * next to effect from the npm registry, and a plain Node ESM script drives a link through the pure API via
 * both the barrel and a subpath export. Needs `dist/` (turbo runs `build` before `test`) and the registry.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"

const execFile = promisify(ChildProcess.execFile)

const PACKAGE = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const EFFECT_VERSION = "3.22.4"
const PNPM = "pnpm@10.34.8"

/** The script a consumer would write: no TypeScript, no bundler, only the published files. */
const CONSUMER_SCRIPT = `
import * as Core from "@paylinks/core"
import * as Transitions from "@paylinks/core/Transitions"
import * as Validation from "@paylinks/core/Validation"
import * as Either from "effect/Either"

const now = 1700000000
const tenant = Core.Tenant.make(Core.Ids.MerchantId.make("acc_0000000000000A"), "test")
const created = Validation.validateCreate(
  { type: "link", amount: 29995, description: "Shoes", customer: { email: "asha@example.com" }, notes: { size: "9" } },
  now
)
if (Either.isLeft(created)) throw new Error(created.left.message)
const issued = Transitions.issue(
  created.right,
  {
    tenant,
    id: Core.Ids.PaymentLinkId.make("inv_00000000000001"),
    orderId: Core.Ids.OrderId.make("order_00000000000001"),
    shortCode: Core.Ids.ShortCode.make("00000001"),
    shortUrl: "https://pay.example/i/00000001",
    customer: Transitions.newCustomer(Core.Ids.CustomerId.make("cust_00000000000001"), created.right.customer),
    keyId: null,
    idempotencyKey: null
  },
  now
)
const cancelled = Core.Transitions.cancel(issued.link, now + 60)
if (Either.isLeft(cancelled)) throw new Error(cancelled.left.message)
const again = Core.Transitions.cancel(cancelled.right.link, now + 120)
const invalid = Core.Validation.validateCreate({ type: "link", amount: 99 }, now)

let internal
try {
  await import("@paylinks/core/internal/anything")
  internal = "importable"
} catch (error) {
  internal = error.code
}

console.log(JSON.stringify({
  sameModule: Core.Transitions === Transitions,
  issued: { status: issued.link.status, amountDue: issued.link.amountDue, events: issued.events.map((e) => e._tag) },
  cancelled: {
    status: cancelled.right.link.status,
    cancelledAt: cancelled.right.link.cancelledAt,
    version: cancelled.right.link.version,
    events: cancelled.right.events.map((e) => e._tag)
  },
  refusal: Either.isLeft(again) ? again.left.message : null,
  invalid: Either.isLeft(invalid) ? invalid.left.problems.map((p) => [p.field, p.description]) : null,
  money: [Core.Money.format(1000, "KWD"), Core.Money.currencySymbol("INR")],
  internal
}))
`

describe("@paylinks/core as a published package", () => {
  let work = ""

  beforeAll(() => {
    if (!Fs.existsSync(Path.join(PACKAGE, "dist", "index.js")))
      throw new Error("packages/core/dist is missing: build @paylinks/core before testing it (turbo runs build first)")
    work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "paylinks-core-pack-"))
  })

  afterAll(() => {
    if (work !== "") Fs.rmSync(work, { recursive: true, force: true })
  })

  it("packs src and dist with resolved versions, installs from the tarball, and runs in plain Node", async () => {
    const packed = Path.join(work, "packed")
    Fs.mkdirSync(packed)
    await execFile("npx", ["-y", PNPM, "pack", "--pack-destination", packed], { cwd: PACKAGE, timeout: 60_000 })
    const tarballs = Fs.readdirSync(packed).filter((name) => name.endsWith(".tgz"))
    expect(tarballs).toEqual(["paylinks-core-0.1.0.tgz"])
    const tarball = Path.join(packed, tarballs[0]!)

    const { stdout: listing } = await execFile("tar", ["-tzf", tarball])
    const files = listing.split("\n").filter(Boolean)
    for (const file of [
      "package.json",
      "LICENSE",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/Transitions.js",
      "src/index.ts"
    ])
      expect(files).toContain(`package/${file}`)
    expect(files.filter((file) => /^package\/(?:test|node_modules|\.tsbuildinfo)\//.test(file))).toEqual([])
    expect(files.filter((file) => file.endsWith(".tsbuildinfo"))).toEqual([])
    // Every module in src ships its compiled JavaScript and declarations.
    for (const source of files.filter((file) => /^package\/src\/.+\.ts$/.test(file))) {
      const base = source.replace(/^package\/src\//, "package/dist/").replace(/\.ts$/, "")
      expect(files).toContain(`${base}.js`)
      expect(files).toContain(`${base}.d.ts`)
    }

    const { stdout: manifestText } = await execFile("tar", ["-xzOf", tarball, "package/package.json"])
    const manifest = JSON.parse(manifestText)
    expect(manifest.dependencies).toEqual({ effect: EFFECT_VERSION })
    expect(manifestText).not.toMatch(/"(?:catalog|workspace):/)
    expect([manifest.name, manifest.license, manifest.type, manifest.types]).toEqual([
      "@paylinks/core",
      "MIT",
      "module",
      "./dist/index.d.ts"
    ])

    const project = Path.join(work, "consumer")
    Fs.mkdirSync(project)
    Fs.writeFileSync(
      Path.join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" })
    )
    await execFile("npm", ["install", "--no-audit", "--no-fund", tarball, `effect@${EFFECT_VERSION}`], {
      cwd: project,
      timeout: 100_000,
      maxBuffer: 16 * 1024 * 1024
    })
    // One effect in the tree: the package's dependency and the consumer's are the same copy.
    expect(Fs.existsSync(Path.join(project, "node_modules", "@paylinks", "core", "node_modules", "effect"))).toBe(false)

    Fs.writeFileSync(Path.join(project, "main.mjs"), CONSUMER_SCRIPT)
    const { stdout } = await execFile(process.execPath, ["main.mjs"], { cwd: project, timeout: 30_000 })
    expect(JSON.parse(stdout)).toEqual({
      sameModule: true,
      issued: { status: "issued", amountDue: 29995, events: ["LinkIssued", "NotificationRequested"] },
      cancelled: { status: "cancelled", cancelledAt: 1_700_000_060, version: 2, events: ["LinkCancelled"] },
      refusal: "Operation not allowed for Invoice in cancelled status.",
      invalid: [["amount", "The amount must be at least INR 1.00"]],
      money: ["KWD 1.000", "₹"],
      internal: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
  }, 120_000)
})
