/**
 * The server's settings as a command line describes them — every flag, its variable and its help, the
 * defaults and `localUrl` — with no import at all, so that a program that only names the settings
 * (the CLI's option descriptors and help) loads none of the storage, HTTP or notification modules that
 * `ServerConfig.load` checks them with. `ServerConfig` answers with the same values
 * (`test/ServerSettings.test.ts`).
 */

/** The documented default port. */
export const DEFAULT_PORT = 4010
export const DEFAULT_HOST = "127.0.0.1"
/** The SQLite file in the working directory (`@paylinks/sql`'s default). */
export const DEFAULT_DATABASE = "sqlite:./paylinks.db"

/** Every setting: its flag, its environment variable, and what it means. */
export const settings = [
  { flag: "database", env: "PAYLINKS_DATABASE", help: `sqlite:<file> or postgres://… (default ${DEFAULT_DATABASE})` },
  { flag: "host", env: "PAYLINKS_HOST", help: `address to listen on (default ${DEFAULT_HOST})` },
  { flag: "port", env: "PAYLINKS_PORT", help: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)` },
  {
    flag: "public-url",
    env: "PAYLINKS_PUBLIC_URL",
    help: "base URL of the links' short_url (default http://<host>:<port>)"
  },
  { flag: "key-id", env: "PAYLINKS_KEY_ID", help: "seed this API key id (rzp_test_… or rzp_live_…)" },
  { flag: "key-secret", env: "PAYLINKS_KEY_SECRET", help: "the secret of the seeded key id" },
  { flag: "master-key", env: "PAYLINKS_MASTER_KEY", help: "base64 of 32 bytes encrypting key secrets at rest" },
  {
    flag: "auth-failure-limit",
    env: "PAYLINKS_AUTH_FAILURE_LIMIT",
    help: "failed authentications per client and key id before 429: <failures>/<seconds> or off (default 20/60)"
  },
  {
    flag: "allowed-hosts",
    env: "PAYLINKS_ALLOWED_HOSTS",
    help: "more host names the server answers besides its address and public URL, comma-separated; * for any"
  },
  {
    flag: "max-connections",
    env: "PAYLINKS_MAX_CONNECTIONS",
    help: "connections held at once; one more is answered 503 (default 1024)"
  },
  {
    flag: "headers-timeout",
    env: "PAYLINKS_HEADERS_TIMEOUT",
    help: "seconds a request's head may take to arrive before 408 (default 10)"
  },
  {
    flag: "request-timeout",
    env: "PAYLINKS_REQUEST_TIMEOUT",
    help: "seconds a whole request, head and body, may take to arrive before 408 (default 30)"
  },
  {
    flag: "dispatcher",
    env: "PAYLINKS_DISPATCHER",
    help: "deliver webhooks and notifications from this process: on or off (default on; off when paylinks-dispatcher runs)"
  }
] as const

/** The base URL a client on this machine reaches a server listening on `host:port` at. */
export const localUrl = (host: string, port: number): string => {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host
  return `http://${reachable}:${port}`
}
