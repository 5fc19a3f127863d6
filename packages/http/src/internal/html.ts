/**
 * Safe-by-default HTML: every value interpolated into an `html` template is escaped unless it is
 * itself an `Html` fragment built the same way, so a merchant's or customer's text can only ever
 * become text.
 */
import escapeHtml from "escape-html"

export class Html {
  constructor(readonly value: string) {}
}

type Part = Html | string | number | null | undefined | false | ReadonlyArray<Part>

const render = (part: Part): string => {
  if (part === null || part === undefined || part === false) return ""
  if (part instanceof Html) return part.value
  if (Array.isArray(part)) return part.map(render).join("")
  return escapeHtml(String(part))
}

/** A template whose interpolations are escaped (fragments pass as they are; null, undefined and false vanish). */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<Part>): Html => {
  let out = strings[0] ?? ""
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "")
  return new Html(out)
}
