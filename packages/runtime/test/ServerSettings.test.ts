import { describe, expect, it } from "@effect/vitest"
import * as ServerConfig from "@paylinks/runtime/ServerConfig"
import * as ServerSettings from "@paylinks/runtime/ServerSettings"

describe("ServerSettings", () => {
  it("names the settings and defaults exactly as ServerConfig reads them", () => {
    expect(ServerSettings.settings).toEqual(ServerConfig.settings)
    expect(ServerSettings.DEFAULT_DATABASE).toBe(ServerConfig.DEFAULT_DATABASE)
    expect(ServerSettings.DEFAULT_HOST).toBe(ServerConfig.DEFAULT_HOST)
    expect(ServerSettings.DEFAULT_PORT).toBe(ServerConfig.DEFAULT_PORT)
    for (const host of ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost"])
      expect(ServerSettings.localUrl(host, 4010)).toBe(ServerConfig.localUrl(host, 4010))
  })
})
