/**
 * The dependency rules of docs/architecture.md ("Dependency rules"), checked over the `src` of every package
 * and app in the workspace (a new one is checked without an edit here):
 *
 * - core imports only `effect`; contract only core; testing no paylinks package.
 * - an adapter (any other package but runtime) imports core and contract, never another adapter;
 *   runtime, the composition root, may import adapters too.
 * - an app imports packages, never another app; no package imports an app; no `src` imports @paylinks/testing.
 * - no import cycle between the files of one package, type-only imports included.
 * - a package.json declares exactly the paylinks packages its `src` imports (tests may add dev dependencies).
 * - every package's exports name its sources (`@paylinks/source`), which the type-checks resolve.
 *
 * Every violation is one line naming the file and the import, so a failure says what to move.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")

type Kind = "core" | "contract" | "testing" | "runtime" | "adapter" | "app"

interface Workspace {
  readonly name: string
  /** `packages/http`, `apps/cli`. */
  readonly dir: string
  readonly kind: Kind
  readonly manifest: Record<string, any>
}

const kindOf = (group: string, name: string): Kind => {
  if (group === "apps") return "app"
  switch (name) {
    case "@paylinks/core":
      return "core"
    case "@paylinks/contract":
      return "contract"
    case "@paylinks/testing":
      return "testing"
    case "@paylinks/runtime":
      return "runtime"
    default:
      return "adapter"
  }
}

const workspaces: ReadonlyArray<Workspace> = ["packages", "apps"].flatMap((group) =>
  Fs.readdirSync(Path.join(ROOT, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && Fs.existsSync(Path.join(ROOT, group, entry.name, "package.json")))
    .map((entry) => {
      const dir = `${group}/${entry.name}`
      const manifest = JSON.parse(Fs.readFileSync(Path.join(ROOT, dir, "package.json"), "utf8"))
      return { name: manifest.name, dir, kind: kindOf(group, manifest.name), manifest }
    })
)
const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]))

// ---------------------------------------------------------------------------------------------------------------
// The scanner

export interface Import {
  readonly specifier: string
  /** `import type` / `export type`: erased from the JavaScript, still a dependency of the design. */
  readonly typeOnly: boolean
}

/** Text that is code, not commentary: a comment may mention an import it does not make. */
const code = (source: string): string =>
  source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\/\/.*$/, ""))
    .join("\n")

const FROM =
  /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[\w$]+\s*,\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+)\s*from\s*["']([^"']+)["']/g
const SIDE_EFFECT = /(?:^|[\s;])import\s*["']([^"']+)["']/g
const DYNAMIC = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g

/** Every module a source text names: static and type imports, re-exports, side-effect and dynamic imports. */
export const imports = (source: string): ReadonlyArray<Import> => {
  const text = code(source)
  const found: Array<Import> = []
  for (const match of text.matchAll(FROM)) found.push({ specifier: match[2]!, typeOnly: match[1] !== undefined })
  for (const match of text.matchAll(SIDE_EFFECT)) found.push({ specifier: match[1]!, typeOnly: false })
  for (const match of text.matchAll(DYNAMIC)) found.push({ specifier: match[1]!, typeOnly: false })
  return found
}

/** `@paylinks/http/Wire` → `@paylinks/http`; undefined for anything that is not a paylinks package. */
const paylinksPackage = (specifier: string): string | undefined => /^@paylinks\/[^/]+/.exec(specifier)?.[0] ?? undefined

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  Fs.existsSync(dir)
    ? Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = Path.join(dir, entry.name)
        if (entry.isDirectory()) return sourceFiles(path)
        return /\.[cm]?tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : []
      })
    : []

/** The file a relative import names (`./X.js` is `./X.ts`), or undefined when there is none. */
const resolveRelative = (from: string, specifier: string): string | undefined => {
  const target = Path.resolve(Path.dirname(from), specifier)
  const candidates = [
    target,
    target.replace(/\.([cm]?)js$/, ".$1ts"),
    target.replace(/\.js$/, ".tsx"),
    Path.join(target, "index.ts")
  ]
  return candidates.find((candidate) => Fs.existsSync(candidate) && Fs.statSync(candidate).isFile())
}

interface Scanned {
  readonly workspace: Workspace
  /** Each `src` file (repo-relative) with what it imports. */
  readonly files: ReadonlyMap<string, ReadonlyArray<Import>>
}

const scan = (workspace: Workspace): Scanned => ({
  workspace,
  files: new Map(
    sourceFiles(Path.join(ROOT, workspace.dir, "src")).map((file) => [
      Path.relative(ROOT, file),
      imports(Fs.readFileSync(file, "utf8"))
    ])
  )
})

