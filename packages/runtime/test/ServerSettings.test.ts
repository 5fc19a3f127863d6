import { describe, expect, it } from "@effect/vitest"
import * as ServerSettings from "@paylinks/runtime/ServerSettings"
import * as Storage from "@paylinks/sql/Storage"

describe("ServerSettings", () => {
  it("names the storage's own default database", () => {
    expect(ServerSettings.DEFAULT_DATABASE).toBe(Storage.DEFAULT_DATABASE_URL)
  })

  it("gives a URL a client on this machine can reach, for every kind of listening address", () => {
    expect(ServerSettings.localUrl("127.0.0.1", 4010)).toBe("http://127.0.0.1:4010")
    expect(ServerSettings.localUrl("0.0.0.0", 4010)).toBe("http://127.0.0.1:4010")
    expect(ServerSettings.localUrl("::", 4010)).toBe("http://[::1]:4010")
    expect(ServerSettings.localUrl("::1", 4010)).toBe("http://[::1]:4010")
    expect(ServerSettings.localUrl("localhost", 4010)).toBe("http://localhost:4010")
  })

  it("imports nothing, so naming the settings loads no storage, HTTP or notifier module", async () => {
    const Fs = await import("node:fs")
    const source = Fs.readFileSync(new URL("../src/ServerSettings.ts", import.meta.url), "utf8")
    expect(source).not.toMatch(/^\s*import\s/m)
  })
})
