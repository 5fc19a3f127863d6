import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as ServerConfig from "../src/ServerConfig.js"

const load = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => ServerConfig.load(argv, env)

const ok = (argv: ReadonlyArray<string>, env: Record<string, string> = {}): ServerConfig.ServerConfig => {
  const loaded = load(argv, env)
  if (Either.isLeft(loaded)) throw new Error(loaded.left.message)
  if (loaded.right === "help") throw new Error("help")
  return loaded.right
}

const error = (argv: ReadonlyArray<string>, env: Record<string, string> = {}): string => {
  const loaded = load(argv, env)
  if (Either.isRight(loaded)) throw new Error("expected a configuration error")
  return loaded.left.message
}

describe("ServerConfig", () => {
  it("defaults: SQLite in the working directory, 127.0.0.1:4010, nothing seeded", () => {
    const config = ok([])
    expect(Redacted.value(config.database)).toBe("sqlite:./paylinks.db")
    expect(config.host).toBe("127.0.0.1")
    expect(config.port).toBe(4010)
    expect(config.publicUrl).toBeUndefined()
    expect(config.seedKey).toBeUndefined()
    expect(config.masterKey).toBeUndefined()
  })

  it("reads every PAYLINKS_* variable, and flags win over them", () => {
    const env = {
      PAYLINKS_DATABASE: "postgres://u:p@db:5432/paylinks",
      PAYLINKS_HOST: "0.0.0.0",
      PAYLINKS_PORT: "8080",
      PAYLINKS_PUBLIC_URL: "https://pay.example.com/",
      PAYLINKS_KEY_ID: "rzp_test_1DP5mmOlF5G5ag",
      PAYLINKS_KEY_SECRET: "thisissecret",
      PAYLINKS_MASTER_KEY: "a2V5"
    }
    const config = ok([], env)
    expect(Redacted.value(config.database)).toBe("postgres://u:p@db:5432/paylinks")
    expect(config).toMatchObject({ host: "0.0.0.0", port: 8080, publicUrl: "https://pay.example.com" })
    expect(config.seedKey?.keyId).toBe("rzp_test_1DP5mmOlF5G5ag")
    expect(Redacted.value(config.seedKey!.secret)).toBe("thisissecret")
    expect(Redacted.value(config.masterKey!)).toBe("a2V5")
    // Secrets never print.
    expect(String(config.seedKey!.secret)).not.toContain("thisissecret")
    expect(JSON.stringify(config)).not.toContain("thisissecret")
    const flagged = ok(["--port", "9090", "--host=::1", "--database", "sqlite:/tmp/x.db"], env)
    expect(flagged).toMatchObject({ host: "::1", port: 9090 })
    expect(Redacted.value(flagged.database)).toBe("sqlite:/tmp/x.db")
  })

  it("refuses bad values with a message that says what is expected", () => {
    expect(error(["--port", "http"])).toContain("port number between 0 and 65535")
    expect(error([], { PAYLINKS_PORT: "70000" })).toContain("port number")
    expect(error(["--public-url", "pay.example.com"])).toContain("http(s) URL")
    expect(error([], { PAYLINKS_KEY_ID: "key_123", PAYLINKS_KEY_SECRET: "s" })).toContain("rzp_test_")
    expect(error([], { PAYLINKS_KEY_ID: "rzp_live_abc" })).toContain("both or neither")
    expect(error([], { PAYLINKS_KEY_SECRET: "s" })).toContain("both or neither")
    expect(error(["--colour", "red"])).toContain("Unknown argument --colour")
    expect(error(["--port"])).toContain("--port needs a value")
  })

  it("answers --help with the usage, which names every variable", () => {
    expect(Either.getOrThrow(load(["--help"]))).toBe("help")
    const usage = ServerConfig.usage()
    for (const name of ["PAYLINKS_DATABASE", "PAYLINKS_HOST", "PAYLINKS_PORT", "PAYLINKS_PUBLIC_URL"]) {
      expect(usage).toContain(name)
    }
    expect(usage).toContain("4010")
  })

  it("the local URL of a listening address", () => {
    expect(ServerConfig.localUrl("127.0.0.1", 4010)).toBe("http://127.0.0.1:4010")
    expect(ServerConfig.localUrl("0.0.0.0", 80)).toBe("http://127.0.0.1:80")
    expect(ServerConfig.localUrl("::1", 4010)).toBe("http://[::1]:4010")
  })
})
