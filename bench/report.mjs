// Renders a benchmark run (the JSON that bench/run.mjs writes) as Markdown tables, each ratio shown next to the
// target the benchmark issue sets for it.

import { cliTable } from "./cli.mjs"

export const formatMiB = (bytes) =>
  bytes === undefined || Number.isNaN(bytes) ? "—" : `${(bytes / 2 ** 20).toFixed(0)}`

const MiB = 2 ** 20
const RSS_LIMIT = 200 * MiB

const int = (n) => (n === undefined ? "—" : Math.round(n).toLocaleString("en-US"))
const ms = (n) => (n === undefined ? "—" : n < 10 ? n.toFixed(1) : n.toFixed(0))
const fixed = (n) => (n === undefined ? "—" : n.toFixed(2))
const mark = (ok) => (ok ? "✓" : "✗")

/** The issue's throughput target for a request type at a connection count, if it sets one. */
export const throughputTarget = (kind, connections) => {
  if ((kind === "create" || kind === "cancel") && connections === 32) return 0.8
  if (kind === "fetch" || kind === "list") return 0.6
  return undefined
}

const withTarget = (value, target, atLeast = true) => {
  if (value === undefined) return "—"
  if (target === undefined) return fixed(value)
  const ok = atLeast ? value >= target : value <= target
  return `${fixed(value)} ${mark(ok)} (${atLeast ? "≥" : "≤"} ${target})`
}

const runsText = (options) => `${options.repeat} run${options.repeat === 1 ? "" : "s"} of ${options.duration} s`

const failures = (r) => {
  const parts = [`${r.non2xx}`, `${r.errors + r.timeouts}`]
  return `${parts.join("/")}${r.exhausted ? " †" : ""}`
}

const rssCell = (bytes) => (bytes === undefined ? "—" : `${formatMiB(bytes)} ${mark(bytes <= RSS_LIMIT)}`)

const sqliteTable = (results) => {
  const { rows, peakRss, links } = results.sqlite
  const name = results.target
  const lines = [
    `### SQLite (WAL, synchronous=FULL), ${int(links)} links in each database`,
    "",
    `Each cell: ${runsText(results.options)} per side, the sides alternating; the fetch ids are ${int(results.options.fetchLinks)} ` +
      "of the links, picked at random; every cancel cancels a distinct issued link.",
    "",
    `| request | conns | floor req/s | ${name} req/s | ratio (target) | floor p50 / p99 ms | ${name} p50 / p99 ms | p99 ratio (target) | non-2xx/errors floor · ${name} | peak RSS MiB floor · ${name} (≤ 200) |`,
    "|---|--:|--:|--:|---|--:|--:|---|---|---|"
  ]
  for (const row of rows) {
    const f = row.floor
    const p = row.paylinks
    const p99Target = row.connections === 32 ? 2 : undefined
    lines.push(
      `| ${row.kind} | ${row.connections} | ${int(f.rps)} | ${int(p.rps)} | ${withTarget(row.ratio, throughputTarget(row.kind, row.connections))} | ` +
        `${ms(f.p50)} / ${ms(f.p99)} | ${ms(p.p50)} / ${ms(p.p99)} | ${withTarget(row.p99Ratio, p99Target, false)} | ` +
        `${failures(f)} · ${failures(p)} | ${formatMiB(f.rss)} · ${rssCell(p.rss)} |`
    )
  }
  lines.push(
    "",
    `Peak RSS over the whole section (VmHWM): floor ${formatMiB(peakRss.floor)} MiB, ${name} ${rssCell(peakRss.paylinks)} MiB.`,
    ...deferredTable(rows, name)
  )
  return lines
}

/**
 * What the write runs left for later (the floor leaves nothing): drained after each run, before anything else is
 * measured, and shown here — with the throughput the run would have had if that time had been part of it.
 */
