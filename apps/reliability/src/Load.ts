/**
 * Mixed load from several merchants: create, pay (the sandbox endpoint), cancel, fetch and list, by
 * a number of concurrent workers, against whichever servers are up at the moment. Every request and
 * its outcome is written to a ledger, and every answer is checked as it arrives: the endpoint's
 * entity or Razorpay's envelope, a refusal only with the ordinary domain text of that command, a
 * list that shows the caller's own links only. After the run the ledger says what was acknowledged,
 * and `acknowledgedProblems` compares that with what is stored.
 */
import * as Crypto from "node:crypto"
import type { KeyPair } from "./Admin.js"
import { basic, type Outcome, send } from "./Http.js"
import { sleep } from "./Processes.js"
import * as Shapes from "./Shapes.js"
import type { Snapshot } from "./Snapshot.js"

export interface Merchant {
  readonly pair: KeyPair
  readonly auth: string
}

export const merchant = (pair: KeyPair): Merchant => ({ pair, auth: basic(pair.keyId, pair.secret) })

export type Op = "create" | "pay" | "cancel" | "fetch" | "list"

/** One request of the load and what became of it. */
export interface Entry {
  readonly op: Op
  readonly keyId: string
  readonly linkId: string | undefined
  /** The receipt of a create: unique per create, so a create's link can be found whatever its outcome. */
  readonly receipt: string | undefined
  readonly server: string
  readonly startedAt: number
  readonly endedAt: number
  readonly outcome: Outcome
}

export interface Settings {
  readonly merchants: ReadonlyArray<Merchant>
  /** The base URLs of the servers that are up now; an empty list pauses the workers. */
  readonly servers: () => ReadonlyArray<string>
  readonly workers: number
  /** Per request. */
  readonly timeoutMs: number
  /** Answers with a 5xx are acceptable (a database that is down); otherwise each one is a problem. */
  readonly allowServerErrors?: boolean | undefined
  /** Links every merchant's pay and cancel also aim at (shared conflicting targets). */
  readonly sharedLinks?: ReadonlyMap<string, ReadonlyArray<string>> | undefined
  /** Relative weights of the operations. */
  readonly mix?: Readonly<Record<Op, number>> | undefined
}

export const DEFAULT_MIX: Readonly<Record<Op, number>> = { create: 30, pay: 25, cancel: 10, fetch: 20, list: 15 }

const REFUSALS: Readonly<Record<Op, ReadonlyArray<RegExp>>> = {
  create: [],
  fetch: [],
  list: [],
  pay: [
    /^Operation not allowed for Invoice in (paid|cancelled|expired) status\.$/,
    /^Payment amount exceeds the amount due\.$/,
    /^Payment amount must be equal to the amount due of /,
    /^The first payment must be at least /,
    /^The amount must be at least /
  ],
  cancel: [/^Operation not allowed for Invoice in (partially_paid|paid|cancelled|expired) status\.$/]
}

const EXPECTED: Readonly<Record<Op, Shapes.Expected>> = {
  create: "entity",
  fetch: "entity",
  list: "collection",
  pay: "sandboxPayment",
  cancel: "entity"
}

const pick = <A>(items: ReadonlyArray<A>): A | undefined => items[Math.floor(Math.random() * items.length)]

export class Ledger {
  readonly entries: Array<Entry> = []
  /** Answers that broke the contract, as they came. */
  readonly problems: Array<string> = []
  /** Links whose create was acknowledged, per key id. */
  readonly links = new Map<string, Array<string>>()
  /** The amount and partial flag of links the load knows. */
  readonly shapes = new Map<string, { readonly amount: number; readonly partial: boolean }>()

  answered(): ReadonlyArray<Entry & { readonly outcome: Extract<Outcome, { _tag: "Answer" }> }> {
    return this.entries.filter((entry) => entry.outcome._tag === "Answer") as never
  }

  count(predicate: (entry: Entry) => boolean): number {
    return this.entries.reduce((n, entry) => (predicate(entry) ? n + 1 : n), 0)
  }
}

const isSuccess = (entry: Entry) => entry.outcome._tag === "Answer" && entry.outcome.status === 200