const scanned = workspaces.map(scan)

// ---------------------------------------------------------------------------------------------------------------
// The rules

/** Why `importer` may not import the paylinks package `imported`, or undefined when it may. */
export const refusal = (importer: Workspace, imported: Workspace | undefined, name: string): string | undefined => {
  if (imported === undefined) return `${name} is not a package of this workspace`
  if (imported.name === importer.name) return "imports its own package by name (use a relative import)"
  if (imported.kind === "app") return `an app (${imported.dir}) is imported by nothing`
  if (imported.kind === "testing") return "@paylinks/testing is test support: src never imports it"
  switch (importer.kind) {
    case "core":
      return "core imports only effect"
    case "contract":
      return imported.kind === "core" ? undefined : "contract imports only core"
    case "testing":
      return "@paylinks/testing depends on no other paylinks package"
    case "adapter":
      return imported.kind === "core" || imported.kind === "contract"
        ? undefined
        : `an adapter imports core and contract only, never another adapter (${imported.dir})`
    case "runtime":
      return imported.kind === "runtime" ? "runtime imports no other composition root" : undefined
    case "app":
      return undefined
  }
}

/** The import rules over one package's sources, one line per offending import. */
const importViolations = ({ files, workspace }: Scanned): ReadonlyArray<string> =>
  [...files].flatMap(([file, found]) =>
    found.flatMap(({ specifier }) => {
      if (specifier.startsWith(".")) {
        const target = Path.resolve(ROOT, Path.dirname(file), specifier)
        const src = Path.join(ROOT, workspace.dir, "src")
        if (target !== src && !target.startsWith(src + Path.sep))
          return [`${file}: imports "${specifier}", outside its src`]
        return resolveRelative(Path.join(ROOT, file), specifier) === undefined
          ? [`${file}: imports "${specifier}", which does not exist`]
          : []
      }
      if (workspace.kind === "core" && !(specifier === "effect" || specifier.startsWith("effect/")))
        return [`${file}: imports "${specifier}": core imports only effect`]
      const name = paylinksPackage(specifier)
      if (name === undefined) return []
      const why = refusal(workspace, byName.get(name), name)
      return why === undefined ? [] : [`${file}: imports "${specifier}": ${why}`]
    })
  )

/**
 * Every circle among the files of one package, once: the files that import one another, and one shortest loop
 * through the first of them, `a.ts → b.ts → a.ts`.
 */
export const cycles = (
  graph: ReadonlyMap<string, ReadonlyArray<string>>
): ReadonlyArray<{ readonly loop: ReadonlyArray<string>; readonly files: ReadonlyArray<string> }> => {
  // Tarjan's strongly connected components; a component of two or more files (or a file importing itself) holds
  // a cycle, reported as one shortest loop through its first file so that the line is short and stable.
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const components: Array<Array<string>> = []
  const visit = (node: string): void => {
    indices.set(node, index)
    low.set(node, index)
    index++
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!))
    }
    if (low.get(node) === indices.get(node)) {
      const component: Array<string> = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component.sort())
    }
  }
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node)
  return components
    .map((component) => {
      const inside = new Set(component)
      const start = component[0]!
      // Breadth-first from `start` back to `start`, within the component.
      const previous = new Map<string, string>()
      const queue = [start]
      while (queue.length > 0) {
        const node = queue.shift()!
        for (const next of graph.get(node) ?? []) {
          if (!inside.has(next)) continue
          if (next === start) {
            const path: Array<string> = []
            for (let at = node; at !== start; at = previous.get(at)!) path.unshift(at)
            return { loop: [start, ...path, start], files: component }
          }
          if (!previous.has(next) && next !== start) {
            previous.set(next, node)
            queue.push(next)
          }
        }
      }
      return { loop: [start, start], files: component }
    })
    .sort((a, b) => a.loop.join().localeCompare(b.loop.join()))
}

const cycleViolations = ({ files, workspace }: Scanned): ReadonlyArray<string> => {
  const graph = new Map(
    [...files].map(([file, found]) => [
      file,
      found.flatMap(({ specifier }) => {
        if (!specifier.startsWith(".")) return []
        const target = resolveRelative(Path.join(ROOT, file), specifier)
        return target === undefined ? [] : [Path.relative(ROOT, target)]
      })
    ])
  )
  const src = `${workspace.dir}/src`
  const short = (file: string) => file.slice(src.length + 1)
  return cycles(graph).map(({ loop, files }) => {
    const others = files.filter((file) => !loop.includes(file))
    const rest = others.length === 0 ? "" : ` (${others.map(short).join(", ")} in the same circle)`
    return `${src}: import cycle ${loop.map(short).join(" → ")}${rest}`
  })
}

