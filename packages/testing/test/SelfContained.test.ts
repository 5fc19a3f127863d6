/**
 * The repository cites no document it does not contain. Over every tracked text file: no reference to a
 * spec file that is not in the tree, no numbered section (a section sign and a number) of a document
 * the tree lacks, and every `docs/….md` or `BENCHMARKS.md` citation names a file that exists and, with
 * `#anchor`, one of its headings. Over every tracked Markdown file: every relative link reaches a tracked
 * file or folder, and an anchor reaches a heading of its target.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
/** This file: its fixtures below are made-up citations, so the scan of the repository leaves it out. */
const SELF = Path.relative(ROOT, fileURLToPath(import.meta.url))
  .split(Path.sep)
  .join("/")

/** Files the repository holds, as paths from its root with `/`. */
const trackedFiles = (): ReadonlyArray<string> => {
  try {
    return execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28 })
      .split("\0")
      .filter((file) => file !== "" && Fs.existsSync(Path.join(ROOT, file)))
  } catch {
    // Not a git checkout (an unpacked archive): every file but dependencies and build output.
    const skip = new Set([".git", "node_modules", "dist", ".turbo", "results"])
    const walk = (dir: string): ReadonlyArray<string> =>
      Fs.readdirSync(Path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const path = dir === "" ? entry.name : `${dir}/${entry.name}`
        if (entry.isDirectory()) return skip.has(entry.name) ? [] : walk(path)
        return entry.isFile() ? [path] : []
      })
    return walk("")
  }
}

/** The text files among `files`, by path (binary and very large files are left out). */
const readTexts = (files: ReadonlyArray<string>): ReadonlyMap<string, string> => {
  const texts = new Map<string, string>()
  for (const file of files) {
    const bytes = Fs.readFileSync(Path.join(ROOT, file))
    if (bytes.length > 4 * 1024 * 1024 || bytes.includes(0)) continue
    texts.set(file, bytes.toString("utf8"))
  }
  return texts
}

