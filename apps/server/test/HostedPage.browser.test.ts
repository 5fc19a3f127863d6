/**
 * The hosted page in a real headless Chromium (Debian's, driven by playwright-core) against the real
 * server on a temporary SQLite file: what a customer sees and does, without JavaScript on the page.
 * A screenshot of each state is saved under `apps/server/test-artifacts/hosted-page/`.
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, layer } from "@effect/vitest"
import * as Browser from "@paylinks/testing/Browser"
import { basic, call } from "@paylinks/testing/HttpCall"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Browser as PlaywrightBrowser, Page } from "playwright-core"
import RazorpayUtils from "razorpay/dist/utils/razorpay-utils.js"
import { type Served, serve, tempDir } from "./helpers.js"

const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/hosted-page/", import.meta.url))

const hasBrowser = Browser.available("apps/server/test/HostedPage.browser.test.ts")

const KEY = "rzp_test_BrowserSuite001"
const SECRET = "secret-of-the-browser-suite"

interface Fixture extends Served {
  readonly browser: PlaywrightBrowser
  readonly auth: string
}

class Suite extends Context.Tag("test/BrowserSuite")<Suite, Fixture>() {}

const fixture = Layer.scoped(
  Suite,
  Effect.gen(function* () {
    const served = yield* Effect.orDie(
      serve(`sqlite:${Path.join(tempDir(), "paylinks.db")}`, ["--key-id", KEY, "--key-secret", SECRET])
    )
    const browser = yield* Browser.launch
    Fs.mkdirSync(ARTIFACTS, { recursive: true })
    return { ...served, browser, auth: basic(KEY, SECRET) }
  })
)

interface Session {
  readonly page: Page
  readonly suite: Fixture
  /** Everything the page printed to the console (CSP violations land here). */
  readonly console: Array<string>
  readonly dialogs: Array<string>
}

/** Runs `f` in a fresh browser context (its own cookies) and closes it afterwards. */
const browse = <A>(f: (session: Session) => Promise<A>, javaScriptEnabled = true) =>
  Effect.flatMap(Suite, (suite) =>
    Effect.promise(async () => {
      const context = await suite.browser.newContext({ viewport: { width: 800, height: 900 }, javaScriptEnabled })
      const page = await context.newPage()
      const console: Array<string> = []
      const dialogs: Array<string> = []
      page.on("console", (message) => console.push(`${message.type()}: ${message.text()}`))
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
      try {
        return await f({ page, suite, console, dialogs })
      } finally {
        await context.close()
      }
    })
  )

const shot = (page: Page, name: string) =>
  page.screenshot({ path: Path.join(ARTIFACTS, `${name}.png`), fullPage: true })

const api = async (suite: Fixture, method: string, path: string, body?: unknown) => {
  const answer = await call(suite.url, method, path, { auth: suite.auth, body })
  expect(answer.status, answer.text).toBe(200)
  return answer.json
}

const createLink = (suite: Fixture, body: Record<string, unknown>) =>
  api(suite, "POST", "/v1/invoices", { type: "link", ...body })

const createPaymentLink = (suite: Fixture, body: Record<string, unknown>) =>
  api(suite, "POST", "/v1/payment_links", body)

/** A payment of everything due on a Payment Links link, made outside the page (another customer, another tab). */
const payElsewhere = async (suite: Fixture, link: { readonly short_url: string }) => {
  const context = await suite.browser.newContext()
  try {
    const other = await context.newPage()
    await other.goto(link.short_url)
    await submit(other, /in full/)
  } finally {
    await context.close()
  }
}

/** The text of the page's body, hidden parts included. */
const pageText = async (page: Page): Promise<string> => (await page.locator("body").textContent()) ?? ""

/** A merchant's site on loopback that thanks whoever lands on it, and records where they landed. */
const shopServer = (host: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly received: Array<string> }>((resume) => {
      const received: Array<string> = []
      const server = Http.createServer((req, res) => {
        received.push(req.url ?? "")
        res.writeHead(200, { "content-type": "text/plain" })
        res.end("thanks")
      })
      server.listen(0, host, () => resume(Effect.succeed({ server, received })))
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

/** Submits the page's form with its button and waits for the page it leads to; returns that answer's status. */
const submit = async (page: Page, button: string | RegExp): Promise<number> => {
  const [response] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: button }).click()])
  return response?.status() ?? 0
}