const deferredTable = (rows, name) => {
  const withWork = rows.filter((row) => row.paylinks.deferred !== undefined)
  if (withWork.length === 0) return []
  const lines = [
    "",
    `Deferred work: what ${name} still had to do when a write run ended (outbox entries — the customer notifications ` +
      "of each create, webhook events — and webhook deliveries), drained before the next run; the floor sends no " +
      "notifications and has none. The last two columns count the drain as part of the run.",
    "",
    `| request | conns | pending at the runs' ends | drained in s | entries/s | ${name} req/s with the drain | ratio with the drain |`,
    "|---|--:|--:|--:|--:|--:|--:|"
  ]
  for (const row of withWork) {
    const p = row.paylinks
    const { pending, seconds, left } = p.deferred
    const sustained = p.ok / (p.duration + seconds)
    lines.push(
      `| ${row.kind} | ${row.connections} | ${int(pending)}${left > 0 ? ` (${int(left)} left)` : ""} | ${fixed(seconds)} | ` +
        `${seconds > 0 ? int(pending / seconds) : "—"} | ${int(sustained)} | ${fixed(sustained / row.floor.rps)} |`
    )
  }
  return lines
}

const scaleTable = (results) => {
  const { rows, small, large, cancels } = results.scale
  const name = results.target
  const lines = [
    `### Scale: ${int(small)} vs ${int(large)} links, 32 connections`,
    "",
    `fetch and list: ${runsText(results.options)} per size, the sizes alternating; cancel: ${int(cancels)} distinct ` +
      `issued links per size in ${results.options.repeat} run(s) (bounded by count: the small database has only ` +
      `${int(small)} links), after a warm-up of ${results.options.scaleCancelWarmup}.`,
    "",
    `| request | floor ${int(small)} | floor ${int(large)} | floor ratio | ${name} ${int(small)} | ${name} ${int(large)} | ${name} ratio (target) | ${name} p99 ms ${int(small)} · ${int(large)} |`,
    "|---|--:|--:|--:|--:|--:|---|--:|"
  ]
  for (const row of rows) {
    const f = row.floor
    const p = row.paylinks
    lines.push(
      `| ${row.kind} | ${int(f.small.rps)} | ${int(f.large.rps)} | ${fixed(f.ratio)} | ${int(p.small.rps)} | ` +
        `${int(p.large.rps)} | ${withTarget(p.ratio, 0.9)} | ${ms(p.small.p99)} · ${ms(p.large.p99)} |`
    )
  }
  return lines
}

const postgresTable = (results) => {
  const pg = results.postgres
  if (pg.skipped) return ["### PostgreSQL", "", `Skipped: ${pg.skipped}.`]
  const lines = [
    `### PostgreSQL (${pg.version}; fsync and synchronous_commit on), ${pg.connections} connections split over the processes`,
    "",
    `Each cell: ${runsText(results.options)}, one process and two alternating.`,
    "",
    "| request | 1 process req/s | p50 / p99 ms | 2 processes req/s | p50 / p99 ms | 2 / 1 | non-2xx/errors 1 · 2 | peak RSS MiB per process |",
    "|---|--:|--:|--:|--:|--:|---|---|"
  ]
  const [one, two] = pg.rows
  for (const kind of ["create", "cancel"]) {
    const a = one[kind]
    const b = two[kind]
    lines.push(
      `| ${kind} | ${int(a.rps)} | ${ms(a.p50)} / ${ms(a.p99)} | ${int(b.rps)} | ${ms(b.p50)} / ${ms(b.p99)} | ` +
        `${fixed(pg.ratio[kind])} | ${failures(a)} · ${failures(b)} | ${a.rssPerProcess.map(formatMiB).join(", ")} · ` +
        `${b.rssPerProcess.map(formatMiB).join(", ")} |`
    )
  }
  lines.push(
    "",
    "p50 is the mean of the two loads, p99 the worse of them; each cancel cancels a distinct link seeded in bulk (COPY)."
  )
  return lines
}