// Built from parts so that this file does not match itself.
const SPEC_NAMES = ["PRODUCT", "PERFORMANCE"]
const SPEC_REFERENCE = new RegExp(`\\b(${SPEC_NAMES.join("|")})\\.md\\b`, "g")
const SECTION_NUMBER = /\u00a7\s?\d+(?:\.\d+)*/g
const DOC_CITATION = /(?<![\w/.-])((?:docs\/[\w.-]+|BENCHMARKS)\.md)(#[\w-]*)?/g
const MARKDOWN_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g
const FENCE = /^\s*(```|~~~)/

/** GitHub's anchor of a heading: lower case, punctuation dropped, each space a hyphen. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-")

/** The lines of a Markdown text outside fenced code blocks, with their numbers. */
const proseLines = (text: string): ReadonlyArray<readonly [number, string]> => {
  const lines: Array<readonly [number, string]> = []
  let fenced = false
  text.split("\n").forEach((line, index) => {
    if (FENCE.test(line)) fenced = !fenced
    else if (!fenced) lines.push([index + 1, line])
  })
  return lines
}

/** The anchors a Markdown text defines: its headings' slugs, repeated ones numbered as GitHub does. */
const anchorsOf = (text: string): ReadonlySet<string> => {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const [, line] of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const base = slug(heading[1]!)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

/** Every citation in `texts` (path → content) that leads outside the repository or nowhere. */
const danglingReferences = (texts: ReadonlyMap<string, string>): ReadonlyArray<string> => {
  const files = new Set(texts.keys())
  const folders = new Set(
    [...files].flatMap((file) =>
      file
        .split("/")
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join("/"))
    )
  )
  const basenames = new Set([...files].map((file) => Path.posix.basename(file)))
  const problems: Array<string> = []
  const anchorCache = new Map<string, ReadonlySet<string>>()
  const anchors = (file: string) => {
    const cached = anchorCache.get(file)
    if (cached !== undefined) return cached
    const found = anchorsOf(texts.get(file) ?? "")
    anchorCache.set(file, found)
    return found
  }
  const checkTarget = (where: string, target: string, anchor: string | undefined, cited: string) => {
    if (!files.has(target) && !folders.has(target)) problems.push(`${where}: ${cited} — no such file in the repository`)
    else if (anchor !== undefined && anchor !== "" && target.endsWith(".md") && !anchors(target).has(anchor))
      problems.push(`${where}: ${cited} — ${target} has no heading #${anchor}`)
  }

  for (const [file, text] of texts) {
    text.split("\n").forEach((line, index) => {
      const where = `${file}:${index + 1}`
      for (const match of line.matchAll(SPEC_REFERENCE))
        if (!basenames.has(`${match[1]}.md`)) problems.push(`${where}: ${match[0]} — not in the repository`)
      for (const match of line.matchAll(SECTION_NUMBER))
        problems.push(`${where}: ${match[0]} — a numbered section of a document the repository does not contain`)
      for (const match of line.matchAll(DOC_CITATION)) checkTarget(where, match[1]!, match[2]?.slice(1), match[0])
    })
    if (!file.endsWith(".md")) continue
    for (const [number, line] of proseLines(text)) {
      // Inline code is an example, not a link.
      for (const match of line.replace(/`[^`]*`/g, "").matchAll(MARKDOWN_LINK)) {
        const link = match[1]!
        if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//")) continue
        const [path = "", anchor] = link.split("#", 2)
        const target =
          path === "" ? file : Path.posix.normalize(Path.posix.join(Path.posix.dirname(file), decodeURI(path)))
        checkTarget(`${file}:${number}`, target.replace(/\/$/, ""), anchor, link)
      }
    }
  }
  // A Markdown link is also a citation: report it once.
  return [...new Set(problems)]
}

describe("the repository is self-contained", () => {
  it("cites no document it does not contain, and every doc link and anchor resolves", () => {
    const texts = readTexts(trackedFiles().filter((file) => file !== SELF))
    expect(texts.has("README.md")).toBe(true)
    expect(texts.has("docs/errors.md")).toBe(true)
    expect(texts.has(SELF)).toBe(false)
    expect(danglingReferences(texts)).toEqual([])
  })
})

describe("the checker", () => {
  const spec = `${SPEC_NAMES[0]}.md`
  const fixture = (entries: Record<string, string>) => danglingReferences(new Map(Object.entries(entries)))

  it("finds a spec reference, a bare section number, a missing file and a missing anchor", () => {
    expect(
      fixture({
        "README.md": "# Intro\n\nSee [the API](docs/api.md#auth) and [nothing](docs/none.md).\n",
        "docs/api.md": "# The API\n\n## Authentication\n\n```sh\n# not a heading\n```\n",
        "src/a.ts": `// the rules of ${spec} \u00a74.6, and docs/api.md#not-a-heading, docs/api.md#authentication\n`
      })
    ).toEqual([
      "README.md:3: docs/api.md#auth — docs/api.md has no heading #auth",
      "README.md:3: docs/none.md — no such file in the repository",
      `src/a.ts:1: ${spec} — not in the repository`,
      "src/a.ts:1: \u00a74.6 — a numbered section of a document the repository does not contain",
      "src/a.ts:1: docs/api.md#not-a-heading — docs/api.md has no heading #not-a-heading"
    ])
  })

  it("accepts a spec that is in the repository, links to folders, anchors of the same file and web links", () => {
    expect(
      fixture({
        [`docs/${spec}`]: "# Spec\n",
        "docs/guide.md":
          `# Guide\n\n## Two words\n\n## Two words\n\nPer ${spec}; [up](#two-words-1), [spec](${spec}#spec), ` +
          "[code](../src), [web](https://example.com/x.md), `[not](a-link.md)`.\n",
        "src/a.ts": "// docs/guide.md#two-words\n"
      })
    ).toEqual([])
  })

  it("makes GitHub's anchors", () => {
    expect(slug("`GET /v1/sandbox/clock`, `POST /v1/sandbox/clock`")).toBe("get-v1sandboxclock-post-v1sandboxclock")
    expect(slug("Paying (`POST /i/:code`)")).toBe("paying-post-icode")
    expect(slug("Merchants, keys, database")).toBe("merchants-keys-database")
  })
})