/** Elements whose own text has less than WCAG AA contrast (4.5:1, 3:1 for large text) against the background it is drawn on. */
const contrastProblems = (page: Page): Promise<Array<string>> =>
  page.evaluate(() => {
    const dom = globalThis as any
    const parse = (color: string): Array<number> => (color.match(/[\d.]+/g) ?? []).map(Number)
    const luminance = ([r = 0, g = 0, b = 0]: Array<number>) => {
      const channel = (value: number) => {
        const c = value / 255
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
      }
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }
    const background = (element: any): Array<number> => {
      for (let at = element; at !== null; at = at.parentElement) {
        const rgba = parse(dom.getComputedStyle(at).backgroundColor)
        if (rgba.length === 3 || (rgba[3] ?? 0) > 0) return rgba
      }
      return [255, 255, 255]
    }
    const problems: Array<string> = []
    for (const element of Array.from<any>(dom.document.body.querySelectorAll("*"))) {
      const ownText = Array.from<any>(element.childNodes).some(
        (node) => node.nodeType === 3 && (node.textContent ?? "").trim() !== ""
      )
      const style = dom.getComputedStyle(element)
      if (!ownText || element.offsetParent === null) continue
      const [l1, l2] = [luminance(parse(style.color)), luminance(background(element))].sort((a, b) => b - a) as [
        number,
        number
      ]
      const ratio = (l1 + 0.05) / (l2 + 0.05)
      const size = Number.parseFloat(style.fontSize)
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700)
      if (ratio < (large ? 3 : 4.5))
        problems.push(`${element.tagName} "${element.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}`)
    }
    return problems
  })

/** What the Tab key visits, in order, until it leaves the page's controls. */
const tabOrder = async (page: Page, steps: number): Promise<Array<string>> => {
  const visited: Array<string> = []
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press("Tab")
    visited.push(
      await page.evaluate(() => {
        const document = (globalThis as any).document
        const element = document.activeElement
        if (element === null || element === document.body) return "body"
        return element.id !== "" ? `#${element.id}` : `${element.tagName.toLowerCase()}:${element.textContent.trim()}`
      })
    )
  }
  return visited
}

const cspViolations = (console: ReadonlyArray<string>) =>
  console.filter((line) => /Content Security Policy|Refused/i.test(line))