const DEPENDENCY_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies"] as const

const declared = (manifest: Record<string, any>, fields: ReadonlyArray<string>): ReadonlySet<string> =>
  new Set(fields.flatMap((field) => Object.keys(manifest[field] ?? {}).filter((name) => name.startsWith("@paylinks/"))))

/** package.json against the imports: every paylinks package `src` imports is a dependency, and nothing more. */
const manifestViolations = ({ files, workspace }: Scanned): ReadonlyArray<string> => {
  const used = new Set(
    [...files.values()].flatMap((found) =>
      found.flatMap(({ specifier }) => {
        const name = paylinksPackage(specifier)
        return name === undefined || name === workspace.name ? [] : [name]
      })
    )
  )
  const runtime = declared(workspace.manifest, DEPENDENCY_FIELDS)
  const manifest = `${workspace.dir}/package.json`
  return [
    ...[...used]
      .filter((name) => !runtime.has(name))
      .map((name) => `${manifest}: src imports ${name}, which is not in its dependencies`),
    ...[...runtime]
      .filter((name) => !used.has(name))
      .map((name) => `${manifest}: depends on ${name}, which its src never imports`)
  ].sort()
}

/** What the tests and scripts of a package import must be declared too (dev dependencies count). */
const testManifestViolations = (workspace: Workspace): ReadonlyArray<string> => {
  const all = declared(workspace.manifest, [...DEPENDENCY_FIELDS, "devDependencies"])
  const test = Path.join(ROOT, workspace.dir, "test")
  const used = new Set(
    sourceFiles(test).flatMap((file) =>
      imports(Fs.readFileSync(file, "utf8")).flatMap(({ specifier }) => {
        const name = paylinksPackage(specifier)
        return name === undefined || name === workspace.name ? [] : [name]
      })
    )
  )
  return [...used]
    .filter((name) => !all.has(name))
    .sort()
    .map((name) => `${workspace.dir}/package.json: its tests import ${name}, which is not among its dependencies`)
}

/** Tests and type-checks read a package's `src` through the `@paylinks/source` export condition. */
const sourceConditionViolations = (workspace: Workspace): ReadonlyArray<string> => {
  const exports: Record<string, unknown> = workspace.manifest.exports ?? {}
  const problems = Object.entries(exports).flatMap(([subpath, target]) => {
    if (target === null || typeof target !== "object") return []
    const source = (target as Record<string, unknown>)["@paylinks/source"]
    const expected = subpath === "." ? "./src/index.ts" : `./src/${subpath.slice(2)}.ts`
    return source === expected && Object.keys(target)[0] === "@paylinks/source"
      ? []
      : [`${workspace.dir}/package.json: exports["${subpath}"] does not start with "@paylinks/source": "${expected}"`]
  })
  const tsconfig = Fs.readFileSync(Path.join(ROOT, workspace.dir, "tsconfig.json"), "utf8")
  if (!/"customConditions"\s*:\s*\[\s*"@paylinks\/source"\s*\]/.test(tsconfig))
    problems.push(
      `${workspace.dir}/tsconfig.json: no "customConditions": ["@paylinks/source"] (its check would read dist)`
    )
  return problems
}

// ---------------------------------------------------------------------------------------------------------------

describe("Dependency rules of the workspace", () => {
  it("finds every package and app, each with its sources", () => {
    expect(workspaces.map((workspace) => workspace.dir)).toEqual(
      expect.arrayContaining([
        "packages/core",
        "packages/http",
        "packages/sql",
        "packages/testing",
        "apps/server",
        "apps/cli"
      ])
    )
    for (const { workspace, files } of scanned) expect([workspace.dir, files.size > 0]).toEqual([workspace.dir, true])
    expect(byName.get("@paylinks/core")?.kind).toBe("core")
    expect(byName.get("@paylinks/http")?.kind).toBe("adapter")
    expect(byName.get("@paylinks/cli")?.kind).toBe("app")
  })

  it("core imports only effect, adapters only core and contract, apps only packages", () => {
    expect(scanned.flatMap(importViolations)).toEqual([])
  })

  it("no import cycle between the files of a package (type-only imports count)", () => {
    expect(scanned.flatMap(cycleViolations)).toEqual([])
  })

  it("each package.json declares exactly the paylinks packages its src imports", () => {
    expect(scanned.flatMap(manifestViolations)).toEqual([])
  })

  it("each package.json declares the paylinks packages its tests import", () => {
    expect(workspaces.flatMap(testManifestViolations)).toEqual([])
  })

  it("each package's exports and type-check resolve its sources", () => {
    expect(workspaces.flatMap(sourceConditionViolations)).toEqual([])
  })
})

