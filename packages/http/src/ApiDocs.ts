/**
 * The API's documents: `GET /openapi.json`, generated from the contract, and `GET /docs`, a
 * self-contained HTML rendering of it (no script, no stylesheet or font from elsewhere: the server
 * may run where nothing can be fetched).
 */
import { createHash } from "node:crypto"
import type * as HttpApi from "@effect/platform/HttpApi"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Effect from "effect/Effect"
import escapeHtml from "escape-html"
import { rawResponse, type Route } from "./NodeServer.js"

type Json = Record<string, any>

/** The OpenAPI 3.1 document of a contract. */
export const openApi = (api: HttpApi.HttpApi.Any): OpenApi.OpenAPISpec =>
  OpenApi.fromApi(api as unknown as HttpApi.HttpApi.AnyWithProps)

const escape = (text: unknown): string => escapeHtml(String(text))

/** Backticks in the contract's descriptions become code. */
const prose = (text: unknown): string =>
  text === undefined ? "" : escape(text).replace(/`([^`]+)`/g, (_, code: string) => `<code>${code}</code>`)

const refName = (ref: string): string => ref.slice(ref.lastIndexOf("/") + 1)

const slug = (text: string): string => text.replace(/[^A-Za-z0-9_-]+/g, "-")

/** A schema in one line: `string | null`, `Invoice`, `array of Invoice`. */
const typeOf = (schema: Json | undefined): string => {
  if (schema === undefined) return "any"
  if (typeof schema.$ref === "string") {
    const name = refName(schema.$ref)
    return `<a href="#schema-${slug(name)}">${escape(name)}</a>`
  }
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(typeOf).join(" | ")
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) return typeOf(schema.allOf[0])
  if (Array.isArray(schema.enum))
    return schema.enum.map((value: unknown) => `<code>${escape(JSON.stringify(value))}</code>`).join(" | ")
  if (schema.type === "array") return schema.maxItems === 0 ? "<code>[]</code>" : `array of ${typeOf(schema.items)}`
  if (schema.type === "object" && Object.keys(schema.properties ?? {}).length === 0) {
    const values = schema.additionalProperties
    if (typeof values !== "object") return "object"
    return `object of ${Array.isArray(values.anyOf) ? `(${typeOf(values)})` : typeOf(values)}`
  }
  if (typeof schema.type === "string") return escape(schema.type)
  if (Array.isArray(schema.type)) return schema.type.map(escape).join(" | ")
  return "any"
}

const propertiesTable = (schema: Json): string => {
  const properties: Json = schema.properties ?? {}
  const required = new Set<string>(schema.required ?? [])
  const rows = Object.entries(properties).map(
    ([name, property]) =>
      `<tr><td><code>${escape(name)}</code>${required.has(name) ? "" : " <small>optional</small>"}</td>` +
      `<td>${typeOf(property as Json)}</td><td>${prose((property as Json).description)}</td></tr>`
  )
  return rows.length === 0
    ? `<p>${typeOf(schema)}</p>`
    : `<table><thead><tr><th>key</th><th>type</th><th>description</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
}

/** A media type's example (the document has one per request and answer), folded away under `label`. */
const exampleHtml = (label: string, media: Json | undefined): string => {
  const example = media?.examples?.example
  if (example === undefined) return ""
  const summary = example.summary === undefined ? "" : ` <span class="muted">${prose(example.summary)}</span>`
  return `<details><summary>${escape(label)}${summary}</summary><pre><code>${escape(JSON.stringify(example.value, null, 2))}</code></pre></details>`
}