const webhooksTable = (results) => {
  const w = results.webhooks
  if (w.skipped) return ["### Webhook deliveries to one fast endpoint", "", `Skipped: ${w.skipped}.`]
  return [
    "### Webhook deliveries to one fast endpoint",
    "",
    `A backlog of ${w.events.toLocaleString("en-US")} \`invoice.cancelled\` events (${w.body} bytes each) to one ` +
      "receiver on loopback that answers 200 at once, drained by the server's dispatcher at its default settings " +
      `(from listening to the last answer); the floor POSTs the same body, signed the same way, with ${w.concurrency} ` +
      "requests in flight (the dispatcher's default per endpoint) from a bare undici loop in its own process.",
    "",
    "| | deliveries | seconds | deliveries/s |",
    "|---|--:|--:|--:|",
    `| floor (undici loop) | ${w.floor.deliveries} | ${w.floor.seconds.toFixed(2)} | ${int(w.floor.rate)} |`,
    `| paylinks dispatcher | ${w.paylinks.deliveries} | ${w.paylinks.seconds.toFixed(2)} | ${int(w.paylinks.rate)} |`,
    "",
    `paylinks / floor: ${fixed(w.ratio)}; target ≥ 500 deliveries/s ${w.paylinks.rate >= 500 ? "✓" : "✗"}; ` +
      `server peak RSS ${formatMiB(w.peakRss)} MiB.`
  ]
}

const coreTable = (results) => [
  "### Core: the pure state machine (@paylinks/core, one thread)",
  "",
  "| operation | per second |",
  "|---|--:|",
  ...Object.entries(results.core).map(([name, perSecond]) => `| ${name} | ${int(perSecond)} |`)
]

/** The start-up section (bench/startup.mjs). */
const startupTable = (startup) => [
  "### Start-up: spawn → listening (median of each side's runs, alternating)",
  "",
  "| database | paylinks listening | paylinks first /healthz 200 | baseline listening | ratio | exit on SIGTERM |",
  "| --- | ---: | ---: | ---: | ---: | --- |",
  ...Object.entries(startup).map(
    ([kind, r]) =>
      `| ${kind} (${r.runs} runs) | ${r.paylinks.listeningMs.toFixed(0)} ms | ${r.paylinks.answeringMs.toFixed(0)} ms | ` +
      `${r.baseline.listeningMs.toFixed(0)} ms | ${r.ratio.toFixed(2)} | ${r.paylinks.exits.join(", ")} |`
  ),
  "",
  "Baseline: `node -e` opening the same kind of SQLite file with better-sqlite3 (WAL, one statement) and listening " +
    "with node:http. Target: paylinks ≤ 500 ms on a warm disk."
]

export const formatMarkdown = (results) => {
  const m = results.machine
  const lines = [
    `## Benchmark run ${results.startedAt}`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} MiB; Node ${m.node}; ${m.platform}; load average at start ` +
      `${m.loadAverage.join(" ")}. Command: \`${results.command}\`. Target: ${results.target}.`,
    ""
  ]
  if (results.target !== "paylinks")
    lines.push(
      `**The "${results.target}" column is not paylinks**: it is a second floor, which checks the harness only.`,
      ""
    )
  for (const [section, message] of Object.entries(results.failures ?? {}))
    lines.push(`**Section ${section} failed**: ${message.split("\n")[0]}`, "")
  if (results.sqlite) lines.push(...sqliteTable(results), "")
  if (results.scale) lines.push(...scaleTable(results), "")
  if (results.postgres) lines.push(...postgresTable(results), "")
  if (results.webhooks) lines.push(...webhooksTable(results), "")
  if (results.core) lines.push(...coreTable(results), "")
  if (results.startup) lines.push(...startupTable(results.startup), "")
  if (results.cli) lines.push(...cliTable(results), "")
  lines.push(
    "req/s counts 2xx responses only. non-2xx/errors: responses other than 2xx / socket errors and timeouts; " +
      "† = the run used up its pool of issued links and stopped early.",
    "",
    `Total time: ${results.totalSeconds.toFixed(0)} s.`,
    ""
  )
  return lines.join("\n")
}
