#!/usr/bin/env node
/**
 * `paylinks …`: the command line's entry point. It loads the command tree only when there is a command
 * to run: `--version` alone is answered from here. The tree, in turn, loads a command's implementation
 * only when that command runs (`Main.ts`).
 */
import { VERSION } from "./Version.js"

// A reader that stops early (`paylinks links list | head`) closes the pipe: the rest of the answer has
// nowhere to go, which is the reader's choice and no failure of the command.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0)
  throw error
})

const args = process.argv.slice(2)
// Byte for byte what @effect/cli prints for it: the version as a paragraph (its own line break), then a line break.
if (args.length === 1 && args[0] === "--version") process.stdout.write(`${VERSION}\n\n`)
else (await import("./Main.js")).main(args)