const operationHtml = (method: string, path: string, operation: Json): string => {
  const parameters: Array<Json> = operation.parameters ?? []
  const parts = [
    `<section class="op" id="${slug(operation.operationId ?? `${method}-${path}`)}">`,
    `<h3><span class="method ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>`,
    operation.summary === undefined ? "" : `<p class="summary">${prose(operation.summary)}</p>`,
    operation.description === undefined ? "" : `<p>${prose(operation.description)}</p>`,
    Array.isArray(operation.security) && operation.security.length > 0
      ? "<p><small>Authentication: HTTP Basic (<code>key_id:key_secret</code>).</small></p>"
      : ""
  ]
  if (parameters.length > 0)
    parts.push(
      "<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>",
      ...parameters.map(
        (p) =>
          `<tr><td><code>${escape(p.name)}</code>${p.required ? "" : " <small>optional</small>"}</td>` +
          `<td>${escape(p.in)}</td><td>${typeOf(p.schema)}</td><td>${prose(p.description)}</td></tr>`
      ),
      "</tbody></table>"
    )
  const body = operation.requestBody
  if (body?.content !== undefined) {
    const content = Object.entries<Json>(body.content)
    const schema = content[0]?.[1].schema
    const media = content.map(([type]) => `<code>${escape(type)}</code>`).join(" or ")
    parts.push(
      `<h4>Request body</h4><p>${typeOf(schema)}, as ${media}.</p>`,
      body.description === undefined ? "" : `<p>${prose(body.description)}</p>`,
      exampleHtml("Example request", body.content["application/json"])
    )
  }
  const responses = Object.entries<Json>(operation.responses ?? {})
  parts.push(
    "<h4>Responses</h4><table><thead><tr><th>status</th><th>body</th><th>description</th></tr></thead><tbody>",
    ...responses.map(([status, response]) => {
      const schema = response.content?.["application/json"]?.schema
      return `<tr><td>${escape(status)}</td><td>${schema === undefined ? "" : typeOf(schema)}</td><td>${prose(response.description)}</td></tr>`
    }),
    "</tbody></table>",
    `<div class="examples">${responses
      .map(([status, response]) => exampleHtml(`${status} example`, response.content?.["application/json"]))
      .join("")}</div>`,
    "</section>"
  )
  return parts.join("\n")
}

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 4rem}
h1{margin-bottom:0}h2{border-bottom:2px solid #ddd;padding-bottom:.25rem;margin-top:2.5rem}
code{font:0.9em ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f3f3;padding:0 .2em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;border-bottom:1px solid #e3e3e3;padding:.3rem .5rem;vertical-align:top}
.op{border:1px solid #ddd;border-radius:6px;padding:0 1rem .5rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;font-size:.85em;padding:.1em .4em}
.get{background:#1f6feb}.post{background:#1a7f37}.patch{background:#9a6700}.put{background:#8250df}.delete{background:#cf222e}
.summary{font-weight:600}nav ul{columns:2}nav a{overflow-wrap:anywhere}a{color:#0550ae}small,.muted{color:#555}
h2.tag{text-transform:capitalize}
details{margin:.35rem 0}summary{cursor:pointer;font-weight:600}summary .muted{font-weight:400}
pre{background:#f6f8fa;border:1px solid #e3e3e3;border-radius:6px;padding:.75rem;overflow:auto;font-size:.85em;line-height:1.4}
pre code{background:none;padding:0}
td:first-child code{white-space:nowrap}
@media (max-width:40rem){
p code,td code,h3 code,td:first-child code{overflow-wrap:anywhere;white-space:normal}
main{padding:.5rem .75rem 3rem}.op{padding:0 .6rem .5rem}nav ul{columns:1}
table,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:1px solid #e3e3e3;padding:.35rem 0}
td{border:0;padding:.05rem .25rem}td:empty{display:none}
}
`

/** The page has no script and one inline style: nothing else may load, and no other site may frame it. */
const DOCS_HEADERS = {
  "content-security-policy": [
    "default-src 'none'",
    `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'"
  ].join("; "),
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY"
}

/** The OpenAPI document as a readable HTML page. */
export const docsHtml = (spec: Json): string => {
  const tags: Array<Json> = spec.tags ?? []
  const byTag = new Map<string, Array<string>>()
  const toc: Array<string> = []
  for (const [path, item] of Object.entries<Json>(spec.paths ?? {})) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      const tag = (operation.tags?.[0] as string | undefined) ?? "other"
      const list = byTag.get(tag) ?? []
      list.push(operationHtml(method, path, operation))
      byTag.set(tag, list)
      toc.push(
        `<li><a href="#${slug(operation.operationId ?? `${method}-${path}`)}">${escape(method.toUpperCase())} ${escape(path)}</a>` +
          `${operation.summary === undefined ? "" : ` <span class="muted">${prose(operation.summary)}</span>`}</li>`
      )
    }
  }
  const sections = [...byTag.entries()].map(([tag, operations]) => {
    const description = tags.find((t) => t.name === tag)?.description
    return `<h2 class="tag" id="tag-${slug(tag)}">${escape(tag)}</h2>${description === undefined ? "" : `<p>${prose(description)}</p>`}${operations.join("\n")}`
  })
  const schemas = Object.entries<Json>(spec.components?.schemas ?? {}).map(
    ([name, schema]) =>
      `<section id="schema-${slug(name)}"><h3>${escape(name)}</h3>${schema.description === undefined ? "" : `<p>${prose(schema.description)}</p>`}${propertiesTable(schema)}</section>`
  )
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(spec.info?.title ?? "API")} API reference</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escape(spec.info?.title ?? "API")} API reference</h1>
<p>${prose(spec.info?.description)}</p>
<p>The machine-readable document is at <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
<nav aria-label="Operations"><h2>Operations</h2><ul>${toc.join("")}</ul></nav>
${sections.join("\n")}
<h2 id="schemas">Schemas</h2>
${schemas.join("\n")}
</main>
</body>
</html>
`
}

/**
 * `GET /openapi.json` and `GET /docs`, rendered once, at the first request for either: deriving the
 * document from the contract is work that a process which never serves it (the CLI's local mode, a
 * server before its first request for docs) need not do at start.
 */
export const routes = (api: HttpApi.HttpApi.Any): ReadonlyArray<Route<never>> => {
  let rendered: { readonly json: string; readonly html: string } | undefined
  const render = () => {
    if (rendered === undefined) {
      const spec = openApi(api)
      rendered = { json: JSON.stringify(spec), html: docsHtml(spec as unknown as Json) }
    }
    return rendered
  }
  return [
    {
      method: "GET",
      path: "/openapi.json",
      handle: () =>
        Effect.sync(() => rawResponse(200, { "content-type": "application/json; charset=utf-8" }, render().json))
    },
    {
      method: "GET",
      path: "/docs",
      handle: () =>
        Effect.sync(() =>
          rawResponse(200, { ...DOCS_HEADERS, "content-type": "text/html; charset=utf-8" }, render().html)
        )
    }
  ]
}
