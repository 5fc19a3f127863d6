/**
 * The built server (`node apps/server/dist/main.js`) spawned as a child process, as an operator runs
 * it, with exactly the PAYLINKS_* settings a test gives it (none of the machine's). Needs `dist/`
 * (turbo builds before testing).
 */
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const MAIN = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js")

export interface Spawned {
  readonly child: ChildProcess.ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const children: Array<ChildProcess.ChildProcess> = []

/** Kills every spawned server still running; for `afterEach`, so that a failed test leaves none behind. */
export const killSpawned = (): void => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

/** The server with `env` as its only PAYLINKS_* settings and `args` as its flags. */
export const spawnServer = (
  cwd: string,
  env: Readonly<Record<string, string>> = {},
  args: ReadonlyArray<string> = []
): Spawned => {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("PAYLINKS_")) clean[key] = value
  const child = ChildProcess.spawn(process.execPath, [MAIN, ...args], {
    cwd,
    env: { ...clean, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  let out = ""
  let err = ""
  child.stdout!.on("data", (chunk) => {
    out += chunk.toString()
  })
  child.stderr!.on("data", (chunk) => {
    err += chunk.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  )
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Waits (at most 30 s) until the server says where it listens, and answers that URL. */
export const listeningUrl = async (spawned: Spawned): Promise<string> => {
  const deadline = Date.now() + 30_000
  for (;;) {
    const match = /paylinks listening on (http:\/\/\S+)/.exec(spawned.stdout())
    if (match !== null) return match[1]!
    if (spawned.child.exitCode !== null) throw new Error(`the server exited: ${spawned.stderr()}`)
    if (Date.now() > deadline) throw new Error(`the server did not start: ${spawned.stdout()} ${spawned.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