describe.skipIf(!hasBrowser)("the hosted page in Chromium", () => {
  layer(fixture, { excludeTestServices: true, timeout: "120 seconds" })("on SQLite", (it) => {
    it.effect("shows an issued link: merchant, amount, receipt, expiry, a labelled form in a sensible tab order", () =>
      browse(async ({ page, suite, console }) => {
        const link = await createLink(suite, {
          amount: 150000,
          receipt: "INV-2041",
          description: "Website redesign, first milestone",
          customer: { name: "Asha Verma", email: "asha@example.com" },
          partial_payment: true,
          first_payment_min_amount: 50000
        })
        const response = await page.goto(link.short_url)
        expect(response?.status()).toBe(200)
        expect((await page.getByRole("heading", { level: 1 }).textContent())?.trim()).toBe("paylinks merchant")
        expect(await page.locator(".amount").textContent()).toContain("₹1,500.00")
        expect(await page.getByRole("note").textContent()).toContain("Test mode.")
        const facts = (await page.locator("dl.facts").textContent()) ?? ""
        for (const text of ["Total", "₹1,500.00", "Paid", "₹0.00", "Due", "INV-2041", "Asha Verma", "Expires"])
          expect(facts).toContain(text)
        expect(facts).toContain(String(new Date(link.expire_by * 1000).getUTCFullYear()))
        // The stylesheet applied (its hash matches the CSP) and nothing was refused.
        expect(
          await page.evaluate(
            () => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor
          )
        ).toBe("rgb(243, 244, 246)")
        expect(cspViolations(console)).toEqual([])
        // Every control has a label.
        const unlabelled = await page.evaluate(
          () =>
            Array.from<any>((globalThis as any).document.querySelectorAll("input:not([type=hidden]), select")).filter(
              (element) => element.labels.length === 0
            ).length
        )
        expect(unlabelled).toBe(0)
        // One button per way to pay, each saying what it charges; no radio to get out of step with the field.
        expect(await page.getByRole("radio").count()).toBe(0)
        expect(await page.getByRole("button", { name: "Pay ₹1,500.00 in full (sandbox)" }).isVisible()).toBe(true)
        expect(await page.getByRole("button", { name: "Pay this amount (sandbox)" }).isVisible()).toBe(true)
        expect(await page.getByLabel("Amount to pay now").getAttribute("min")).toBe("500.00")
        expect(await page.getByLabel("Amount to pay now").getAttribute("max")).toBe("1500.00")
        expect(await contrastProblems(page)).toEqual([])
        // Keyboard: the method, the amount, its button, the full button; each with a visible focus ring.
        expect(await tabOrder(page, 4)).toEqual([
          "#method",
          "#amount",
          "button:Pay this amount (sandbox)",
          "button:Pay ₹1,500.00 in full (sandbox)"
        ])
        expect(
          await page.evaluate(
            () => (globalThis as any).getComputedStyle((globalThis as any).document.activeElement).outlineStyle
          )
        ).toBe("solid")
        await shot(page, "issued")
      })
    )

    it.effect("collapses a long description behind Show more, and shows it in full with view_less false", () =>
      browse(async ({ page, suite }) => {
        const tail = "The closing paragraph names the warranty terms."
        const long = `${"This order covers the design, build and delivery of a custom oak table. ".repeat(8)}\n${tail}`
        const collapsed = await createLink(suite, { amount: 500000, description: long })
        await page.goto(collapsed.short_url)
        expect(await page.getByText(tail).isVisible()).toBe(false)
        expect(await page.getByText("Show more").isVisible()).toBe(true)
        await shot(page, "description-collapsed")
        // The first control on the page; Enter opens it, no script needed.
        expect(await tabOrder(page, 1)).toEqual(["summary:Show moreShow less"])
        await page.keyboard.press("Enter")
        expect(await page.getByText(tail).isVisible()).toBe(true)
        expect(await page.getByText("Show less").isVisible()).toBe(true)
        expect(await page.getByText("Show more").isVisible()).toBe(false)
        await shot(page, "description-expanded")

        const full = await createLink(suite, { amount: 500000, description: long, view_less: false })
        await page.goto(full.short_url)
        expect(await page.getByText(tail).isVisible()).toBe(true)
        expect(await page.locator("details").count()).toBe(0)
        await shot(page, "description-view-less-false")
      })
    )

    it.effect("a full payment: the sandbox payment is captured and the link reads paid, with no form", () =>
      browse(async ({ page, suite }) => {
        const link = await createLink(suite, { amount: 250000, description: "Annual plan" })
        await page.goto(link.short_url)
        expect(await page.locator("fieldset").count()).toBe(0)
        await page.getByLabel("Payment method (sandbox)").selectOption("upi")
        expect(await submit(page, "Pay ₹2,500.00 (sandbox)")).toBe(200)
        expect(await page.getByRole("heading", { name: "Payment successful" }).isVisible()).toBe(true)
        expect(await page.getByText("You paid ₹2,500.00.").isVisible()).toBe(true)
        expect(await page.getByText("The link is now paid in full.").isVisible()).toBe(true)
        await shot(page, "payment-success")
        const fetched = await api(suite, "GET", `/v1/invoices/${link.id}`)
        expect(fetched).toMatchObject({ status: "paid", amount_paid: 250000, amount_due: 0 })
        expect(await page.locator("dl.facts").textContent()).toContain(fetched.payment_id)

        await page.goto(link.short_url)
        expect((await page.locator(".badge").first().textContent())?.trim()).toBe("Paid")
        expect(await page.getByText("This payment link was paid in full on").isVisible()).toBe(true)
        expect(await page.locator("form").count()).toBe(0)
        expect(await page.getByRole("button").count()).toBe(0)
        expect(await page.getByRole("table").textContent()).toContain(fetched.payment_id)
        await shot(page, "paid")
      })
    )

    it.effect("two partial payments take the link through partially paid to paid, within the field's bounds", () =>
      browse(async ({ page, suite }) => {
        const link = await createLink(suite, {
          amount: 100000,
          partial_payment: true,
          first_payment_min_amount: 30000,
          description: "Course fee"
        })
        await page.goto(link.short_url)
        const amount = page.getByLabel("Amount to pay now")
        expect(await amount.getAttribute("min")).toBe("300.00")
        expect(await amount.getAttribute("max")).toBe("1000.00")
        await amount.fill("100")
        expect(await amount.evaluate((input: any) => input.validity.rangeUnderflow)).toBe(true)
        await amount.fill("1200")
        expect(await amount.evaluate((input: any) => input.validity.rangeOverflow)).toBe(true)

        await amount.fill("400")
        expect(await submit(page, "Pay this amount (sandbox)")).toBe(200)
        expect(await page.getByText("You paid ₹400.00.").isVisible()).toBe(true)
        expect(await page.getByText("₹600.00 is still due.").isVisible()).toBe(true)
        expect((await api(suite, "GET", `/v1/invoices/${link.id}`)).status).toBe("partially_paid")

        await page.getByRole("link", { name: "Pay the rest" }).click()
        await page.waitForURL(link.short_url)
        const facts = (await page.locator("dl.facts").textContent()) ?? ""
        expect(facts).toContain("Paid₹400.00")
        expect(facts).toContain("Due₹600.00")
        expect((await page.locator(".badge").first().textContent())?.trim()).toBe("Partially paid")
        expect(await amount.getAttribute("min")).toBe("1.00")
        expect(await amount.getAttribute("max")).toBe("600.00")
        expect(await amount.inputValue()).toBe("")
        await shot(page, "partially-paid")

        expect(await submit(page, "Pay ₹600.00 in full (sandbox)")).toBe(200)
        expect(await page.getByText("You paid ₹600.00.").isVisible()).toBe(true)
        expect(await page.getByText("The link is now paid in full.").isVisible()).toBe(true)
        const fetched = await api(suite, "GET", `/v1/invoices/${link.id}`)
        expect(fetched).toMatchObject({ status: "paid", amount_paid: 100000, amount_due: 0 })
      })
    )

    for (const javaScript of [true, false])
      it.effect(
        `the amount belongs to Pay in parts: Enter pays what was typed, Pay in full with an amount pays nothing (JavaScript ${javaScript ? "on" : "off"})`,
        () =>
          browse(async ({ page, suite, console }) => {
            const link = await createLink(suite, { amount: 100000, partial_payment: true, description: "Workshop" })
            await page.goto(link.short_url)
            const amount = page.getByLabel("Amount to pay now")
            // The part button needs an amount: the browser stops it before anything is sent.
            await page.getByRole("button", { name: "Pay this amount (sandbox)" }).click()
            expect(await amount.evaluate((input: any) => input.validity.valueMissing)).toBe(true)
            expect(page.url()).toBe(link.short_url)
            // Enter in the field submits with the part button, the form's default: the amount typed is paid.
            await amount.fill("350")
            const [entered] = await Promise.all([page.waitForNavigation(), amount.press("Enter")])
            expect(entered?.status()).toBe(200)
            expect(await page.getByText("You paid ₹350.00.").isVisible()).toBe(true)
            expect((await api(suite, "GET", `/v1/invoices/${link.id}`)).amount_paid).toBe(35000)

            // The case: 350 typed, then the full button. Refused; nothing charged; the amount kept.
            await page.goto(link.short_url)
            await amount.fill("350")
            expect(await submit(page, "Pay ₹650.00 in full (sandbox)")).toBe(400)
            expect(await page.getByRole("alert").textContent()).toContain(
              "You entered 350 but chose to pay in full, so nothing was paid."
            )
            expect(await amount.inputValue()).toBe("350")
            expect((await api(suite, "GET", `/v1/invoices/${link.id}`)).amount_paid).toBe(35000)
            expect(await contrastProblems(page)).toEqual([])
            if (!javaScript) await shot(page, "amount-with-pay-in-full-refused")
            // Cleared, the full button pays exactly what it says.
            await amount.fill("")
            expect(await submit(page, "Pay ₹650.00 in full (sandbox)")).toBe(200)
            expect(await page.getByText("You paid ₹650.00.").isVisible()).toBe(true)
            expect(await api(suite, "GET", `/v1/invoices/${link.id}`)).toMatchObject({
              status: "paid",
              amount_paid: 100000
            })
            expect(cspViolations(console)).toEqual([])
          }, javaScript)
      )

    it.effect("a link without partial payments: one button that says what it charges, no amount field", () =>
      browse(async ({ page, suite }) => {
        const link = await createLink(suite, { amount: 129900, description: "Headphones", receipt: "ORD-77" })
        await page.goto(link.short_url)
        expect(await page.getByLabel("Amount to pay now").count()).toBe(0)
        expect(await page.getByRole("button").count()).toBe(1)
        expect(await page.getByRole("button", { name: "Pay ₹1,299.00 (sandbox)" }).isVisible()).toBe(true)
        expect(await tabOrder(page, 2)).toEqual(["#method", "button:Pay ₹1,299.00 (sandbox)"])
        expect(await contrastProblems(page)).toEqual([])
        await shot(page, "issued-full")
      }, false)
    )

    it.effect("cancelled and expired links show their state and date and no form", () =>
      browse(async ({ page, suite }) => {
        const clock = await api(suite, "GET", "/v1/sandbox/clock")
        const cancelled = await createLink(suite, { amount: 1000, description: "Cancelled order" })
        const expired = await createLink(suite, {
          amount: 1000,
          description: "Late order",
          expire_by: clock.now + 16 * 60
        })
        await api(suite, "POST", `/v1/invoices/${cancelled.id}/cancel`)
        await api(suite, "POST", "/v1/sandbox/clock", { advance_by: 3600 })
        for (const [link, status, label, phrase] of [
          [cancelled, "cancelled", "Cancelled", "This payment link was cancelled on"],
          [expired, "expired", "Expired", "This payment link expired on"]
        ] as const) {
          await page.goto(link.short_url)
          expect((await page.locator(".badge").first().textContent())?.trim()).toBe(label)
          expect(await page.getByText(phrase).isVisible()).toBe(true)
          expect(await page.locator("form").count(), status).toBe(0)
          expect(await page.getByRole("button").count(), status).toBe(0)
          expect(await contrastProblems(page), status).toEqual([])
          await shot(page, status)
        }
      })
    )

    it.effect("a post on a link that was paid meanwhile is refused with the domain's error, as a page", () =>
      browse(async ({ page, suite }) => {
        const link = await createLink(suite, { amount: 80000, partial_payment: true })
        await page.goto(link.short_url)
        // Somebody else pays the whole amount while this page is open.
        await api(suite, "POST", `/v1/sandbox/invoices/${link.id}/payments`, {})
        await page.getByLabel("Amount to pay now").fill("100")
        expect(await submit(page, "Pay this amount (sandbox)")).toBe(400)
        expect(await page.getByRole("alert").textContent()).toContain(
          "Operation not allowed for Invoice in paid status."
        )
        expect(await page.locator("form").count()).toBe(0)
        await shot(page, "refused")
        expect((await api(suite, "GET", `/v1/invoices/${link.id}`)).amount_paid).toBe(80000)
      })
    )

    it.effect("an XSS payload in the description and the customer's name renders as text and runs nothing", () =>
      browse(async ({ page, suite, console, dialogs }) => {
        const description = `<script>window.__xss = 1; alert("xss")</script><img src=x onerror="window.__xss = 2">`
        const name = `<img src=x onerror=alert(3)>`
        const link = await createLink(suite, { amount: 1000, description, customer: { name } })
        await page.goto(link.short_url)
        expect(await page.getByText(description).isVisible()).toBe(true)
        expect(await page.getByText(name).isVisible()).toBe(true)
        expect(await page.evaluate(() => (globalThis as any).__xss)).toBeUndefined()
        expect(await page.locator("main script, main img").count()).toBe(0)
        expect(await page.locator("script").count()).toBe(0)
        expect(dialogs).toEqual([])
        // Not even blocked by the CSP: nothing tried to run.
        expect(cspViolations(console)).toEqual([])
        await shot(page, "xss-as-text")
      })
    )

    it.effect("after a payment with a callback_url the browser lands there with a query that verifies", () =>
      Effect.gen(function* () {
        const received: Array<string> = []
        const shop = yield* Effect.acquireRelease(
          Effect.async<Http.Server>((resume) => {
            const server = Http.createServer((req, res) => {
              received.push(req.url ?? "")
              res.writeHead(200, { "content-type": "text/plain" })
              res.end("thanks")
            })
            server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
          }),
          (server) =>
            Effect.async<void>((resume) => {
              server.close(() => resume(Effect.void))
            })
        )
        const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/return`
        yield* browse(async ({ page, suite }) => {
          const link = await createLink(suite, {
            amount: 4999,
            receipt: "cart-31",
            callback_url: shopUrl,
            callback_method: "get"
          })
          await page.goto(link.short_url)
          await Promise.all([
            page.waitForURL(`${shopUrl}?**`),
            page.getByRole("button", { name: /Pay ₹49\.99/ }).click()
          ])
          expect(await page.getByText("thanks").isVisible()).toBe(true)
          const query = Object.fromEntries(new URL(page.url()).searchParams)
          // One visit to the return URL (the browser may also ask for a favicon).
          expect(received.filter((url) => url.startsWith("/return"))).toHaveLength(1)
          const fetched = await api(suite, "GET", `/v1/invoices/${link.id}`)
          expect(query).toMatchObject({
            razorpay_payment_id: fetched.payment_id,
            razorpay_invoice_id: link.id,
            razorpay_invoice_status: "paid",
            razorpay_invoice_receipt: "cart-31"
          })
          const verified = RazorpayUtils.validatePaymentVerification(
            {
              payment_link_id: query.razorpay_invoice_id!,
              payment_link_reference_id: query.razorpay_invoice_receipt!,
              payment_link_status: query.razorpay_invoice_status!,
              payment_id: query.razorpay_payment_id!
            },
            query.razorpay_signature!,
            SECRET
          )
          expect(verified).toBe(true)
        })
      }).pipe(Effect.scoped)
    )

    it.effect("a Payment Links link: its page names its reference, never an invoice, and is paid in parts", () =>
      browse(async ({ page, suite, console }) => {
        const link = await createPaymentLink(suite, {
          amount: 120000,
          accept_partial: true,
          first_min_partial_amount: 20000,
          reference_id: "TS-2041",
          description: "Studio rent, March",
          customer: { name: "Kiran Rao", email: "kiran@example.com" }
        })
        expect(link.id).toMatch(/^plink_/)
        const response = await page.goto(link.short_url)
        expect(response?.status()).toBe(200)
        expect((await page.getByRole("heading", { level: 1 }).textContent())?.trim()).toBe("paylinks merchant")
        expect(await page.getByRole("note").textContent()).toContain("Test mode.")
        const facts = (await page.locator("dl.facts").textContent()) ?? ""
        for (const text of ["Total", "₹1,200.00", "Due", "Reference", "TS-2041", "Kiran Rao", "Expires"])
          expect(facts).toContain(text)
        expect(facts).not.toContain("Receipt")
        expect(await pageText(page)).not.toMatch(/invoice/i)
        expect(await page.getByLabel("Amount to pay now").getAttribute("min")).toBe("200.00")
        expect(await contrastProblems(page)).toEqual([])
        expect(cspViolations(console)).toEqual([])
        await shot(page, "payment-link-issued")

        await page.getByLabel("Amount to pay now").fill("500")
        expect(await submit(page, "Pay this amount (sandbox)")).toBe(200)
        expect(await page.getByText("You paid ₹500.00.").isVisible()).toBe(true)
        expect(await page.getByText("₹700.00 is still due.").isVisible()).toBe(true)
        expect(await pageText(page)).not.toMatch(/invoice/i)
        expect(await api(suite, "GET", `/v1/payment_links/${link.id}`)).toMatchObject({
          status: "partially_paid",
          amount_paid: 50000
        })
        await page.getByRole("link", { name: "Pay the rest" }).click()
        await page.waitForURL(link.short_url)
        expect((await page.locator(".badge").first().textContent())?.trim()).toBe("Partially paid")
        await shot(page, "payment-link-partially-paid")
        expect(await submit(page, "Pay ₹700.00 in full (sandbox)")).toBe(200)
        expect(await page.getByText("The link is now paid in full.").isVisible()).toBe(true)
        await page.goto(link.short_url)
        expect(await page.getByText("This payment link was paid in full on").isVisible()).toBe(true)
        expect(await page.locator("form").count()).toBe(0)
        expect(await pageText(page)).not.toMatch(/invoice/i)
        await shot(page, "payment-link-paid")
      })
    )

    it.effect("a Payment Links link's closed states, and a refusal in the Payment Links words", () =>
      browse(async ({ page, suite }) => {
        const clock = await api(suite, "GET", "/v1/sandbox/clock")
        const cancelled = await createPaymentLink(suite, {
          amount: 1000,
          reference_id: "TS-C",
          description: "Cancelled"
        })
        const expired = await createPaymentLink(suite, { amount: 1000, expire_by: clock.now + 16 * 60 })
        const raced = await createPaymentLink(suite, { amount: 80000, accept_partial: true })
        await api(suite, "POST", `/v1/payment_links/${cancelled.id}/cancel`)
        // The refusal: the link is paid in full by somebody else while this page is open.
        await page.goto(raced.short_url)
        await payElsewhere(suite, raced)
        await page.getByLabel("Amount to pay now").fill("100")
        expect(await submit(page, "Pay this amount (sandbox)")).toBe(400)
        expect(await page.getByRole("alert").textContent()).toContain(
          "Operation not allowed for Payment Link in paid status."
        )
        expect(await page.locator("form").count()).toBe(0)
        expect(await pageText(page)).not.toMatch(/invoice/i)
        await shot(page, "payment-link-refused")

        await api(suite, "POST", "/v1/sandbox/clock", { advance_by: 3600 })
        for (const [link, status, label, phrase] of [
          [cancelled, "cancelled", "Cancelled", "This payment link was cancelled on"],
          [expired, "expired", "Expired", "This payment link expired on"]
        ] as const) {
          expect((await api(suite, "GET", `/v1/payment_links/${link.id}`)).status).toBe(status)
          await page.goto(link.short_url)
          expect((await page.locator(".badge").first().textContent())?.trim()).toBe(label)
          expect(await page.getByText(phrase).isVisible()).toBe(true)
          expect(await page.locator("form").count(), status).toBe(0)
          expect(await page.getByRole("button").count(), status).toBe(0)
          expect(await pageText(page), status).not.toMatch(/invoice/i)
          expect(await contrastProblems(page), status).toEqual([])
          await shot(page, `payment-link-${status}`)
        }
        expect(await page.locator("dl.facts").textContent()).not.toContain("Reference")
        await page.goto(cancelled.short_url)
        expect(await page.locator("dl.facts").textContent()).toContain("ReferenceTS-C")
      })
    )

    it.effect("a Payment Links callback: the browser lands with the payment_link query that the SDK verifies", () =>
      Effect.gen(function* () {
        const shop = yield* shopServer("127.0.0.1")
        const shopUrl = `http://127.0.0.1:${(shop.server.address() as AddressInfo).port}/return`
        yield* browse(async ({ page, suite }) => {
          const land = async (link: any, button: RegExp, fill?: string) => {
            await page.goto(link.short_url)
            if (fill !== undefined) await page.getByLabel("Amount to pay now").fill(fill)
            await Promise.all([page.waitForURL(`${shopUrl}?**`), page.getByRole("button", { name: button }).click()])
            expect(await page.getByText("thanks").isVisible()).toBe(true)
            return new URL(page.url()).searchParams
          }
          const verifies = (query: URLSearchParams, secret: string) =>
            RazorpayUtils.validatePaymentVerification(
              {
                payment_link_id: query.get("razorpay_payment_link_id")!,
                payment_link_reference_id: query.get("razorpay_payment_link_reference_id")!,
                payment_link_status: query.get("razorpay_payment_link_status")!,
                payment_id: query.get("razorpay_payment_id")!
              },
              query.get("razorpay_signature")!,
              secret
            )
          const callback = { callback_url: shopUrl, callback_method: "get" }

          const link = await createPaymentLink(suite, {
            amount: 6000,
            accept_partial: true,
            reference_id: "cart-v2-31",
            ...callback
          })
          const first = await land(link, /Pay this amount/, "20")
          const afterFirst = await api(suite, "GET", `/v1/payment_links/${link.id}`)
          expect([...first.keys()]).toEqual([
            "razorpay_payment_id",
            "razorpay_payment_link_id",
            "razorpay_payment_link_reference_id",
            "razorpay_payment_link_status",
            "razorpay_signature"
          ])
          expect(Object.fromEntries(first)).toMatchObject({
            razorpay_payment_id: afterFirst.payments[0].payment_id,
            razorpay_payment_link_id: link.id,
            razorpay_payment_link_reference_id: "cart-v2-31",
            razorpay_payment_link_status: "partially_paid"
          })
          expect(first.get("razorpay_signature")).toMatch(/^[0-9a-f]{64}$/)
          expect(verifies(first, SECRET)).toBe(true)
          expect(verifies(first, `${SECRET}x`)).toBe(false)

          const second = await land(link, /Pay ₹40\.00 in full/)
          expect(second.get("razorpay_payment_link_status")).toBe("paid")
          expect(second.get("razorpay_payment_id")).not.toBe(first.get("razorpay_payment_id"))
          expect(verifies(second, SECRET)).toBe(true)

          // Without a reference_id the parameter is there, empty, and signed as such.
          const plain = await createPaymentLink(suite, { amount: 4999, ...callback })
          const third = await land(plain, /Pay ₹49\.99/)
          expect(third.has("razorpay_payment_link_reference_id")).toBe(true)
          expect(third.get("razorpay_payment_link_reference_id")).toBe("")
          expect(third.get("razorpay_payment_link_status")).toBe("paid")
          expect(verifies(third, SECRET)).toBe(true)
          expect(shop.received.filter((url) => url.startsWith("/return"))).toHaveLength(3)
        })
      }).pipe(Effect.scoped)
    )

    it.effect("a callback_url on an IPv6 literal ([::1]) is reached too: the CSP lets the redirect through", () =>
      Effect.gen(function* () {
        const received: Array<string> = []
        const shop = yield* Effect.acquireRelease(
          Effect.async<Http.Server>((resume) => {
            const server = Http.createServer((req, res) => {
              received.push(req.url ?? "")
              res.writeHead(200, { "content-type": "text/plain" })
              res.end("thanks over IPv6")
            })
            server.listen(0, "::1", () => resume(Effect.succeed(server)))
          }),
          (server) =>
            Effect.async<void>((resume) => {
              server.close(() => resume(Effect.void))
            })
        )
        const shopUrl = `http://[::1]:${(shop.address() as AddressInfo).port}/cb`
        yield* browse(async ({ page, suite, console }) => {
          const link = await createLink(suite, { amount: 1500, callback_url: shopUrl, callback_method: "get" })
          await page.goto(link.short_url)
          await Promise.all([
            page.waitForURL(`${shopUrl}?**`),
            page.getByRole("button", { name: /Pay ₹15\.00/ }).click()
          ])
          expect(await page.getByText("thanks over IPv6").isVisible()).toBe(true)
          expect(received.filter((url) => url.startsWith("/cb?"))).toHaveLength(1)
          expect(new URL(page.url()).searchParams.get("razorpay_invoice_status")).toBe("paid")
          expect(cspViolations(console)).toEqual([])
        })
      }).pipe(Effect.scoped)
    )
  })
})