describe("the dependency scanner", () => {
  it("sees every from-clause of every source file, multi-line imports included", () => {
    for (const { files } of scanned)
      for (const file of files.keys()) {
        const text = code(Fs.readFileSync(Path.join(ROOT, file), "utf8"))
        const clauses = text.match(/\sfrom\s*["'][^"']+["']/g) ?? []
        expect([file, [...text.matchAll(FROM)].length]).toEqual([file, clauses.length])
      }
  })

  it("reads each kind of import, and which are type-only", () => {
    expect(
      imports(
        [
          'import * as Effect from "effect/Effect"',
          'import type { Wire } from "@paylinks/http/Wire"',
          "import {",
          "  type A,",
          "  b",
          '} from "./A.js"',
          'import Default, { c } from "./C.js"',
          'export * from "./D.js"',
          'export type { E } from "./E.js"',
          'import "./F.js"',
          'const G = await import("./G.js")',
          '// import { H } from "./H.js"',
          '/* import { I } from "./I.js" */'
        ].join("\n")
      )
    ).toEqual([
      { specifier: "effect/Effect", typeOnly: false },
      { specifier: "@paylinks/http/Wire", typeOnly: true },
      { specifier: "./A.js", typeOnly: false },
      { specifier: "./C.js", typeOnly: false },
      { specifier: "./D.js", typeOnly: false },
      { specifier: "./E.js", typeOnly: true },
      { specifier: "./F.js", typeOnly: false },
      { specifier: "./G.js", typeOnly: false }
    ])
  })

  it("names each kind of forbidden import", () => {
    const at = (name: string, kind: Kind): Workspace => ({
      name,
      dir: name.replace("@paylinks/", "x/"),
      kind,
      manifest: {}
    })
    const core = at("@paylinks/core", "core")
    const contract = at("@paylinks/contract", "contract")
    const http = at("@paylinks/http", "adapter")
    const sql = at("@paylinks/sql", "adapter")
    const runtime = at("@paylinks/runtime", "runtime")
    const server = at("@paylinks/server", "app")
    const cli = at("@paylinks/cli", "app")
    const testing = at("@paylinks/testing", "testing")
    expect([
      refusal(http, core, core.name),
      refusal(http, contract, contract.name),
      refusal(contract, core, core.name),
      refusal(runtime, sql, sql.name),
      refusal(server, runtime, runtime.name),
      refusal(cli, http, http.name)
    ]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined])
    expect([
      refusal(core, contract, contract.name),
      refusal(contract, http, http.name),
      refusal(http, sql, sql.name),
      refusal(http, runtime, runtime.name),
      refusal(cli, server, server.name),
      refusal(runtime, server, server.name),
      refusal(http, testing, testing.name),
      refusal(testing, core, core.name),
      refusal(http, http, http.name),
      refusal(http, undefined, "@paylinks/nothing")
    ]).toEqual([
      "core imports only effect",
      "contract imports only core",
      "an adapter imports core and contract only, never another adapter (x/sql)",
      "an adapter imports core and contract only, never another adapter (x/runtime)",
      "an app (x/server) is imported by nothing",
      "an app (x/server) is imported by nothing",
      "@paylinks/testing is test support: src never imports it",
      "@paylinks/testing depends on no other paylinks package",
      "imports its own package by name (use a relative import)",
      "@paylinks/nothing is not a package of this workspace"
    ])
  })

  it("finds every cycle once, as a loop through its first file", () => {
    expect(
      cycles(
        new Map([
          ["a.ts", ["b.ts"]],
          ["b.ts", ["c.ts", "d.ts"]],
          ["c.ts", ["a.ts"]],
          ["d.ts", []],
          ["e.ts", ["e.ts"]],
          ["f.ts", ["g.ts"]],
          ["g.ts", ["f.ts", "d.ts"]]
        ])
      )
    ).toEqual([
      { loop: ["a.ts", "b.ts", "c.ts", "a.ts"], files: ["a.ts", "b.ts", "c.ts"] },
      { loop: ["e.ts", "e.ts"], files: ["e.ts"] },
      { loop: ["f.ts", "g.ts", "f.ts"], files: ["f.ts", "g.ts"] }
    ])
    expect(
      cycles(
        new Map([
          ["a.ts", ["b.ts", "c.ts"]],
          ["b.ts", ["a.ts"]],
          ["c.ts", ["b.ts"]]
        ])
      )
    ).toEqual([{ loop: ["a.ts", "b.ts", "a.ts"], files: ["a.ts", "b.ts", "c.ts"] }])
    expect(
      cycles(
        new Map([
          ["a.ts", ["b.ts"]],
          ["b.ts", []]
        ])
      )
    ).toEqual([])
  })
})
