/**
 * Hostile input for the fuzzers, as fast-check arbitraries: values of the wrong type, numbers at and
 * past every limit, numbers as strings, unicode edge cases (lone surrogates, NUL, bidi and zero-width
 * characters, combining marks, astral symbols), SQL and HTML metacharacters, bad percent-encoding,
 * request bodies that are not JSON at all, nested past the depth limit or carrying prototype keys,
 * and `Host` headers the server does not serve. Raw requests are built from them byte for byte.
 */
import * as fc from "effect/FastCheck"

/** Strings that have broken parsers, escapers and databases before. */
export const NASTY_STRINGS: ReadonlyArray<string> = [
  "",
  " ",
  "'",
  '"',
  "\\",
  "'; DROP TABLE payment_links; --",
  "' OR '1'='1",
  '" OR 1=1 --',
  "1; SELECT * FROM api_keys",
  "%' AND 1=0 UNION SELECT secret_ciphertext FROM api_keys --",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "</textarea><svg onload=alert(1)>",
  "&amp;&lt;&#x27;",
  "javascript:alert(1)",
  // A template placeholder, as text.
  "$" + "{7*7}{{7*7}}",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\ud83dy",
  "\u202etxt.exe",
  "\u200b\u200c\u200d\ufeff",
  "e\u0301\u0301\u0301",
  "😀👩‍👩‍👧‍👦",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "\r\n",
  "\t",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "__proto__",
  "constructor",
  "toString",
  "inv_",
  "inv_00000000000000",
  "%",
  "%zz",
  "%E0%A4%A",
  "%C0%AF",
  "%00",
  "../../etc/passwd",
  "a".repeat(41),
  "a".repeat(2049),
  "x".repeat(10_000)
]

/** Numbers at and past the contract's edges, and numbers in disguise. */
export const NASTY_NUMBERS: ReadonlyArray<unknown> = [
  0,
  -0,
  -1,
  1,
  99,
  100,
  0.5,
  100.5,
  1e-7,
  2 ** 31,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  "100",
  "1e3",
  "0x10",
  " 100 ",
  "١٠٠",
  true,
  false,
  null,
  [],
  [100],
  {},
  { amount: 100 }
]

/** Any hostile value for a field. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.constantFrom(...NASTY_STRINGS.slice(0, 12), "name", "email", "k"), fc.string(), {
      maxKeys: 4
    })
  }
)

/** The fields a create (or an update) knows, and a few it does not. */
const FIELDS = [
  "type",
  "amount",
  "currency",
  "description",
  "receipt",
  "customer",
  "customer_id",
  "expire_by",
  "partial_payment",
  "first_payment_min_amount",
  "sms_notify",
  "email_notify",
  "view_less",
  "notes",
  "reminder_enable",
  "callback_url",
  "callback_method",
  "method",
  "advance_by",
  "__proto__",
  "constructor",
  "id",
  "status",
  "amount_paid",
  "merchant_id"
]

/** A valid-looking create with some fields replaced by hostile values, some left out, some added. */
export const hostileObject: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    base: fc.record(
      {
        type: fc.constantFrom("link", "LINK", "invoice"),
        amount: fc.oneof(fc.integer({ min: 100, max: 1_000_000 }), fc.constantFrom(...NASTY_NUMBERS)),
        // Supported codes, a lower-case one, ISO 4217's "no currency" code (well-formed, not accepted) and a symbol.
        currency: fc.constantFrom("INR", "JPY", "KWD", "inr", "XXX", "€"),
        description: fc.oneof(fc.string(), fc.constantFrom(...NASTY_STRINGS)),
        receipt: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...NASTY_STRINGS)),
        customer: fc.record(
          {
            name: nastyValue,
            email: fc.constantFrom("a@b.co", "not-an-email", "<x>@y.z", "'@x.y"),
            contact: nastyValue
          },
          { requiredKeys: [] }
        ),
        partial_payment: fc.oneof(fc.boolean(), fc.constantFrom(0, 1, "true", 2)),
        notes: fc.dictionary(fc.constantFrom(...NASTY_STRINGS.slice(0, 36)), nastyValue, { maxKeys: 17 })
      },
      { requiredKeys: [] }
    ),
    overrides: fc.dictionary(fc.constantFrom(...FIELDS), nastyValue, { maxKeys: 4 })
  })
  .map(({ base, overrides }) => {
    // Own properties, `__proto__` included, as JSON.parse would make them on the server.
    const out: Record<string, unknown> = {}
    for (const [key, value] of [...Object.entries(base), ...Object.entries(overrides)])
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
    return out
  })

export interface Body {
  /** What goes on the wire. */
  readonly bytes: Uint8Array
  readonly contentType: string | undefined
  /** What this body is, for a failure report. */
  readonly kind: string
}

const utf8 = (text: string) => new TextEncoder().encode(text)

