#!/usr/bin/env node
// Transitions per second of the pure state machine (@paylinks/core's built dist/): issue, pay, cancel on immutable
// links in a tight loop, with no storage, clock or effect runtime — the ceiling of what the domain can do per core.
// Run alone: `node bench/core.mjs [--ms 1000]` (needs `pnpm build` of packages/core).
import { performance } from "node:perf_hooks"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"

const CORE = new URL("../packages/core/dist/index.js", import.meta.url)

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const fakeId = (prefix, n) => {
  let text = ""
  for (let i = 0; i < 14; i++) {
    text = BASE62[n % 62] + text
    n = Math.floor(n / 62)
  }
  return `${prefix}_${text}`
}

const right = (either, what) => {
  if (either._tag !== "Right") throw new Error(`${what} was refused: ${JSON.stringify(either.left)}`)
  return either.right
}

/** Calls `step(i)` for about `ms` milliseconds (checking the clock every 1,000 calls); returns calls per second. */
const timed = (ms, step) => {
  let calls = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) step(calls++)
    elapsed = performance.now() - start
  }
  return (calls / elapsed) * 1000
}

export const benchCore = async ({ ms = 1000 } = {}) => {
  const { Transitions, Validation, Tenant } = await import(CORE.href)
  const now = 1_750_000_000
  const command = right(
    Validation.validateCreate(
      {
        type: "link",
        amount: 49900,
        description: "Benchmark order",
        customer: { name: "Asha Rao", email: "asha.rao@example.com", contact: "+919812345678" },
        notes: { channel: "benchmark" }
      },
      now
    ),
    "validateCreate"
  )
  const partialCommand = { ...command, partialPayment: true }
  const tenant = Tenant.make(fakeId("acc", 1), "test")
  const context = (i) => ({
    tenant,
    id: fakeId("inv", i),
    orderId: fakeId("order", i),
    shortCode: "Bench001",
    shortUrl: "http://127.0.0.1/i/Bench001",
    customer: Transitions.newCustomer(fakeId("cust", i), command.customer),
    keyId: "rzp_test_Bench000000001",
    idempotencyKey: null
  })
  const contexts = Array.from({ length: 1024 }, (_, i) => context(i))
  const payIds = contexts.map((_, i) => fakeId("pay", i))
  const issued = Transitions.issue(command, contexts[0], now).link
  const partial = Transitions.issue(partialCommand, contexts[1], now).link
  const full = { amount: null, method: "upi" }
  const half = { amount: 24950, method: "upi" }

  const ops = {
    issue: (i) => Transitions.issue(command, contexts[i & 1023], now),
    "pay (in full)": (i) => right(Transitions.pay(issued, full, payIds[i & 1023], now), "pay"),
    "pay (partial)": (i) => right(Transitions.pay(partial, half, payIds[i & 1023], now), "partial pay"),
    cancel: () => right(Transitions.cancel(issued, now), "cancel"),
    "cancel refused (paid)": () => Transitions.cancel(right(Transitions.pay(issued, full, payIds[0], now)).link, now),
    // One link's whole life: issued, then paid in two parts; and a second one issued then cancelled.
    "lifecycle (5 transitions)": (i) => {
      const link = Transitions.issue(partialCommand, contexts[i & 1023], now).link
      const once = right(Transitions.pay(link, half, payIds[i & 1023], now + 1), "first part").link
      right(Transitions.pay(once, full, payIds[(i + 1) & 1023], now + 2), "second part")
      const other = Transitions.issue(command, contexts[(i + 7) & 1023], now).link
      right(Transitions.cancel(other, now + 3), "cancel")
    }
  }
  // Warm the JIT on every path before anything is timed.
  for (const step of Object.values(ops)) timed(Math.min(200, ms / 2), step)
  const results = {}
  for (const [name, step] of Object.entries(ops)) results[name] = timed(ms, step)
  results["transitions/s (lifecycle)"] = results["lifecycle (5 transitions)"] * 5
  return results
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { ms: { type: "string", default: "1000" } } })
  const results = await benchCore({ ms: Number(values.ms) })
  for (const [name, perSecond] of Object.entries(results))
    console.log(`${name.padEnd(28)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} /s`)
}
