/**
 * The hosted page as a browser without JavaScript uses it, over plain HTTP: open the page (keeping
 * its form cookie), read its form, post the form back. For the HTTP-level page tests; the browser
 * tests drive Chromium instead.
 */

export interface Page {
  readonly status: number
  readonly headers: Headers
  readonly html: string
  /** `name=value` of the form cookie the page set (or the one sent), for the next request. */
  readonly cookie: string | undefined
  /** The hidden fields of the payment form, when the page has one. */
  readonly form: { readonly token: string; readonly due: string } | undefined
}

export interface Posted {
  readonly status: number
  readonly headers: Headers
  readonly html: string
  readonly location: string | null
}

const hidden = (html: string, name: string): string | undefined =>
  new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html)?.[1]

/** GETs a page; `cookie` is sent as the browser's form cookie. */
export const openPage = async (url: string, cookie?: string): Promise<Page> => {
  const response = await fetch(url, { headers: cookie === undefined ? {} : { cookie }, redirect: "manual" })
  const html = await response.text()
  const setCookie = response.headers.get("set-cookie")
  const token = hidden(html, "token")
  const due = hidden(html, "due")
  return {
    status: response.status,
    headers: response.headers,
    html,
    cookie: setCookie === null ? cookie : setCookie.split(";")[0],
    form: token === undefined || due === undefined ? undefined : { token, due }
  }
}

export interface PostOptions {
  readonly cookie?: string | undefined
  readonly origin?: string | undefined
}

/** POSTs `fields` form-encoded, as a browser submits the page's form; redirects are not followed. */
export const postForm = async (
  url: string,
  fields: Readonly<Record<string, string>>,
  options: PostOptions = {}
): Promise<Posted> => {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" }
  if (options.cookie !== undefined) headers.cookie = options.cookie
  if (options.origin !== undefined) headers.origin = options.origin
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: new URLSearchParams(fields).toString(),
    redirect: "manual"
  })
  return {
    status: response.status,
    headers: response.headers,
    html: await response.text(),
    location: response.headers.get("location")
  }
}

/** Opens the page and submits its form with `fields` added, from the page's own origin. */
export const payThroughPage = async (url: string, fields: Readonly<Record<string, string>> = {}): Promise<Posted> => {
  const page = await openPage(url)
  if (page.form === undefined) throw new Error(`no payment form on ${url} (status ${page.status})`)
  return postForm(url, { ...page.form, ...fields }, { cookie: page.cookie, origin: new URL(url).origin })
}

/** The text of a page without tags, whitespace collapsed: what a reader sees. */
export const visibleText = (html: string): string =>
  html
    .replace(/<style>[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&")
    .replace(/\s+/g, " ")
    .trim()
