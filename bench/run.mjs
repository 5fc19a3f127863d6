#!/usr/bin/env node
// `pnpm bench`: paylinks against the floor of its own stack (bench/floor.mjs), on loopback, same machine, same load.
// Sections: SQLite (create / fetch / cancel / list at 1, 32 and 128 connections), scale (fetch / list / cancel with
// 1,000 and 1,000,000 links), PostgreSQL (create / cancel on one and two server processes sharing one database),
// webhooks (deliveries per second to one fast endpoint, against a bare undici loop), core (transitions per second of
// the pure state machine), startup (spawn → listening against a bare node:http + better-sqlite3 start) and cli
// (`paylinks --version` and a local `links get` against bare `node -e 0`). Writes
// bench/results/<time>.json and .md (and latest.*),
// prints the table and the total time. BENCHMARKS.md says what each number means.
//
// Flags: --quick (a ~1-minute smoke), --duration <s> (each measured run, default 3), --repeat <n> (runs per side
// and cell, alternating sides, default 2), --connections 1,32,128,
// --large <n> (the big database of the scale section, default 1000000), --target paylinks|floor (floor puts a
// second floor in the paylinks column, to check the harness: every ratio ≈ 1.0),
// --only sqlite,scale,postgres,webhooks,core,startup,cli.
import { execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import fs from "node:fs"
import http from "node:http"
import os from "node:os"
import path from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { findPgBinDir, startCluster, stopCluster } from "../scripts/pg-cluster.mjs"
import { benchCli } from "./cli.mjs"
import { benchCore } from "./core.mjs"
import { CREATE_BODY, IdPool, mergeRuns, probe, runLoad } from "./load.mjs"
import { seedPaylinksPostgres } from "./paylinks-seed.mjs"
import { formatMarkdown, formatMiB } from "./report.mjs"
import { benchStartup } from "./startup.mjs"
import {
  floorTarget,
  freePort,
  memoryOf,
  PAYLINKS_MAIN,
  paylinksTarget,
  ROOT,
  reaper,
  standInTarget,
  sleep,
  startServer
} from "./targets.mjs"

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    repeat: { type: "string" },
    connections: { type: "string" },
    large: { type: "string" },
    target: { type: "string", default: "paylinks" },
    only: { type: "string" }
  }
})

const quick = flags.quick
const options = {
  quick,
  duration: Number(flags.duration ?? (quick ? 1 : 3)),
  repeat: Number(flags.repeat ?? (quick ? 1 : 2)),
  warmup: quick ? 0.3 : 1,
  connections: (flags.connections ?? "1,32,128").split(",").map(Number),
  fetchLinks: 1000,
  small: 1000,
  large: Number(flags.large ?? (quick ? 100_000 : 1_000_000)),
  // Every cancel needs its own issued link, seeded in advance: enough for this rate, sustained, at every count.
  cancelRateCeiling: 20_000,
  pgCancelRateCeiling: 5_000,
  scaleCancels: 1000,
  scaleCancelWarmup: 100,
  coreMs: quick ? 300 : 1000,
  webhookEvents: quick ? 500 : 2000,
  startupRuns: quick ? 3 : 9,
  sections: new Set((flags.only ?? "sqlite,scale,postgres,webhooks,core,startup,cli").split(","))
}

const log = (message) => console.log(`[bench] ${message}`)
const loud = (message) => console.log(`!!! ${message}`)

const started = performance.now()
const tracker = reaper()
const BENCH_DB = "paylinks_bench"

const base62 = (n) => {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
  return [...randomBytes(n * 2)]
    .filter((b) => b < 248)
    .slice(0, n)
    .map((b) => alphabet[b % 62])
    .join("")
}

// The same key pair is seeded on every server of the run, so both sides check the same credentials.
const key = { id: `rzp_test_${base62(14)}`, secret: base62(32) }

const resolveTarget = () => {
  if (flags.target === "floor") return standInTarget
  if (flags.target !== "paylinks") throw new Error(`--target must be paylinks or floor, not ${flags.target}`)
  if (fs.existsSync(PAYLINKS_MAIN)) return paylinksTarget
  loud(`${path.relative(ROOT, PAYLINKS_MAIN)} does not exist: the paylinks column is a second floor (stand-in).`)
  loud("Its ratios only prove the harness (they should be about 1.0); they say nothing about paylinks.")
  return standInTarget
}

