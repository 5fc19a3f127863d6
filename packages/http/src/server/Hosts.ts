/**
 * Which `Host` headers the server answers (docs/http-api.md#hosts). A page or an API call reached
 * through a name the server was not configured with is a DNS-rebinding attempt (a hostile page whose
 * name now resolves to this server) or a misrouted request; both are refused on the head. Names are
 * compared without their port (a proxy may change it) and case-insensitively. An IP literal cannot
 * be rebound, so literals are accepted when the server listens on every address (where any of the
 * machine's addresses may reach it); otherwise only the listening address is.
 */
import { isIP } from "node:net"

export interface Hosts {
  /** Whether a request must name its host (HTTP/1.1 requires it; the in-process entry has none). */
  readonly required: boolean
  /** Whether a request with this `Host` header is answered. */
  readonly allows: (header: string) => boolean
}

/** Every `Host` is answered, also none (the in-process entry, which has no socket). */
export const any: Hosts = { required: false, allows: () => true }

/** Every `Host` is answered (a server told so: behind a proxy that checks it); a request must still name one. */
export const anyNamed: Hosts = { required: true, allows: (header) => nameOf(header) !== undefined }

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"]

/** The host name of a `Host` header (an IPv6 literal without its brackets), lower-case; `undefined` when malformed. */
export const nameOf = (header: string): string | undefined => {
  const value = header.trim().toLowerCase()
  if (value.startsWith("[")) {
    const close = value.indexOf("]")
    if (close === -1) return undefined
    const rest = value.slice(close + 1)
    if (rest !== "" && !/^:[0-9]{1,5}$/.test(rest)) return undefined
    const literal = value.slice(1, close)
    return isIP(literal) === 6 ? literal : undefined
  }
  const match = /^([a-z0-9._-]+?)\.?(?::[0-9]{1,5})?$/.exec(value)
  return match === null ? undefined : match[1]
}

const isWildcard = (address: string): boolean => address === "0.0.0.0" || address === "::" || address === ""

const isLoopback = (address: string): boolean =>
  address === "localhost" || address === "::1" || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(address)

export interface Settings {
  /** The address the server listens on. */
  readonly listen: string
  /** Further names (or URLs, whose host is taken) the server is reached at: the public URL, a proxy's name. */
  readonly names: ReadonlyArray<string>
}

/** The hosts of a server listening on `listen` and reached at `names`, plus loopback names when it listens on loopback. */
export const make = (settings: Settings): Hosts => {
  const allowed = new Set<string>()
  const add = (name: string) => {
    const trimmed = name.trim()
    if (trimmed === "") return
    let host = trimmed
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
      try {
        host = new URL(trimmed).host
      } catch {
        return
      }
    }
    const parsed = nameOf(host) ?? nameOf(`[${host}]`)
    if (parsed !== undefined) allowed.add(parsed)
  }
  const listen = settings.listen.replace(/^\[(.*)\]$/, "$1").toLowerCase()
  const wildcard = isWildcard(listen)
  if (!wildcard) add(listen)
  if (wildcard || isLoopback(listen)) for (const name of LOOPBACK_NAMES) allowed.add(name)
  for (const name of settings.names) add(name)
  return {
    required: true,
    allows: (header) => {
      const name = nameOf(header)
      if (name === undefined) return false
      if (allowed.has(name)) return true
      if (wildcard && isIP(name) !== 0) return true
      return isLoopback(name) && isLoopback(listen)
    }
  }
}
