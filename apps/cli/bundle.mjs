// The `paylinks` binary, dist/bin.js: src/bin.ts with every module it can reach — paylinks' packages (from their
// sources) and the third-party ones — in a few files, so that starting it reads a handful of files instead of
// some seven hundred. Each module the CLI imports with `import()` stays a chunk of its own (dist/chunks/), loaded
// only by the command that needs it. better-sqlite3 (a native addon) is loaded from node_modules, as is pg's
// optional native binding.
import * as Fs from "node:fs"
import { build } from "esbuild"

const outdir = new URL("dist/", import.meta.url).pathname
Fs.rmSync(new URL("chunks/", `file://${outdir}`), { recursive: true, force: true })

/** `createRequire(import.meta.url)(id)` in a paylinks source is an ordinary require for the bundler to resolve. */
const createRequireAsRequire = {
  name: "create-require-as-require",
  setup(builder) {
    builder.onLoad({ filter: /[\\/](packages|apps)[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await Fs.promises.readFile(args.path, "utf8")
      return { contents: source.replaceAll("createRequire(import.meta.url)(", "require("), loader: "ts" }
    })
  }
}

await build({
  entryPoints: { bin: new URL("src/bin.ts", import.meta.url).pathname },
  outdir,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["@paylinks/source"],
  external: ["better-sqlite3", "pg-native"],
  // CommonJS modules in the bundle (cli-progress, nodemailer, pg …) require Node's built-ins.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);'
  },
  plugins: [createRequireAsRequire],
  logLevel: "warning"
})