const machine = () => {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memory: formatMiB(os.totalmem()),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((n) => n.toFixed(2))
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A side: one target's server on its own fresh SQLite file, links seeded in bulk while it is stopped.

class Side {
  constructor(target, dir, label) {
    this.target = target
    this.dir = dir
    this.label = label
    this.file = path.join(dir, `${label}.db`)
    this.logFile = path.join(dir, `${label}.log`)
    this.server = undefined
  }

  async start() {
    // The same port on every start: the links seeded while it was stopped carry short URLs with it.
    this.port ??= await freePort()
    this.server = tracker.track(
      await startServer(this.target, { database: `sqlite:${this.file}`, key, logFile: this.logFile, port: this.port })
    )
    return this.server
  }

  /** Starts once (the server creates and migrates its database, seeds the key), stops, writes `count` links. */
  async prepare(count) {
    await this.start()
    const publicUrl = this.server.url
    await this.stop()
    const began = performance.now()
    const ids = await this.target.seed(this.file, {
      keyId: key.id,
      count,
      now: Math.floor(Date.now() / 1000),
      publicUrl,
      // Seeded links are what the benchmark's create makes, so fetch and list return the same entity either way.
      input: JSON.parse(CREATE_BODY)
    })
    log(
      `${this.label}: seeded ${count.toLocaleString("en-US")} links in ${((performance.now() - began) / 1000).toFixed(1)} s`
    )
    await this.start()
    return ids
  }

  async stop() {
    if (this.server === undefined) return
    const code = await this.server.stop()
    if (code !== 0 && code !== "SIGTERM") log(`${this.label}: server exited with ${code} (log: ${this.logFile})`)
    this.server = undefined
  }

  // The side not being measured is frozen, so its background work (an outbox relay, a sweeper) cannot take CPU from
  // the side that is; it catches up when it runs again, inside its own measurements.
  pause() {
    this.server?.child.kill("SIGSTOP")
  }

  resume() {
    this.server?.child.kill("SIGCONT")
  }

  /** The server's peak resident memory since it started (VmHWM), in bytes. */
  peakRss() {
    return this.server === undefined ? undefined : memoryOf(this.server.pid)?.hwm
  }
}

/** Request types whose answers leave work for later (customer notifications, webhook events). */
const WRITES = new Set(["create", "cancel"])
const SETTLE_TIMEOUT_MS = 300_000

/**
 * Waits until the side has done the work its answers left for later (`target.pendingWork`), so that it is not done
 * inside the next measurement of another request type; returns how much there was and how long it took.
 */
const settle = async (side) => {
  const began = performance.now()
  const pending = side.target.pendingWork(side.file)
  let left = pending
  while (left > 0 && performance.now() - began < SETTLE_TIMEOUT_MS) {
    await sleep(50)
    left = side.target.pendingWork(side.file)
  }
  if (left > 0) loud(`${side.label}: ${left} deferred entries still pending after ${SETTLE_TIMEOUT_MS / 1000} s`)
  return { pending, seconds: pending === 0 ? 0 : (performance.now() - began) / 1000, left }
}

/**
 * One measured load on one side, with its server's peak RSS during the load (and while it settles); the side is
 * frozen again after. After a write load the side first settles: its deferred work is measured on its own.
 */
const measure = async (side, load) => {
  side.resume()
  const stopSampling = side.server.sampleMemory()
  try {
    const result = await runLoad({ url: side.server.url, key, ...load })
    if (WRITES.has(load.kind)) result.deferred = await settle(side)
    result.rss = stopSampling()
    return result
  } catch (error) {
    stopSampling()
    throw error
  } finally {
    side.pause()
  }
}

/** The deferred work of pooled runs: entries left pending at their ends, and the time it took to drain them. */
const mergeDeferred = (runs) =>
  runs.some((run) => run.deferred !== undefined)
    ? {
        pending: runs.reduce((n, run) => n + (run.deferred?.pending ?? 0), 0),
        seconds: runs.reduce((n, run) => n + (run.deferred?.seconds ?? 0), 0),
        left: runs.reduce((n, run) => n + (run.deferred?.left ?? 0), 0)
      }
    : undefined

/**
 * The same load on two sides, `options.repeat` rounds in A B, B A, A B … order, so that a drift in the machine's
 * load (others' work on the shared cores) falls on both sides alike; each side's runs are pooled into one result.
 */
const alternate = async (a, b, load) => {
  const runs = new Map([
    [a, []],
    [b, []]
  ])
  for (let round = 0; round < options.repeat; round++)
    for (const side of round % 2 === 0 ? [a, b] : [b, a]) runs.get(side).push(await measure(side, load(side)))
  return [a, b].map((side) => {
    const merged = mergeRuns(runs.get(side))
    const deferred = mergeDeferred(runs.get(side))
    return deferred === undefined ? merged : { ...merged, deferred }
  })
}

const ratio = (a, b) => (b > 0 ? a / b : undefined)

// ---------------------------------------------------------------------------------------------------------------
// SQLite: every request type at every connection count, floor and paylinks alternating.

const KINDS = ["create", "fetch", "cancel", "list"]

const sqliteSection = async (target, dir) => {
  const measuredSeconds = options.duration * options.repeat * options.connections.length + options.warmup
  const poolSize = Math.ceil(options.cancelRateCeiling * measuredSeconds)
  const floor = new Side(floorTarget, dir, "floor")
  const paylinks = new Side(target, dir, "paylinks")
  const state = new Map()
  try {
    for (const side of [floor, paylinks]) {
      const ids = await side.prepare(options.fetchLinks + poolSize)
      await probe({ url: side.server.url, key, fetchId: ids[0], cancelId: ids.at(-1) })
      state.set(side, {
        fetchIds: ids.slice(0, options.fetchLinks),
        cancelPool: new IdPool(ids.slice(options.fetchLinks, -1))
      })
      side.pause()
    }
    const rows = []
    for (const kind of KINDS) {
      // Warm each server's path for this request (JIT, statement caches) before anything of it is measured.
      for (const side of [floor, paylinks])
        await measure(side, { kind, connections: 8, duration: options.warmup, ...state.get(side) })
      for (const connections of options.connections) {
        const [f, p] = await alternate(floor, paylinks, (side) => ({
          kind,
          connections,
          duration: options.duration,
          ...state.get(side)
        }))
        const row = {
          kind,
          connections,
          floor: f,
          paylinks: p,
          ratio: ratio(p.rps, f.rps),
          p99Ratio: ratio(p.p99, f.p99)
        }
        log(
          `${kind.padEnd(6)} ${String(connections).padStart(3)} conns: floor ${Math.round(f.rps)} req/s, ` +
            `${target.name} ${Math.round(p.rps)} req/s, ratio ${row.ratio?.toFixed(2)}`
        )
        rows.push(row)
      }
    }
    const peakRss = { floor: floor.peakRss(), paylinks: paylinks.peakRss() }
    return { rows, peakRss, links: options.fetchLinks + poolSize }
  } finally {
    await floor.stop()
    await paylinks.stop()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scale: the same fetch / list / cancel on a database of `small` links and one of `large` links, the two servers of
// one target running side by side and alternating like floor and paylinks do above.

const scaleSection = async (target, dir) => {
  const connections = 32
  const byTarget = {}
  for (const [label, t] of [
    ["floor", floorTarget],
    ["paylinks", target]
  ]) {
    const small = new Side(t, dir, `${label}-${options.small}`)
    const large = new Side(t, dir, `${label}-${options.large}`)
    const ids = new Map()
    try {
      for (const side of [small, large]) {
        const seeded = await side.prepare(side === small ? options.small : options.large)
        await probe({ url: side.server.url, key, fetchId: seeded[0] })
        ids.set(side, seeded)
        side.pause()
      }
      const results = { small: {}, large: {} }
      for (const kind of ["fetch", "list"]) {
        for (const side of [small, large])
          await measure(side, { kind, connections: 8, duration: options.warmup, fetchIds: ids.get(side) })
        ;[results.small[kind], results.large[kind]] = await alternate(small, large, (side) => ({
          kind,
          connections,
          duration: options.duration,
          fetchIds: ids.get(side)
        }))
      }
      // Cancels are bounded by count, not time: the small database holds only `small` links to cancel, and both sizes
      // cancel the same number of distinct issued links, so that the two figures are comparable.
      const cancels = Math.min(options.small, options.scaleCancels)
      const perRound = Math.floor((cancels - options.scaleCancelWarmup) / options.repeat)
      const pools = new Map([small, large].map((side) => [side, new IdPool(shuffle(ids.get(side)).slice(0, cancels))]))
      for (const side of [small, large])
        await measure(side, {
          kind: "cancel",
          connections,
          amount: options.scaleCancelWarmup,
          cancelPool: pools.get(side)
        })
      ;[results.small.cancel, results.large.cancel] = await alternate(small, large, (side) => ({
        kind: "cancel",
        connections,
        amount: perRound,
        cancelPool: pools.get(side)
      }))
      results.peakRss = { small: small.peakRss(), large: large.peakRss() }
      byTarget[label] = results
      for (const kind of ["fetch", "list", "cancel"])
        log(
          `scale ${label} ${kind}: ${Math.round(results.small[kind].rps)} req/s with ${options.small.toLocaleString("en-US")} links, ` +
            `${Math.round(results.large[kind].rps)} with ${options.large.toLocaleString("en-US")}`
        )
    } finally {
      for (const side of [small, large]) {
        await side.stop()
        for (const suffix of ["", "-wal", "-shm", ".key"]) fs.rmSync(`${side.file}${suffix}`, { force: true })
      }
    }
  }
  const rows = ["fetch", "list", "cancel"].map((kind) => {
    const row = { kind, connections }
    for (const label of ["floor", "paylinks"]) {
      const { small, large } = byTarget[label]
      row[label] = { small: small[kind], large: large[kind], ratio: ratio(large[kind].rps, small[kind].rps) }
    }
    return row
  })
  return {
    small: options.small,
    large: options.large,
    cancels: Math.min(options.small, options.scaleCancels),
    rows,
    peakRss: { floor: byTarget.floor.peakRss, paylinks: byTarget.paylinks.peakRss }
  }
}

const shuffle = (items) => {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL: create, then cancel the links just created, on one server process and then on two sharing the database.

const postgresSection = async (target, dir) => {
  if (!target.postgres) {
    loud(`PostgreSQL section SKIPPED: it measures the paylinks server, and the target is ${target.name}`)
    return { skipped: `the target (${target.name}) has no PostgreSQL storage` }
  }
  const bin = findPgBinDir()
  if (bin === undefined) {
    loud("PostgreSQL section SKIPPED: PostgreSQL binaries not found (install postgresql to run it)")
    return { skipped: "PostgreSQL binaries not found" }
  }
  // Its own temp dir, not one inside `dir`: as root, the cluster runs as the postgres user, who must reach it.
  const clusterDir = tracker.trackDir(
    fs.mkdtempSync(path.join(process.getuid?.() === 0 ? "/tmp" : os.tmpdir(), "paylinks-bench-pg-"))
  )
  let postgres
  const servers = []
  try {
    log(`starting a throwaway PostgreSQL cluster from ${bin} (durable: fsync and synchronous_commit on)`)
    const port = await startCluster({
      bin,
      dir: clusterDir,
      database: BENCH_DB,
      settings: ["max_connections=200"],
      log,
      onChild: (child) => {
        postgres = child
        tracker.trackCluster({ child, stop: () => stopCluster(child) })
      }
    })
    const database = `postgres://postgres@127.0.0.1:${port}/${BENCH_DB}`
    const version = execFileSync(path.join(bin, "postgres"), ["--version"], { encoding: "utf8" }).trim()
    // Servers sharing a PostgreSQL database share the master key that encrypts API key secrets.
    const extraEnv = { PAYLINKS_MASTER_KEY: randomBytes(32).toString("base64") }
    const start = async (n) =>
      tracker.track(
        await startServer(target, { database, key, logFile: path.join(dir, `paylinks-pg-${n}.log`), extraEnv })
      )
    const connections = 32
    servers.push(await start(1))
    // Links to cancel, written in bulk once the first server has migrated the database and seeded the key.
    const poolSize = Math.ceil(options.pgCancelRateCeiling * 2 * (options.duration * options.repeat + options.warmup))
    const began = performance.now()
    const pool = new IdPool(
      await seedPaylinksPostgres({
        bin,
        url: database,
        keyId: key.id,
        count: poolSize + 1,
        now: Math.floor(Date.now() / 1000),
        publicUrl: servers[0].url,
        input: JSON.parse(CREATE_BODY)
      })
    )
    log(
      `postgres: seeded ${poolSize.toLocaleString("en-US")} links in ${((performance.now() - began) / 1000).toFixed(1)} s`
    )
    await probe({ url: servers[0].url, key, fetchId: pool.take(), cancelId: pool.take() })
    servers.push(await start(2))
    // One process or two: the connections are split evenly over the processes in use, each loaded by its own
    // autocannon instance; a process not in use is frozen.
    const run = async (processes, load) => {
      const used = servers.slice(0, processes)
      for (const server of servers.slice(processes)) server.child.kill("SIGSTOP")
      try {
        const samplers = used.map((server) => server.sampleMemory())
        const results = await Promise.all(
          used.map((server) =>
            runLoad({
              url: server.url,
              key,
              connections: Math.floor(connections / processes),
              cancelPool: pool,
              ...load
            })
          )
        )
        return combine(
          results,
          samplers.map((stop) => stop())
        )
      } finally {
        for (const server of servers) server.child.kill("SIGCONT")
      }
    }
    const results = { 1: {}, 2: {} }
    for (const kind of ["create", "cancel"]) {
      for (const processes of [1, 2]) await run(processes, { kind, duration: options.warmup })
      const runs = { 1: [], 2: [] }
      for (let round = 0; round < options.repeat; round++)
        for (const processes of round % 2 === 0 ? [1, 2] : [2, 1])
          runs[processes].push(await run(processes, { kind, duration: options.duration }))
      for (const processes of [1, 2]) results[processes][kind] = mergeCombined(runs[processes])
      log(
        `postgres ${kind}: ${Math.round(results[1][kind].rps)} req/s on one process, ` +
          `${Math.round(results[2][kind].rps)} on two`
      )
    }
    const rows = [1, 2].map((processes) => ({ processes, ...results[processes] }))
    return {
      version,
      connections,
      rows,
      ratio: {
        create: ratio(rows[1].create.rps, rows[0].create.rps),
        cancel: ratio(rows[1].cancel.rps, rows[0].cancel.rps)
      }
    }
  } finally {
    for (const server of servers) await server.stop()
    await stopCluster(postgres)
    tracker.trackCluster(undefined)
    fs.rmSync(clusterDir, { recursive: true, force: true })
  }
}

/** Pools the rounds of one PostgreSQL configuration: req/s over the summed time; p50 their mean, p99 their worst. */
const mergeCombined = (runs) => {
  if (runs.length === 1) return runs[0]
  const sum = (field) => runs.reduce((n, run) => n + (run[field] ?? 0), 0)
  return {
    rps: sum("ok") / sum("duration"),
    p50: sum("p50") / runs.length,
    p99: Math.max(...runs.map((run) => run.p99)),
    ok: sum("ok"),
    non2xx: sum("non2xx"),
    errors: sum("errors"),
    timeouts: sum("timeouts"),
    duration: sum("duration"),
    exhausted: runs.some((run) => run.exhausted) || undefined,
    rss: Math.max(...runs.map((run) => run.rss)),
    rssPerProcess: runs[0].rssPerProcess.map((_, i) => Math.max(...runs.map((run) => run.rssPerProcess[i]))),
    runs: runs.map((run) => run.rps)
  }
}

/** Sums throughput over concurrent loads; p50 is their mean, p99 their worst. */
const combine = (results, rss) => ({
  rps: results.reduce((sum, r) => sum + r.rps, 0),
  p50: results.reduce((sum, r) => sum + r.p50, 0) / results.length,
  p99: Math.max(...results.map((r) => r.p99)),
  ok: results.reduce((sum, r) => sum + r.ok, 0),
  non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  errors: results.reduce((sum, r) => sum + r.errors, 0),
  timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
  duration: Math.max(...results.map((r) => r.duration)),
  exhausted: results.some((r) => r.exhausted) || undefined,
  rss: Math.max(...rss),
  rssPerProcess: rss
})

// ---------------------------------------------------------------------------------------------------------------
// Webhooks: a backlog of events to one endpoint that answers at once (as after a crash, or a burst), drained by the
// server's own dispatcher at its default settings; against a bare undici loop POSTing the same body, signed the same
// way, with as many requests in flight as the dispatcher allows one endpoint (its default, 4), to the same receiver.

const CLI_MAIN = path.join(ROOT, "apps", "cli", "dist", "bin.js")
const WEBHOOK_SECRET = "bench-webhook-secret"
const DEFAULT_PER_ENDPOINT = 4

/** A receiver on 127.0.0.1 that answers 200 at once; `waitFor(n)` resolves once n requests have been answered. */
const startHookReceiver = () =>
  new Promise((resolve) => {
    const state = { count: 0, firstBody: undefined, waiters: [] }
    const server = http.createServer((req, res) => {
      const chunks = []
      req.on("data", (chunk) => chunks.push(chunk))
      req.on("end", () => {
        state.firstBody ??= Buffer.concat(chunks).toString("utf8")
        res.writeHead(200, { "content-type": "text/plain" }).end("ok")
        state.count++
        for (const waiter of state.waiters.filter((waiter) => state.count >= waiter.n)) waiter.resolve()
        state.waiters = state.waiters.filter((waiter) => state.count < waiter.n)
      })
    })
    server.keepAliveTimeout = 60_000
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/hooks`,
        state,
        reset: () => {
          state.count = 0
        },
        waitFor: (n, timeoutMs) =>
          new Promise((done, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`the receiver got ${state.count} of ${n} in ${timeoutMs / 1000} s`)),
              timeoutMs
            )
            const finish = () => {
              clearTimeout(timer)
              done()
            }
            if (state.count >= n) finish()
            else state.waiters.push({ n, resolve: finish })
          }),
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    )
  })

const webhooksSection = async (target, dir) => {
  if (!target.postgres) {
    loud(`webhooks section SKIPPED: it measures the paylinks dispatcher, and the target is ${target.name}`)
    return { skipped: `the target (${target.name}) has no dispatcher` }
  }
  if (!fs.existsSync(CLI_MAIN)) throw new Error(`${path.relative(ROOT, CLI_MAIN)} is missing: build first`)
  const events = options.webhookEvents
  const receiver = await startHookReceiver()
  const side = new Side(target, dir, "webhooks")
  try {
    // The endpoint (invoice.cancelled, the event of the benchmark's cancels) registered with the CLI on the database.
    const ids = await side.prepare(events + 1)
    await side.stop()
    execFileSync(
      process.execPath,
      [
        CLI_MAIN,
        "webhooks",
        "add",
        "--database",
        `sqlite:${side.file}`,
        "--url",
        receiver.url,
        "--secret",
        WEBHOOK_SECRET,
        "--events",
        "invoice.cancelled"
      ],
      { cwd: ROOT, stdio: "ignore", env: { ...process.env, PAYLINKS_KEY_ID: key.id } }
    )
    // The backlog: `events` cancels answered by a server whose dispatcher is off, so all of it waits in the outbox.
    side.server = tracker.track(
      await startServer(target, {
        database: `sqlite:${side.file}`,
        key,
        logFile: side.logFile,
        port: side.port,
        extraEnv: { PAYLINKS_DISPATCHER: "off" }
      })
    )
    const cancelled = await runLoad({
      url: side.server.url,
      key,
      kind: "cancel",
      connections: 32,
      amount: events,
      cancelPool: new IdPool(ids.slice(0, events))
    })
    if (cancelled.ok !== events) throw new Error(`${cancelled.ok} of ${events} cancels answered 2xx`)
    await side.stop()
    // Drained by the dispatcher of a server started on it: from the moment it listens to the last answer received.
    const began = performance.now()
    await side.start()
    const listening = performance.now()
    await receiver.waitFor(events, SETTLE_TIMEOUT_MS)
    const seconds = (performance.now() - listening) / 1000
    const peakRss = side.peakRss()
    await side.stop()
    const paylinks = {
      deliveries: receiver.state.count,
      seconds,
      rate: events / seconds,
      start: (listening - began) / 1000
    }
    log(`webhooks: paylinks delivered ${events} events in ${seconds.toFixed(2)} s (${Math.round(paylinks.rate)}/s)`)
    // The floor: the same body and signature work through a bare undici loop in its own process.
    const bodyFile = path.join(dir, "webhook-body.json")
    fs.writeFileSync(bodyFile, receiver.state.firstBody ?? "{}")
    receiver.reset()
    const floorOut = await new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          path.join(ROOT, "bench", "webhook-floor.mjs"),
          receiver.url,
          String(events),
          String(DEFAULT_PER_ENDPOINT),
          WEBHOOK_SECRET,
          bodyFile
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] }
      )
      let out = ""
      child.stdout.on("data", (chunk) => {
        out += chunk
      })
      child.once("error", reject)
      child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`webhook floor exited ${code}`))))
    })
    const floorRun = JSON.parse(floorOut)
    const floor = { deliveries: events - floorRun.failed, seconds: floorRun.seconds, rate: events / floorRun.seconds }
    log(`webhooks: floor sent ${events} in ${floor.seconds.toFixed(2)} s (${Math.round(floor.rate)}/s)`)
    return {
      events,
      concurrency: DEFAULT_PER_ENDPOINT,
      paylinks,
      floor,
      ratio: ratio(paylinks.rate, floor.rate),
      peakRss,
      body: (receiver.state.firstBody ?? "").length
    }
  } finally {
    await side.stop()
    await receiver.close()
  }
}

// ---------------------------------------------------------------------------------------------------------------

const main = async () => {
  const target = resolveTarget()
  const dir = tracker.trackDir(
    fs.mkdtempSync(path.join(process.getuid?.() === 0 ? "/tmp" : os.tmpdir(), "paylinks-bench-"))
  )
  const results = {
    startedAt: new Date().toISOString(),
    command: `node bench/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    machine: machine(),
    options: { ...options, sections: [...options.sections] },
    target: target.name,
    key: key.id
  }
  log(`target: ${target.name}; ${options.duration} s per run; connections ${options.connections.join(", ")}`)
  const sections = [
    ["sqlite", () => sqliteSection(target, dir)],
    ["scale", () => scaleSection(target, dir)],
    ["postgres", () => postgresSection(target, dir)],
    ["webhooks", () => webhooksSection(target, dir)],
    ["core", () => benchCore({ ms: options.coreMs })],
    ["startup", () => benchStartup({ dir, runs: options.startupRuns, log })],
    ["cli", () => benchCli({ runs: quick ? 5 : 15, dir })]
  ]
  results.failures = {}
  try {
    for (const [name, section] of sections) {
      if (!options.sections.has(name)) continue
      log(`section: ${name}`)
      // A failed section is reported and the others still run: one broken request type must not hide the rest.
      try {
        results[name] = await section()
      } catch (error) {
        loud(`section ${name} FAILED: ${error.stack ?? error}`)
        results.failures[name] = String(error.message ?? error)
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  results.totalSeconds = (performance.now() - started) / 1000
  const outDir = path.join(ROOT, "bench", "results")
  fs.mkdirSync(outDir, { recursive: true })
  const stamp = results.startedAt.replace(/[:.]/g, "-")
  const markdown = formatMarkdown(results)
  for (const name of [stamp, "latest"]) {
    fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`)
    fs.writeFileSync(path.join(outDir, `${name}.md`), markdown)
  }
  console.log(`\n${markdown}`)
  log(`results: ${path.relative(ROOT, path.join(outDir, `${stamp}.json`))} and .md (also latest.json, latest.md)`)
  log(`total time: ${results.totalSeconds.toFixed(0)} s`)
  if (Object.keys(results.failures).length > 0) {
    loud(`failed sections: ${Object.keys(results.failures).join(", ")}`)
    process.exitCode = 1
  }
}

await main()