/** The request one worker sends next. */
const nextRequest = (ledger: Ledger, settings: Settings, who: Merchant) => {
  const mix = settings.mix ?? DEFAULT_MIX
  const own = ledger.links.get(who.pair.keyId) ?? []
  const shared = settings.sharedLinks?.get(who.pair.keyId) ?? []
  const targets = shared.length > 0 && Math.random() < 0.7 ? shared : own
  const total = Object.values(mix).reduce((a, b) => a + b, 0)
  let roll = Math.random() * total
  let op: Op = "create"
  for (const [name, weight] of Object.entries(mix) as Array<[Op, number]>) {
    roll -= weight
    if (roll < 0) {
      op = name
      break
    }
  }
  // Sandbox payments are test mode only; a live merchant creates, cancels and reads.
  if (op === "pay" && who.pair.mode === "live") op = "cancel"
  const linkId = pick(targets)
  if (linkId === undefined && op !== "list") op = "create"
  switch (op) {
    case "create": {
      const partial = Math.random() < 0.4
      const amount = 100 * (1 + Math.floor(Math.random() * 500))
      const receipt = `r_${Crypto.randomBytes(9).toString("base64url")}`
      const body: Record<string, unknown> = { type: "link", amount, receipt, partial_payment: partial }
      if (Math.random() < 0.3)
        body.customer = { name: "Load Customer", email: "load@example.com", contact: "+919000090000" }
      return { op, method: "POST", path: "/v1/invoices", body, linkId: undefined, receipt, amount, partial }
    }
    case "pay": {
      const shape = ledger.shapes.get(linkId!)
      // A part of the original amount (in whole rupees) on partial links, else the default: the amount due.
      const body =
        shape?.partial === true && Math.random() < 0.7
          ? { amount: 100 * (1 + Math.floor(Math.random() * Math.max(1, shape.amount / 200))) }
          : {}
      return { op, method: "POST", path: `/v1/sandbox/invoices/${linkId}/payments`, body, linkId, receipt: undefined }
    }
    case "cancel":
      return { op, method: "POST", path: `/v1/invoices/${linkId}/cancel`, body: undefined, linkId, receipt: undefined }
    case "fetch":
      return { op, method: "GET", path: `/v1/invoices/${linkId}`, body: undefined, linkId, receipt: undefined }
    case "list":
      return {
        op,
        method: "GET",
        path: "/v1/invoices?count=25",
        body: undefined,
        linkId: undefined,
        receipt: undefined
      }
  }
}

/** Checks one answer as it arrives; returns the problem, or undefined. */
const checkAnswer = (settings: Settings, op: Op, outcome: Outcome) => {
  if (outcome._tag === "NoAnswer") return outcome.timedOut ? `no answer within ${settings.timeoutMs} ms` : undefined
  const shape = Shapes.apiAnswerProblem(outcome, EXPECTED[op])
  if (shape !== undefined) return `malformed answer (${outcome.status}): ${shape}`
  if (outcome.status === 200) return undefined
  if (outcome.status >= 500) {
    const description = Shapes.descriptionOf(outcome)
    return settings.allowServerErrors === true && outcome.status === 500
      ? description === "The server encountered an error. The incident has been reported to admins."
        ? undefined
        : `500 with ${description}`
      : `${outcome.status}: ${outcome.text}`
  }
  const description = Shapes.descriptionOf(outcome) ?? ""
  return outcome.status === 400 && REFUSALS[op].some((pattern) => pattern.test(description))
    ? undefined
    : `${op} refused with ${outcome.status} ${description}`
}

/** Runs the load until `stop()` says so; resolves once every worker has finished its last request. */
export const run = async (ledger: Ledger, settings: Settings, stop: () => boolean): Promise<void> => {
  const worker = async () => {
    while (!stop()) {
      const server = pick(settings.servers())
      const who = pick(settings.merchants)!
      if (server === undefined) {
        await sleep(20)
        continue
      }
      const request = nextRequest(ledger, settings, who)
      const startedAt = Date.now()
      const outcome = await send(server, request.method, request.path, {
        auth: who.auth,
        body: request.body,
        timeoutMs: settings.timeoutMs
      })
      const entry: Entry = {
        op: request.op,
        keyId: who.pair.keyId,
        linkId: request.linkId,
        receipt: request.receipt,
        server,
        startedAt,
        endedAt: Date.now(),
        outcome
      }
      ledger.entries.push(entry)
      const problem = checkAnswer(settings, request.op, outcome)
      if (problem !== undefined) ledger.problems.push(`${request.method} ${request.path}: ${problem}`)
      if (request.op === "create" && isSuccess(entry)) {
        const id = (outcome as { json: { id: string } }).json.id
        const list = ledger.links.get(who.pair.keyId) ?? []
        list.push(id)
        ledger.links.set(who.pair.keyId, list)
        ledger.shapes.set(id, { amount: request.amount!, partial: request.partial! })
      }
      // A server that is down: do not spin.
      if (outcome._tag === "NoAnswer") await sleep(25)
    }
  }
  await Promise.all(Array.from({ length: settings.workers }, worker))
}

/**
 * Every link a merchant's fetch or list showed is stored as that merchant's, in its key's mode: no
 * answer under load ever showed another tenant's link.
 */
export const isolationProblems = (
  ledger: Ledger,
  merchants: ReadonlyArray<Merchant>,
  snapshot: Snapshot
): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const byId = new Map(snapshot.links.map((row) => [row.id, row]))
  const pairs = new Map(merchants.map((who) => [who.pair.keyId, who.pair]))
  for (const entry of ledger.entries) {
    if (!isSuccess(entry) || (entry.op !== "list" && entry.op !== "fetch")) continue
    const json = (entry.outcome as { json: any }).json
    const ids: ReadonlyArray<string> =
      entry.op === "list" ? json.items.map((item: { id: string }) => item.id) : [json.id]
    const pair = pairs.get(entry.keyId)!
    for (const id of ids) {
      const row = byId.get(id)
      if (row === undefined || row.merchantId !== pair.merchantId || row.mode !== pair.mode)
        problems.push(`${entry.keyId} was shown ${id} of ${row?.merchantId}/${row?.mode}`)
    }
  }
  return problems
}

