// Load generation with autocannon's programmatic API: one function per request type, each returning the same
// summary (req/s, latency percentiles, status counts), so that the driver can put two targets side by side.
import { performance } from "node:perf_hooks"
import autocannon from "autocannon"

/** The body of every create: a typical link with a customer (both notification channels used) and notes. */
export const CREATE_BODY = JSON.stringify({
  type: "link",
  amount: 49900,
  currency: "INR",
  description: "Benchmark order: one pair of running shoes, size 9",
  receipt: "bench-receipt-0001",
  customer: { name: "Asha Rao", email: "asha.rao@example.com", contact: "+919812345678" },
  notes: { channel: "benchmark", batch: "b-2024" },
  sms_notify: true,
  email_notify: true
})

export const basicAuth = (key) => `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`

/**
 * A pool of distinct link ids handed out once each (cancel needs a distinct issued link per request). When it runs
 * dry the run is stopped and flagged: a number measured on repeats would be a number of refusals.
 */
export class IdPool {
  constructor(ids = []) {
    this.ids = ids
    this.next = 0
  }

  get remaining() {
    return this.ids.length - this.next
  }

  take() {
    return this.next < this.ids.length ? this.ids[this.next++] : undefined
  }
}

// autocannon's own figures are too coarse here: its latency histogram holds whole milliseconds (most fetches take
// less than one), and its duration ends on its next sampling tick, not at the last response (a run bounded by count
// would be charged for the idle rest of that tick). So each response is timed here, with the latency autocannon
// measured for it (from hrtime), and req/s is 2xx responses from the start to the last 2xx response.
class Recorder {
  constructor() {
    this.latencies = new Float64Array(1 << 16)
    this.count = 0
    this.started = performance.now()
    this.last = this.started
  }

  record(statusCode, latency) {
    if (statusCode < 200 || statusCode > 299) return
    this.last = performance.now()
    if (this.count === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2)
      grown.set(this.latencies)
      this.latencies = grown
    }
    this.latencies[this.count++] = latency
  }

  summarize(result, extra) {
    const sorted = this.latencies.subarray(0, this.count).sort()
    const seconds = (this.last - this.started) / 1000
    return withLatencies(
      {
        rps: seconds > 0 ? result["2xx"] / seconds : 0,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: percentile(sorted, 100),
        ok: result["2xx"],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        duration: seconds,
        ...extra
      },
      sorted
    )
  }
}

const percentile = (sorted, p) =>
  sorted.length === 0 ? undefined : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]

// The raw latencies ride along for merging, but stay out of the JSON results.
const withLatencies = (summary, sorted) => Object.defineProperty(summary, "latencies", { value: sorted })

/**
 * Pools several runs of one load on one side into one summary: req/s over their summed time, percentiles over all
 * their responses. The per-run req/s are kept, to show how much the runs agreed.
 */
export const mergeRuns = (runs) => {
  if (runs.length === 1) return runs[0]
  const all = new Float64Array(runs.reduce((n, run) => n + run.latencies.length, 0))
  let offset = 0
  for (const run of runs) {
    all.set(run.latencies, offset)
    offset += run.latencies.length
  }
  all.sort()
  const sum = (field) => runs.reduce((n, run) => n + (run[field] ?? 0), 0)
  const ok = sum("ok")
  const duration = sum("duration")
  const merged = {
    rps: duration > 0 ? ok / duration : 0,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: percentile(all, 100),
    ok,
    non2xx: sum("non2xx"),
    errors: sum("errors"),
    timeouts: sum("timeouts"),
    duration,
    runs: runs.map((run) => run.rps)
  }
  if (runs.some((run) => run.exhausted)) merged.exhausted = true
  if (runs.some((run) => run.rss !== undefined)) merged.rss = Math.max(...runs.map((run) => run.rss ?? 0))
  return withLatencies(merged, all)
}

const fire = (options, onInstance) =>
  new Promise((resolve, reject) => {
    const recorder = new Recorder()
    // A 100 ms sampling tick: a stop (time up, or the pool of links to cancel used up) takes effect within 100 ms.
    const instance = autocannon({ timeout: 10, sampleInt: 100, ...options }, (error, result) =>
      error ? reject(error) : resolve({ result, recorder })
    )
    instance.on("response", (_client, statusCode, _bytes, latency) => recorder.record(statusCode, latency))
    onInstance?.(instance)
  })

/**
 * Runs one load: `kind` is create | fetch | cancel | list. `fetchIds` feeds fetch (picked at random, so a large
 * database is read all over, not from a hot corner); `cancelPool` feeds cancel, one distinct id per request.
 * `duration` in seconds, or `amount` requests in total.
 */
export const runLoad = async ({ url, key, kind, connections, duration, amount, fetchIds, cancelPool }) => {
  const headers = { authorization: basicAuth(key) }
  const base = { url, connections, headers, ...(amount !== undefined ? { amount } : { duration }) }
  let exhausted = false
  let instance
  const onInstance = (i) => {
    instance = i
  }
  let result
  switch (kind) {
    case "create": {
      const request = {
        method: "POST",
        path: "/v1/invoices",
        headers: { ...headers, "content-type": "application/json" },
        body: CREATE_BODY
      }
      result = await fire({ ...base, requests: [request] }, onInstance)
      break
    }
    case "fetch": {
      const ids = fetchIds
      result = await fire(
        {
          ...base,
          requests: [
            {
              method: "GET",
              setupRequest: (request) => {
                request.path = `/v1/invoices/${ids[Math.floor(Math.random() * ids.length)]}`
                return request
              }
            }
          ]
        },
        onInstance
      )
      break
    }
    case "cancel": {
      let last
      result = await fire(
        {
          ...base,
          requests: [
            {
              method: "POST",
              setupRequest: (request) => {
                const id = cancelPool.take()
                if (id === undefined) {
                  // Out of issued links: stop, and let the few requests still to go refuse on an already-cancelled id.
                  exhausted = true
                  instance?.stop()
                } else last = id
                request.path = `/v1/invoices/${last}/cancel`
                return request
              }
            }
          ]
        },
        onInstance
      )
      break
    }
    case "list":
      result = await fire({ ...base, requests: [{ method: "GET", path: "/v1/invoices" }] }, onInstance)
      break
    default:
      throw new Error(`unknown request kind ${kind}`)
  }
  return result.recorder.summarize(result.result, exhausted ? { exhausted: true } : {})
}

/** Checks one response of each kind before loading a target, so that a broken target fails loudly, not as 0 req/s. */
export const probe = async ({ url, key, fetchId, cancelId }) => {
  const authorization = basicAuth(key)
  const expect = async (what, response, check) => {
    const text = await response.text()
    if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 300)}`)
    const body = JSON.parse(text)
    if (!check(body)) throw new Error(`${what}: unexpected body ${text.slice(0, 300)}`)
  }
  await expect(
    "create",
    await fetch(`${url}/v1/invoices`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: CREATE_BODY
    }),
    (body) => body.entity === "invoice" && body.status === "issued"
  )
  await expect(
    "fetch",
    await fetch(`${url}/v1/invoices/${fetchId}`, { headers: { authorization } }),
    (body) => body.id === fetchId
  )
  await expect(
    "list",
    await fetch(`${url}/v1/invoices`, { headers: { authorization } }),
    (body) => body.entity === "collection" && body.items.length > 0
  )
  if (cancelId !== undefined) {
    await expect(
      "cancel",
      await fetch(`${url}/v1/invoices/${cancelId}/cancel`, { method: "POST", headers: { authorization } }),
      (body) => body.id === cancelId && body.status === "cancelled"
    )
  }
}
