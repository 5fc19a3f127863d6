/**
 * Runs the `paylinks` command line — in this process (`paylinks`, `ok`: the same program `dist/bin.js` runs,
 * with its own stdout, stderr and environment) or as the real binary in a child process (`paylinksProcess`,
 * `okProcess`: for what only a process shows — exit codes, signals, pipes, the environment it is given) —
 * and a real paylinks server (`apps/server/dist/main.js`) on a given SQLite file, for the CLI's end-to-end tests.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { format } from "node:util"
import * as TempDir from "@paylinks/testing/TempDir"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Cli from "../src/Cli.js"
import * as Io from "../src/Io.js"
import * as Main from "../src/Main.js"

export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url))
export const SERVER_MAIN = fileURLToPath(new URL("../../server/dist/main.js", import.meta.url))

const requireBuilt = (file: string, pkg: string) => {
  if (!Fs.existsSync(file))
    throw new Error(`${file} does not exist: build first (npx turbo run build --filter=${pkg}...)`)
}

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export type Env = Readonly<Record<string, string>>

const defaultConsole = Effect.runSync(Console.consoleWith(Effect.succeed))

/**
 * `paylinks …args` in this process, with exactly `env` (plus PATH) as its environment: the program of
 * `dist/bin.js` (`Cli.run` on the platform of `Main`), writing to its own stdout and stderr, neither a terminal.
 */
export const paylinks = (args: ReadonlyArray<string>, env: Env): Promise<Result> => {
  let stdout = ""
  let stderr = ""
  const sink = (append: (text: string) => void): Io.Sink => ({
    write: (text) => {
      append(text)
      return true
    },
    once: () => undefined,
    isTTY: false
  })
  const io: Io.Io = {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    env: { PATH: process.env.PATH ?? "", ...env }
  }
  // What @effect/cli prints (help, usage errors, completions) goes through Effect's Console, as node's console would.
  const console: Console.Console = {
    ...defaultConsole,
    log: (...args) =>
      Effect.sync(() => {
        stdout += `${format(...args)}\n`
      }),
    error: (...args) =>
      Effect.sync(() => {
        stderr += `${format(...args)}\n`
      })
  }
  return Effect.runPromise(
    Cli.run(args).pipe(Effect.locally(Io.current, io), Effect.withConsole(console), Effect.provide(Main.environment))
  ).then((code) => ({ code, stdout, stderr }))
}

/** Like `paylinks`, but fails the test with the whole output when the exit code is not 0. */
export const ok = async (args: ReadonlyArray<string>, env: Env): Promise<string> => {
  const result = await paylinks(args, env)
  if (result.code !== 0)
    throw new Error(
      `paylinks ${args.join(" ")} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
    )
  return result.stdout
}

/** `node dist/bin.js …args` with exactly `env` (plus PATH), in `cwd`. */
export const paylinksProcess = (args: ReadonlyArray<string>, env: Env, cwd: string = Os.tmpdir()): Promise<Result> => {
  requireBuilt(BIN, "@paylinks/cli")
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("error", reject)
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  })
}

/** Like `paylinksProcess`, but fails the test with the whole output when the exit code is not 0. */
export const okProcess = async (args: ReadonlyArray<string>, env: Env, cwd?: string): Promise<string> => {
  const result = await paylinksProcess(args, env, cwd)
  if (result.code !== 0)
    throw new Error(
      `paylinks ${args.join(" ")} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
    )
  return result.stdout
}

/** A fresh temporary directory, removed when the process exits. */
export const tempDir = (prefix: string): string => TempDir.tempDir(`cli-${prefix}`)

export interface TestServer {
  readonly url: string
  readonly stop: () => Promise<number | null>
}

/** The server on `database`, listening on a free port of 127.0.0.1, the key pair seeded; it runs the dispatcher. */
export const startServer = async (options: {
  readonly database: string
  readonly keyId: string
  readonly keySecret: string
  readonly cwd: string
  readonly masterKey?: string
  /** More of the server's variables (`PAYLINKS_WEBHOOK_*`, …). */
  readonly env?: Env
}): Promise<TestServer> => {
  requireBuilt(SERVER_MAIN, "@paylinks/server")
  const child: ChildProcess = spawn(process.execPath, [SERVER_MAIN], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? "",
      PAYLINKS_DATABASE: options.database,
      PAYLINKS_HOST: "127.0.0.1",
      PAYLINKS_PORT: "0",
      PAYLINKS_KEY_ID: options.keyId,
      PAYLINKS_KEY_SECRET: options.keySecret,
      ...(options.masterKey === undefined ? {} : { PAYLINKS_MASTER_KEY: options.masterKey }),
      ...options.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  return listening(child)
}

/** The server on a new SQLite file in a new temporary directory, as the merchant of that key pair. */
const startOnNewFile = async (prefix: string, keyId: string, keySecret: string, env: Env = {}) => {
  const dir = tempDir(prefix)
  const database = `sqlite:${Path.join(dir, "paylinks.db")}`
  const server = await startServer({ database, keyId, keySecret, cwd: dir, env })
  return { dir, database, server }
}

/**
 * The server on a new SQLite file, its dispatcher polling every 50 ms so that deliveries and messages
 * follow promptly.
 */
export const startDelivering = (prefix: string, keyId: string, keySecret: string) =>
  startOnNewFile(prefix, keyId, keySecret, { PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "50" })

export type Mode = "local" | "remote"

/**
 * The server on a new SQLite file, and the environment of each mode for the same merchant: local mode
 * opens the file, remote mode talks to the server. Both see the same links.
 */
export const startBothModes = async (prefix: string, keyId: string, keySecret: string) => {
  const { dir, database, server } = await startOnNewFile(prefix, keyId, keySecret)
  const envs: Record<Mode, Env> = {
    // Local mode names the key but not its secret: direct database access is the authority.
    local: { PAYLINKS_DATABASE: database, PAYLINKS_KEY_ID: keyId, PAYLINKS_PUBLIC_URL: server.url },
    remote: { PAYLINKS_SERVER: server.url, PAYLINKS_KEY_ID: keyId, PAYLINKS_KEY_SECRET: keySecret }
  }
  return { dir, server, envs }
}

/** Waits for a server process to print its URL; `stop` sends SIGTERM and answers with the exit code. */
export const listening = (child: ChildProcess): Promise<TestServer> => {
  let output = ""
  return new Promise<TestServer>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match !== null)
        resolve({
          url: match[1]!,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode)
              child.once("exit", (code) => done(code))
              child.kill("SIGTERM")
            })
        })
    })
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)))
  })
}

/**
 * Polls `probe` until it answers something other than undefined, for what happens in the background
 * (a webhook delivery, a message in the inbox). The deadline only bounds a test that would otherwise
 * wait forever: how soon it happens never decides the outcome.
 */
export const eventually = async <A>(
  what: string,
  probe: () => Promise<A | undefined>,
  deadlineMs = 60_000
): Promise<A> => {
  const until = Date.now() + deadlineMs
  for (;;) {
    const found = await probe()
    if (found !== undefined) return found
    if (Date.now() > until) throw new Error(`waited ${deadlineMs / 1000} s for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
