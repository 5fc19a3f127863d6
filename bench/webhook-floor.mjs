#!/usr/bin/env node
// The floor of webhook delivery: a bare undici loop POSTing one body to one receiver, each request signed as paylinks
// signs a delivery (HMAC-SHA256 of the body with the endpoint's secret) and carrying the same headers, `concurrency`
// requests in flight on kept-alive connections; no storage, no claims, no attempt log. Run as its own process, as the
// paylinks server is: `node bench/webhook-floor.mjs <url> <count> <concurrency> <secret> <body file>`. Prints the
// seconds from the first request to the last answer, and how many answers were not 2xx.
import { createHmac } from "node:crypto"
import fs from "node:fs"
import { createRequire } from "node:module"
import { performance } from "node:perf_hooks"

// The undici paylinks sends with (the webhooks package's dependency), not another copy.
const { Agent, request } = createRequire(new URL("../packages/webhooks/package.json", import.meta.url))("undici")

const [url, countText, concurrencyText, secret, bodyFile] = process.argv.slice(2)
const count = Number(countText)
const body = fs.readFileSync(bodyFile, "utf8")
const agent = new Agent({ keepAliveTimeout: 30_000 })
let next = 0
let failed = 0
const worker = async () => {
  while (next < count) {
    const n = next++
    const response = await request(url, {
      method: "POST",
      dispatcher: agent,
      headers: {
        "content-type": "application/json",
        "user-agent": "paylinks-webhooks/floor",
        "x-razorpay-event-id": `evt_floor${n}`,
        "x-razorpay-signature": createHmac("sha256", secret).update(body).digest("hex")
      },
      body
    })
    await response.body.dump()
    if (response.statusCode < 200 || response.statusCode > 299) failed++
  }
}
const began = performance.now()
await Promise.all(Array.from({ length: Number(concurrencyText) }, worker))
const seconds = (performance.now() - began) / 1000
await agent.close()
console.log(JSON.stringify({ seconds, failed }))
