/**
 * A SQLite database never loads the PostgreSQL driver: a fresh node process imports the package's barrel and
 * opens a SQLite file, then lists the modules it loaded. The same process opening a postgres:// URL (which
 * then fails to connect) does load it, so the check can tell the two apart.
 */
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { tempDatabase } from "./helpers.js"

const PACKAGE = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** Opens `url` through the built barrel in a child process; answers the pg modules it had loaded when done. */
const pgModulesAfterOpening = (url: string): Array<string> => {
  const script = `
    import { createRequire } from "node:module"
    import * as Effect from "effect/Effect"
    import * as Layer from "effect/Layer"
    import * as IdGenerator from "@paylinks/core/IdGenerator"
    import { Storage } from "@paylinks/sql"
    const url = process.argv[1]
    const layer = Storage.layerFromUrl(url, { masterKey: Buffer.alloc(32, 1).toString("base64") })
    await Effect.runPromise(Effect.ignore(Effect.scoped(Layer.build(layer.pipe(Layer.provide(IdGenerator.layerCrypto))))))
    const loaded = Object.keys(createRequire(import.meta.url).cache)
    process.stdout.write(JSON.stringify(loaded.filter((file) => /[\\\\/](pg|pg-pool|@effect[\\\\/]sql-pg)[\\\\/]/.test(file))))
  `
  const output = ChildProcess.execFileSync(process.execPath, ["--input-type=module", "-e", script, url], {
    cwd: PACKAGE,
    encoding: "utf8",
    timeout: 30_000
  })
  return JSON.parse(output)
}

describe("the PostgreSQL driver is loaded only for a postgres:// URL", () => {
  it("opening a SQLite file loads none of it", () => {
    expect(pgModulesAfterOpening(`sqlite:${tempDatabase()}`)).toEqual([])
  })

  it("opening a postgres:// URL does (so the check above can fail)", () => {
    expect(pgModulesAfterOpening("postgres://paylinks:x@127.0.0.1:1/paylinks").length).toBeGreaterThan(0)
  })
})
