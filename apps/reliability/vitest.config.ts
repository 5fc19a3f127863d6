import { defineProjectConfig } from "../../vitest.shared.js"

// One file at a time: each file runs servers, databases and load of its own on a 2-core machine, and
// the fault tests must not be starved by one another.
export default defineProjectConfig("@paylinks/reliability", {
  test: { fileParallelism: false, testTimeout: 180_000 }
})
