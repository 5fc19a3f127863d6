/**
 * The built programs as an operator runs them, each a child process on 127.0.0.1: the server
 * (`apps/server/dist/main.js`), the standalone webhook dispatcher (`apps/dispatcher/dist/bin.js`)
 * and the CLI (`apps/cli/dist/bin.js`). Every byte they write is kept, so that a test can read the
 * whole log of a run (and look for secrets in it). Children still running when the test process
 * exits are killed.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"

export const SERVER_MAIN = fileURLToPath(new URL("../../server/dist/main.js", import.meta.url))
export const DISPATCHER_MAIN = fileURLToPath(new URL("../../dispatcher/dist/bin.js", import.meta.url))
export const CLI_MAIN = fileURLToPath(new URL("../../cli/dist/bin.js", import.meta.url))

const running = new Set<ChildProcess.ChildProcess>()

/** Kills every child still running (a test that failed half-way leaves its servers behind). */
export const killAll = (): void => {
  for (const child of running) child.kill("SIGKILL")
}
process.once("exit", killAll)

const requireBuilt = (file: string) => {
  if (!Fs.existsSync(file)) throw new Error(`${file} does not exist: build first (npx turbo run build)`)
}

/** The machine's environment without any PAYLINKS_* variable, plus `extra`. */
export const cleanEnv = (extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("PAYLINKS_")) env[key] = value
  return { ...env, ...extra }
}

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface Child {
  readonly child: ChildProcess.ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<Exit>
  readonly alive: () => boolean
  /** Sends `signal` and waits (at most 20 s, then SIGKILL) for the exit. */
  readonly kill: (signal?: NodeJS.Signals) => Promise<Exit>
}

/** Runs `node <main> ...args` with a clean environment plus `env`. */
export const spawnNode = (
  main: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  cwd: string
): Child => {
  requireBuilt(main)
  const child = ChildProcess.spawn(process.execPath, [main, ...args], {
    cwd,
    env: cleanEnv(env),
    stdio: ["ignore", "pipe", "pipe"]
  })
  running.add(child)
  let out = ""
  let err = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString()
  })
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    })
  )
  const alive = () => child.exitCode === null && child.signalCode === null
  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (alive()) child.kill(signal)
    const timer = setTimeout(() => alive() && child.kill("SIGKILL"), 20_000)
    const exit = await exited
    clearTimeout(timer)
    return exit
  }
  return { child, stdout: () => out, stderr: () => err, exited, alive, kill }
}

export interface Server extends Child {
  readonly url: string
  readonly port: number
}

/**
 * Starts the server (`--port 0` unless given) and waits, at most `timeoutMs`, for its last startup
 * line `paylinks listening on <url>`.
 */
export const startServer = async (options: {
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly args?: ReadonlyArray<string>
  readonly timeoutMs?: number
}): Promise<Server> => {
  const args = options.args ?? []
  const spawned = spawnNode(
    SERVER_MAIN,
    args.includes("--port") || options.env.PAYLINKS_PORT !== undefined ? args : ["--port", "0", ...args],
    options.env,
    options.cwd
  )
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    const match = /paylinks listening on (http:\/\/\S+)/.exec(spawned.stdout())
    if (match !== null) {
      const url = match[1]!
      return { ...spawned, url, port: Number(new URL(url).port) }
    }
    if (!spawned.alive()) throw new Error(`the server exited: ${spawned.stdout()}\n${spawned.stderr()}`)
    if (Date.now() > deadline) {
      await spawned.kill("SIGKILL")
      throw new Error(`the server did not start: ${spawned.stdout()}\n${spawned.stderr()}`)
    }
    await sleep(20)
  }
}

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export const runCli = async (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  cwd: string,
  timeoutMs = 60_000
): Promise<Result> => {
  const spawned = spawnNode(CLI_MAIN, args, env, cwd)
  const timer = setTimeout(() => spawned.alive() && spawned.child.kill("SIGKILL"), timeoutMs)
  const exit = await spawned.exited
  clearTimeout(timer)
  return { ...exit, stdout: spawned.stdout(), stderr: spawned.stderr() }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