/** A request body: hostile JSON, JSON that is not an object, broken JSON, form bodies, invalid UTF-8. */
export const body: fc.Arbitrary<Body> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: hostileObject.map((value) => ({ bytes: utf8(JSON.stringify(value)), kind: "hostile object" }))
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          "[]",
          "null",
          "1",
          '"x"',
          "true",
          "[{}]",
          "{",
          '{"amount":}',
          "{'a':1}",
          '{"a":1,}',
          "\uFEFF\uFEFF{}"
        )
        .map((text) => ({ bytes: utf8(text), kind: "not an object" }))
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map((text) => ({ bytes: utf8(text), kind: "text" }))
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 200 })
        .map((bytes) => ({ bytes: Uint8Array.from([0x7b, ...bytes]), kind: "bytes" }))
    },
    {
      weight: 1,
      // Nesting at, just past and far past the parse's depth limit (32), bare or inside a field.
      arbitrary: fc
        .record({
          depth: fc.oneof(fc.integer({ min: 30, max: 34 }), fc.integer({ min: 100, max: 5000 })),
          open: fc.constantFrom('{"a":', "[", '{"notes":{"k":'),
          wrap: fc.boolean()
        })
        .map(({ depth, open, wrap }) => {
          const close =
            (open === "[" ? "]" : "}").repeat(depth) + (open.startsWith('{"notes"') ? "}".repeat(depth) : "")
          const nested = `${open.repeat(depth)}1${close}`
          return { bytes: utf8(wrap ? `{"type":"link","amount":1000,"notes":${nested}}` : nested), kind: "deep" }
        })
    },
    {
      weight: 1,
      // A prototype key written plainly and escaped, at the top, in notes and in customer.
      arbitrary: fc
        .constantFrom(
          '{"type":"link","amount":1000,"notes":{"__proto__":"p","constructor":"c"}}',
          '{"type":"link","amount":1000,"notes":{"\\u005f_proto__":"p"}}',
          '{"type":"link","amount":1000,"customer":{"name":"x","__proto__":{"admin":true}}}',
          '{"__proto__":{"amount":1},"type":"link","amount":1000}',
          '{"type":"link","amount":1000,"notes":{"prototype":"p","constructor":"c","hasOwnProperty":"h"}}'
        )
        .map((text) => ({ bytes: utf8(text), kind: "prototype keys" }))
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          "type=link&amount=1000",
          "amount=%zz&type=link",
          "type=link&amount=1000&customer[name]=%3Cscript%3E&notes[__proto__]=x",
          "customer[a][b]=1&amount[]=5",
          "=&&=&%",
          "amount=99999999999999999999999&type=link"
        )
        .map((text) => ({ bytes: utf8(text), kind: "form" }))
    }
  )
  .chain((partial) =>
    fc
      .constantFrom(
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json; charset=utf-16",
        "multipart/form-data; boundary=x",
        undefined
      )
      .map((contentType) => ({ ...partial, contentType }))
  )

/** A path segment as a client might send it: safe ids, hostile text percent-encoded, or raw bytes. */
export const segment = (ids: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS).map((text) => encodeURIComponent(safeForUri(text))) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%zz", "%E0%A4%A", "%C0%AF", "%00", "%2F", "%2e%2e", "a%") },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_]{0,30}$/) },
    { weight: 1, arbitrary: fc.constantFrom("ä", "\u00ff", "😀", "a b", "a\u0001b", "<x>", '"', "{}") }
  )

/** A query string with hostile keys and values, raw or percent-encoded. */
export const query: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        "count",
        "skip",
        "from",
        "to",
        "status",
        "receipt",
        "customer_id",
        "payment_id",
        "type",
        "x",
        "",
        "__proto__",
        "constructor",
        "__proto__[x]"
      ),
      fc.oneof(
        fc.constantFrom(...NASTY_STRINGS).map((text) => encodeURIComponent(safeForUri(text))),
        fc.constantFrom("%zz", "%", "-1", "101", "1e3", "99999999999999999999", "1.5", "0", "issued", "paid")
      )
    ),
    { maxLength: 4 }
  )
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([key, value]) => `${key}=${value}`).join("&")}`))

/** encodeURIComponent throws on lone surrogates; a client would have sent their replacement. */
export const safeForUri = (text: string): string =>
  text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")

/** A header value as a client might send it (no CR or LF: a header value cannot contain a line break). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS).map((text) => text.replace(/[\r\n]/g, "")),
  fc.string({ unit: "binary", maxLength: 40 }).map((text) => text.replace(/[\r\n]/g, "")),
  fc.constantFrom("x".repeat(256), "x".repeat(255), "")
)

/**
 * A `Host` header as a client might send it: mostly the server's own, sometimes a loopback name, a
 * rebinding attacker's name, none at all (`undefined`) or garbage.
 */
export const host: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant("127.0.0.1") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "localhost",
      "LOCALHOST.:4010",
      "[::1]:80",
      "127.0.0.2",
      "rebind.evil.example",
      "rebind.evil.example:4010",
      "127.0.0.1.evil.example",
      "",
      "a b",
      "[::1",
      "x:y:z",
      undefined
    )
  }
)

/** A whole HTTP/1.1 request, with `Connection: close`; header values are written as UTF-8. */
export const rawRequest = (
  method: string,
  target: string,
  headers: ReadonlyArray<readonly [string, string]>,
  bytes: Uint8Array | undefined,
  hostHeader: string | undefined = "127.0.0.1"
): Uint8Array => {
  const lines = [
    `${method} ${target} HTTP/1.1`,
    ...(hostHeader === undefined ? [] : [`Host: ${hostHeader}`]),
    "Connection: close"
  ]
  for (const [name, value] of headers) lines.push(`${name}: ${value}`)
  if (bytes !== undefined) lines.push(`Content-Length: ${bytes.byteLength}`)
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "utf8")
  return bytes === undefined ? head : Buffer.concat([head, bytes])
}
