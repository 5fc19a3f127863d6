/**
 * A small fetch-based caller for the end-to-end tests that speak to a listening paylinks server, and
 * the Razorpay error envelope (docs/errors.md) that a refused request must answer with.
 */

/** The `Authorization` header's value for a key pair. */
export const basic = (keyId: string, secret: string): string =>
  `Basic ${Buffer.from(`${keyId}:${secret}`).toString("base64")}`

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body as JSON, or undefined when it is not JSON. */
  readonly json: any
}

export interface CallOptions {
  /** The `Authorization` header's value. */
  readonly auth?: string | undefined
  /** Sent as JSON, with `content-type: application/json` unless `headers` set `content-type`. */
  readonly body?: unknown
  /** Sent as it is, when there is no `body`. */
  readonly raw?: string | Uint8Array | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** One HTTP request; `body` is sent as JSON, `raw` as it is. */
export const call = (base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
  const headers: Record<string, string> = { ...options.headers }
  if (options.auth !== undefined) headers.authorization = options.auth
  let body: string | Uint8Array | undefined = options.raw
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers["content-type"] ??= "application/json"
  }
  return fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }).then(
    async (response) => {
      const text = await response.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: response.status, headers: response.headers, text, json }
    }
  )
}

/** The envelope a refusal must have: exactly these keys, with `field` only when given. */
export const envelope = (description: string, options: { field?: string; origin?: "business" | "NA" } = {}) => {
  const business = (options.origin ?? "business") === "business"
  return {
    error: {
      code: "BAD_REQUEST_ERROR",
      description,
      source: business ? "business" : "NA",
      step: business ? "payment_initiation" : "NA",
      reason: business ? "input_validation_failed" : "NA",
      metadata: {},
      ...(options.field === undefined ? {} : { field: options.field })
    }
  }
}