/**
 * What the stored state must show of the acknowledged writes: every acknowledged create as one link
 * of its merchant with its receipt (and every unanswered create as at most one), every acknowledged
 * payment among its link's payments, every acknowledged cancel as a cancelled link.
 */
export const acknowledgedProblems = (ledger: Ledger, snapshot: Snapshot): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const byId = new Map(snapshot.links.map((row) => [row.id, row]))
  const byReceipt = new Map<string, Array<string>>()
  for (const row of snapshot.links)
    if (row.link.receipt !== null) byReceipt.set(row.link.receipt, [...(byReceipt.get(row.link.receipt) ?? []), row.id])
  for (const entry of ledger.entries) {
    const json = entry.outcome._tag === "Answer" ? (entry.outcome.json as Record<string, any>) : undefined
    const ok = isSuccess(entry)
    switch (entry.op) {
      case "create": {
        const found = byReceipt.get(entry.receipt!) ?? []
        if (ok) {
          if (found.length !== 1 || found[0] !== json!.id)
            problems.push(`acknowledged create ${json!.id} (${entry.receipt}) stored as ${JSON.stringify(found)}`)
        } else if (found.length > 1) problems.push(`create ${entry.receipt} stored ${found.length} times`)
        // A 5xx says nothing about the outcome (the database may have committed as it went away).
        else if (entry.outcome._tag === "Answer" && entry.outcome.status < 500 && found.length > 0)
          problems.push(`refused create ${entry.receipt} stored anyway`)
        break
      }
      case "pay": {
        if (!ok) break
        const paymentId = json!.payment.id as string
        const row = byId.get(entry.linkId!)
        if (row === undefined || !row.link.payments.some((payment) => payment.id === paymentId))
          problems.push(`acknowledged payment ${paymentId} on ${entry.linkId} not stored`)
        break
      }
      case "cancel": {
        if (!ok) break
        const row = byId.get(entry.linkId!)
        if (row?.link.status !== "cancelled")
          problems.push(`acknowledged cancel of ${entry.linkId} stored as ${row?.link.status}`)
        break
      }
      default:
        break
    }
  }
  return problems
}

/**
 * With every request answered (no process killed), the answers and the stored state tell one story:
 * a link's stored payments are exactly the payments acknowledged on it, at most one cancel
 * succeeded and only on a link nobody paid, and every refusal names a status the link really
 * reached. Together: each command got exactly one correct answer.
 */
export const answerProblems = (ledger: Ledger, snapshot: Snapshot): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (ledger.entries.some((entry) => entry.outcome._tag === "NoAnswer")) return ["a request got no answer"]
  const byId = new Map(snapshot.links.map((row) => [row.id, row]))
  const paymentsOf = new Map<string, Set<string>>()
  const cancels = new Map<string, number>()
  for (const entry of ledger.entries) {
    if (entry.linkId === undefined || !isSuccess(entry)) continue
    const json = (entry.outcome as { json: any }).json
    if (entry.op === "pay")
      paymentsOf.set(entry.linkId, new Set([...(paymentsOf.get(entry.linkId) ?? []), json.payment.id as string]))
    if (entry.op === "cancel") cancels.set(entry.linkId, (cancels.get(entry.linkId) ?? 0) + 1)
  }
  for (const row of snapshot.links) {
    const acknowledged = paymentsOf.get(row.id) ?? new Set()
    const stored = row.link.payments.map((payment) => payment.id)
    if (stored.length !== acknowledged.size || stored.some((id) => !acknowledged.has(id)))
      problems.push(`${row.id}: stored payments ${stored.length}, acknowledged ${acknowledged.size}`)
    const cancelled = cancels.get(row.id) ?? 0
    if (cancelled > 1) problems.push(`${row.id}: ${cancelled} cancels succeeded`)
    if (cancelled === 1 && (row.link.status !== "cancelled" || stored.length > 0))
      problems.push(`${row.id}: a cancel succeeded, but it is ${row.link.status} with ${stored.length} payments`)
  }
  for (const entry of ledger.entries) {
    if (entry.linkId === undefined || entry.outcome._tag !== "Answer" || entry.outcome.status !== 400) continue
    const row = byId.get(entry.linkId)
    const status = /in (\w+) status\.$/.exec(Shapes.descriptionOf(entry.outcome) ?? "")?.[1]
    if (row === undefined || status === undefined) continue
    const reached =
      status === "partially_paid"
        ? row.link.payments.length > 0
        : status === "paid" || status === "cancelled" || status === "expired"
          ? row.link.status === status
          : false
    if (!reached) problems.push(`${entry.op} of ${entry.linkId} refused in ${status}, but it is ${row.link.status}`)
  }
  return problems
}
