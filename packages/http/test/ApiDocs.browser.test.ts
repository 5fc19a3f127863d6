/**
 * `/docs` in a real headless Chromium (Debian's, driven by playwright-core) against the listening
 * server: the page renders under its own Content-Security-Policy, names only the API's own schemas,
 * links every schema it mentions, labels every column and shows each endpoint's examples. Screenshots
 * are saved under `packages/http/test-artifacts/docs/`.
 */
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Browser as PlaywrightBrowser, Page } from "playwright-core"
import * as Browser from "@paylinks/testing/Browser"
import { Served, servedLayer } from "./helpers.js"

const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/docs/", import.meta.url))

const hasBrowser = Browser.available("packages/http/test/ApiDocs.browser.test.ts")

class Chromium extends Context.Tag("test/Chromium")<Chromium, PlaywrightBrowser>() {}

const browserLayer = Layer.scoped(Chromium, Browser.launch)

/** `/docs` at a viewport width, with everything the page printed to the console. */
const open = <A>(width: number, f: (page: Page, console: Array<string>) => Promise<A>) =>
  Effect.gen(function* () {
    const { url } = yield* Served
    const browser = yield* Chromium
    return yield* Effect.promise(async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false })
      try {
        const page = await context.newPage()
        const console: Array<string> = []
        page.on("console", (message) => console.push(`${message.type()}: ${message.text()}`))
        page.on("pageerror", (error) => console.push(`pageerror: ${error.message}`))
        const response = await page.goto(`${url}/docs`)
        expect(response?.status()).toBe(200)
        return await f(page, console)
      } finally {
        await context.close()
      }
    })
  })

// Inside `evaluate` callbacks (run in the page) the page's globals are reached through `globalThis`: this
// package type-checks without the DOM library.
const suite = hasBrowser ? layer(Layer.merge(servedLayer(), browserLayer), { excludeTestServices: true }) : undefined

suite?.("/docs in Chromium", (it) => {
  it.effect("renders under its CSP, with only the API's own names, every schema linked, every column named", () =>
    open(1280, async (page, console) => {
      Fs.mkdirSync(ARTIFACTS, { recursive: true })
      // The inline style is allowed by its hash: the method badges are coloured.
      expect(
        await page
          .locator(".method.post")
          .first()
          .evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor)
      ).toBe("rgb(26, 127, 55)")
      expect(console).toEqual([])
      // No framework schema name or text, neither in the page nor in its (folded) examples.
      const text = (await page.locator("body").textContent()) ?? ""
      for (const internal of ["NumberFromString", "HttpApiDecodeError", "a string to be decoded", "an integer"])
        expect(text).not.toContain(internal)
      const named = new Set(await page.locator('a[href^="#schema-"]').allTextContents())
      for (const internal of ["Int", "NumberFromString", "Issue", "PropertyKey"])
        expect(named.has(internal)).toBe(false)
      // Every header cell says what its column is.
      const headers = await page.locator("th").allTextContents()
      expect(headers.length).toBeGreaterThan(30)
      expect(headers.filter((header) => header.trim() === "")).toEqual([])
      // Every in-page link lands on something, and every schema named in a type column is a link.
      const targets = await page.locator('a[href^="#"]').evaluateAll((links) =>
        links.map((link) => {
          const id = decodeURIComponent((link as unknown as { hash: string }).hash.slice(1))
          return { id, found: (globalThis as any).document.getElementById(id) !== null }
        })
      )
      expect(targets.filter((target) => !target.found)).toEqual([])
      const customer = page.locator("#schema-CreateInvoiceRequest tr", { hasText: "customer" }).first()
      expect(await customer.locator("a").getAttribute("href")).toBe("#schema-CustomerInput")
      expect(await page.locator("#schema-CustomerInput").textContent()).toContain("contact")
      // The integer filters read as integers.
      const count = page.locator("#invoices-list tr", { hasText: "Links per page" })
      expect(await count.locator("td").nth(2).textContent()).toBe("integer")
      // Examples are folded; opened, the create example shows its request and its refusal.
      const create = page.locator("#invoices-create")
      await create.evaluate((el) => {
        for (const details of el.querySelectorAll("details")) details.setAttribute("open", "")
      })
      // One example per response row, and the request's.
      const folded = await create.locator("details").count()
      expect(folded).toBe((await create.locator("table").last().locator("tbody tr").count()) + 1)
      expect(await create.locator("details[open] pre").count()).toBe(folded)
      const shown = (await create.textContent()) ?? ""
      expect(shown).toContain('"amount": 50000')
      expect(shown).toContain("The amount must be at least INR 1.00")
      expect(shown).toContain("application/x-www-form-urlencoded")
      await page.screenshot({ path: `${ARTIFACTS}docs-top.png` })
      await create.screenshot({ path: `${ARTIFACTS}docs-create.png` })
      await page.locator("#invoices-list").screenshot({ path: `${ARTIFACTS}docs-list.png` })
      await page.locator("#schema-Invoice").screenshot({ path: `${ARTIFACTS}docs-invoice.png` })
    })
  )

  it.effect("reads on a phone: nothing wider than the screen but the scrolling example blocks", () =>
    open(390, async (page) => {
      Fs.mkdirSync(ARTIFACTS, { recursive: true })
      const overflow = await page.evaluate(
        () => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth
      )
      await page.screenshot({ path: `${ARTIFACTS}docs-phone.png` })
      await page.locator("#invoices-create").screenshot({ path: `${ARTIFACTS}docs-phone-create.png` })
      expect(overflow).toBeLessThanOrEqual(0)
    })
  )
})
