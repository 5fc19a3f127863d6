/**
 * The SSRF guard for webhook URLs. In live mode a URL that resolves to a loopback, private, shared
 * (CGNAT), link-local, cloud-metadata, unique-local or otherwise non-public address is refused unless
 * the operator allows private addresses; test mode also allows loopback, since a developer's sandbox
 * receiver runs on their own machine. IPv4 addresses embedded in IPv6 (mapped `::ffff:a.b.c.d`,
 * compatible, NAT64) are judged as the IPv4 address they carry.
 *
 * The check runs where the connection is made (the HTTP agent's DNS lookup), on every address a
 * name resolves to, so a name that resolves differently at delivery than at registration (DNS
 * rebinding) is still caught.
 */
import * as Dns from "node:dns"
import * as Net from "node:net"
import type { Mode } from "@paylinks/core/Tenant"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

export type AddressKind =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "unique-local"
  | "unspecified"
  | "reserved"

export interface Policy {
  readonly allowLoopback: boolean
  readonly allowPrivate: boolean
}

/** Live: public addresses only, unless the operator allows private ones. Test: loopback too. */
export const policyFor = (mode: Mode, allowPrivate: boolean): Policy => ({
  allowLoopback: allowPrivate || mode === "test",
  allowPrivate
})

/** A webhook URL was refused because of where it points. */
export class AddressRefused extends Data.TaggedError("AddressRefused")<{
  readonly host: string
  readonly address: string
  readonly kind: AddressKind
}> {
  override get message(): string {
    const article = /^[aeiu]/.test(this.kind) ? "an" : "a"
    const what = `${article} ${this.kind} address`
    return this.host === this.address
      ? `${this.address} is ${what}; webhooks to it are not allowed`
      : `${this.host} resolves to ${this.address}, ${what}; webhooks to it are not allowed`
  }
}

const inV4 = (octets: ReadonlyArray<number>, base: ReadonlyArray<number>, bits: number): boolean => {
  const value = (parts: ReadonlyArray<number>) =>
    ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  return (value(octets) & mask) === (value(base) & mask)
}

const classifyV4 = (octets: ReadonlyArray<number>): AddressKind => {
  const within = (base: string, bits: number) => inV4(octets, base.split(".").map(Number), bits)
  if (within("0.0.0.0", 8)) return "unspecified"
  if (within("127.0.0.0", 8)) return "loopback"
  if (within("169.254.169.254", 32) || within("100.100.100.200", 32)) return "metadata"
  if (within("169.254.0.0", 16)) return "link-local"
  if (within("10.0.0.0", 8) || within("172.16.0.0", 12) || within("192.168.0.0", 16) || within("100.64.0.0", 10))
    return "private"
  if (
    within("192.0.0.0", 24) ||
    within("192.0.2.0", 24) ||
    within("198.18.0.0", 15) ||
    within("198.51.100.0", 24) ||
    within("203.0.113.0", 24) ||
    within("224.0.0.0", 4) ||
    within("240.0.0.0", 4)
  )
    return "reserved"
  return "public"
}

/**
 * The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined when it is not one. The
 * WHATWG URL parser writes any IPv6 form (embedded IPv4 included) as compressed hex groups first.
 */
const groupsOfV6 = (text: string): ReadonlyArray<number> | undefined => {
  const address = text.replace(/%.*$/, "")
  if (!Net.isIPv6(address)) return undefined
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const [left = "", right] = canonical.split("::")
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)))
  const head = parse(left)
  if (right === undefined) return head
  const tail = parse(right)
  return [...head, ...Array.from({ length: 8 - head.length - tail.length }, () => 0), ...tail]
}

const classifyV6 = (groups: ReadonlyArray<number>): AddressKind => {
  const g = (i: number) => groups[i] ?? 0
  const zeroUpTo = (n: number) => groups.slice(0, n).every((group) => group === 0)
  const embeddedV4 = [g(6) >> 8, g(6) & 0xff, g(7) >> 8, g(7) & 0xff]
  if (zeroUpTo(8)) return "unspecified"
  if (zeroUpTo(7) && g(7) === 1) return "loopback"
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d).
  if (zeroUpTo(5) && g(5) === 0xffff) return classifyV4(embeddedV4)
  if (zeroUpTo(4) && g(4) === 0xffff && g(5) === 0) return classifyV4(embeddedV4)
  if (zeroUpTo(6)) return classifyV4(embeddedV4)
  // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
  if (g(0) === 0x64 && g(1) === 0xff9b && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0)
    return classifyV4(embeddedV4)
  if (g(0) === 0xfd00 && g(1) === 0x0ec2 && groups.slice(2, 7).every((group) => group === 0) && g(7) === 0x254)
    return "metadata"
  if ((g(0) & 0xffc0) === 0xfe80) return "link-local"
  if ((g(0) & 0xfe00) === 0xfc00) return "unique-local"
  if ((g(0) & 0xff00) === 0xff00) return "reserved"
  if (g(0) === 0x2001 && g(1) === 0x0db8) return "reserved"
  return "public"
}

/** What kind of address `ip` is; undefined when it is not an IP address. */
export const classify = (ip: string): AddressKind | undefined => {
  if (Net.isIPv4(ip)) return classifyV4(ip.split(".").map(Number))
  const groups = groupsOfV6(ip.replace(/^\[(.*)\]$/, "$1"))
  return groups === undefined || groups.length !== 8 ? undefined : classifyV6(groups)
}

/** Whether the policy lets a webhook go to an address of this kind. */
export const allows = (policy: Policy, kind: AddressKind): boolean =>
  kind === "public" || policy.allowPrivate || (kind === "loopback" && policy.allowLoopback)

/** The refusal for `address` (reached through `host`), if the policy refuses it. */
export const check = (policy: Policy, host: string, address: string): AddressRefused | undefined => {
  const kind = classify(address) ?? "reserved"
  return allows(policy, kind) ? undefined : new AddressRefused({ host, address, kind })
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | Array<Dns.LookupAddress>,
  family?: number
) => void

/**
 * A `lookup` for `net.connect` (and undici's connector) that resolves as usual and then refuses the
 * connection when any address the name resolves to is not allowed.
 */
export const guardedLookup =
  (policy: Policy) =>
  (hostname: string, options: Dns.LookupOptions, callback: LookupCallback): void => {
    Dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, [])
      for (const { address } of addresses) {
        const refused = check(policy, hostname, address)
        if (refused !== undefined)
          return callback(Object.assign(new Error(refused.message), { code: "EADDRNOTALLOWED" }), [])
      }
      if (options.all === true) return callback(null, addresses)
      const first = addresses[0]
      if (first === undefined)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), [])
      callback(null, first.address, first.family)
    })
  }

/** The hostname of a URL without IPv6 brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1")

/**
 * Checks where a URL points now: an IP literal directly, a name through DNS. A name that does not
 * resolve is not refused here (DNS may be down for a moment); the delivery-time lookup checks it again.
 */
export const checkUrl = (url: URL, policy: Policy): Effect.Effect<void, AddressRefused> =>
  Effect.gen(function* () {
    const host = hostOf(url)
    if (classify(host) !== undefined) {
      const refused = check(policy, host, host)
      if (refused !== undefined) return yield* refused
      return
    }
    const addresses = yield* Effect.tryPromise(() => Dns.promises.lookup(host, { all: true })).pipe(
      Effect.orElseSucceed((): Array<Dns.LookupAddress> => [])
    )
    for (const { address } of addresses) {
      const refused = check(policy, host, address)
      if (refused !== undefined) return yield* refused
    }
  })
