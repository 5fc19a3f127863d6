/**
 * The SSRF guard for webhook URLs. In live mode a URL that resolves to a loopback, private, shared
 * (CGNAT), link-local, cloud-metadata, unique-local or otherwise non-public address is refused unless
 * the operator allows private addresses; test mode also allows loopback, since a developer's sandbox
 * receiver runs on their own machine.
 *
 * One policy, as data: the IANA special-purpose registries for IPv4 and IPv6, entry by entry, plus a few
 * blocks outside them (multicast, cloud metadata, deprecated IPv6 forms); `ipaddr.js` parses and matches.
 * The most specific block an address is in decides; a block the registry calls globally reachable is
 * allowed. An IPv6 block that carries an IPv4 address is judged by it: IPv4-mapped and the well-known
 * NAT64 prefix (64:ff9b::/96) reach exactly that IPv4 address, so they are allowed when it is public;
 * every other transition form (6to4, Teredo, local-use NAT64, IPv4-compatible, IPv4-translated) is
 * refused, named after the IPv4 address it carries when that one is not public. IPv6 outside the
 * registries and outside 2000::/3 (the only global unicast space) is refused as reserved.
 *
 * The check runs where the connection is made (the HTTP agent's DNS lookup), on every address a
 * name resolves to, so a name that resolves differently at delivery than at registration (DNS
 * rebinding) is still caught.
 */
import * as Dns from "node:dns"
import { createRequire } from "node:module"
import * as Net from "node:net"
import type { Mode } from "@paylinks/core/Tenant"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as IpAddrTypes from "ipaddr.js"

// ipaddr.js is CommonJS behind an ambient declaration that does not say so; loaded as Node loads it.
const IpAddr: typeof IpAddrTypes = createRequire(import.meta.url)("ipaddr.js")
type IPv4 = IpAddrTypes.IPv4
type IPv6 = IpAddrTypes.IPv6

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

/**
 * How an IPv6 block carries an IPv4 address: `as-ipv4` — the connection goes to that IPv4 address (IPv4-mapped,
 * the well-known NAT64 prefix), so it is judged exactly as that address; `refused` — a transition form whose reach
 * cannot be judged from here (6to4, Teredo, local-use NAT64, the deprecated compatible and translated forms): always
 * refused, named after the IPv4 address it carries when that one is not public.
 */
export type Embedding = "as-ipv4" | "refused"

export interface Block {
  readonly cidr: string
  readonly name: string
  /** The registry's "Globally Reachable"; `N/A` in the registry (6to4, Teredo) is `false` here. */
  readonly globallyReachable: boolean
  /** What a refusal calls an address of the block. */
  readonly kind: Exclude<AddressKind, "public">
  /** The IPv4 addresses the block's addresses carry, for blocks that embed IPv4. */
  readonly embeds?: { readonly how: Embedding; readonly ipv4: (parts: ReadonlyArray<number>) => ReadonlyArray<string> }
}

const v4FromGroups = (high: number, low: number): string => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
/** The last 32 bits: mapped, compatible, translated, and RFC 6052's /96 prefixes. */
const last32 = (parts: ReadonlyArray<number>) => [v4FromGroups(parts[6]!, parts[7]!)]

/** The IANA IPv4 Special-Purpose Address Registry (iana-ipv4-special-registry, as of 2025). */
export const IPV4_SPECIAL_REGISTRY: ReadonlyArray<Block> = [
  { cidr: "0.0.0.0/8", name: "This network", globallyReachable: false, kind: "unspecified" },
  { cidr: "0.0.0.0/32", name: "This host on this network", globallyReachable: false, kind: "unspecified" },
  { cidr: "10.0.0.0/8", name: "Private-Use", globallyReachable: false, kind: "private" },
  { cidr: "100.64.0.0/10", name: "Shared Address Space", globallyReachable: false, kind: "private" },
  { cidr: "127.0.0.0/8", name: "Loopback", globallyReachable: false, kind: "loopback" },
  { cidr: "169.254.0.0/16", name: "Link Local", globallyReachable: false, kind: "link-local" },
  { cidr: "172.16.0.0/12", name: "Private-Use", globallyReachable: false, kind: "private" },
  { cidr: "192.0.0.0/24", name: "IETF Protocol Assignments", globallyReachable: false, kind: "reserved" },
  { cidr: "192.0.0.0/29", name: "IPv4 Service Continuity Prefix", globallyReachable: false, kind: "reserved" },
  { cidr: "192.0.0.8/32", name: "IPv4 dummy address", globallyReachable: false, kind: "reserved" },
  { cidr: "192.0.0.9/32", name: "Port Control Protocol Anycast", globallyReachable: true, kind: "reserved" },
  {
    cidr: "192.0.0.10/32",
    name: "Traversal Using Relays around NAT Anycast",
    globallyReachable: true,
    kind: "reserved"
  },
  { cidr: "192.0.0.170/32", name: "NAT64/DNS64 Discovery", globallyReachable: false, kind: "reserved" },
  { cidr: "192.0.0.171/32", name: "NAT64/DNS64 Discovery", globallyReachable: false, kind: "reserved" },
  { cidr: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", globallyReachable: false, kind: "reserved" },
  { cidr: "192.31.196.0/24", name: "AS112-v4", globallyReachable: true, kind: "reserved" },
  { cidr: "192.52.193.0/24", name: "AMT", globallyReachable: true, kind: "reserved" },
  { cidr: "192.88.99.0/24", name: "Deprecated (6to4 Relay Anycast)", globallyReachable: false, kind: "reserved" },
  { cidr: "192.168.0.0/16", name: "Private-Use", globallyReachable: false, kind: "private" },
  { cidr: "192.175.48.0/24", name: "Direct Delegation AS112 Service", globallyReachable: true, kind: "reserved" },
  { cidr: "198.18.0.0/15", name: "Benchmarking", globallyReachable: false, kind: "reserved" },
  { cidr: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", globallyReachable: false, kind: "reserved" },
  { cidr: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", globallyReachable: false, kind: "reserved" },
  { cidr: "240.0.0.0/4", name: "Reserved", globallyReachable: false, kind: "reserved" },
  { cidr: "255.255.255.255/32", name: "Limited Broadcast", globallyReachable: false, kind: "reserved" }
]

/** Blocks outside the special-purpose registry that a webhook must not reach either. */
export const IPV4_POLICY: ReadonlyArray<Block> = [
  { cidr: "224.0.0.0/4", name: "Multicast", globallyReachable: false, kind: "reserved" },
  { cidr: "169.254.169.254/32", name: "Cloud instance metadata", globallyReachable: false, kind: "metadata" },
  { cidr: "100.100.100.200/32", name: "Cloud instance metadata (Alibaba)", globallyReachable: false, kind: "metadata" }
]

/** The IANA IPv6 Special-Purpose Address Registry (iana-ipv6-special-registry, as of 2025). */
export const IPV6_SPECIAL_REGISTRY: ReadonlyArray<Block> = [
  { cidr: "::1/128", name: "Loopback Address", globallyReachable: false, kind: "loopback" },
  { cidr: "::/128", name: "Unspecified Address", globallyReachable: false, kind: "unspecified" },
  {
    cidr: "::ffff:0:0/96",
    name: "IPv4-mapped Address",
    globallyReachable: false,
    kind: "reserved",
    embeds: { how: "as-ipv4", ipv4: last32 }
  },
  {
    cidr: "64:ff9b::/96",
    name: "IPv4-IPv6 Translat.",
    globallyReachable: true,
    kind: "reserved",
    embeds: { how: "as-ipv4", ipv4: last32 }
  },
  {
    cidr: "64:ff9b:1::/48",
    name: "Local-use IPv4/IPv6 Translation",
    globallyReachable: false,
    kind: "private",
    // RFC 6052 lets the operator choose where the IPv4 address sits; the /96 layout is the common one.
    embeds: { how: "refused", ipv4: last32 }
  },
  { cidr: "100::/64", name: "Discard-Only Address Block", globallyReachable: false, kind: "reserved" },
  { cidr: "100:0:0:1::/64", name: "Dummy IPv6 Prefix", globallyReachable: false, kind: "reserved" },
  { cidr: "2001::/23", name: "IETF Protocol Assignments", globallyReachable: false, kind: "reserved" },
  {
    cidr: "2001::/32",
    name: "TEREDO",
    globallyReachable: false,
    kind: "reserved",
    // What a connection reaches is the client, behind the IPv4 address in the last 32 bits (inverted).
    embeds: { how: "refused", ipv4: (parts) => [v4FromGroups(parts[6]! ^ 0xffff, parts[7]! ^ 0xffff)] }
  },
  { cidr: "2001:1::1/128", name: "Port Control Protocol Anycast", globallyReachable: true, kind: "reserved" },
  {
    cidr: "2001:1::2/128",
    name: "Traversal Using Relays around NAT Anycast",
    globallyReachable: true,
    kind: "reserved"
  },
  {
    cidr: "2001:1::3/128",
    name: "DNS-SD Service Registration Protocol Anycast",
    globallyReachable: true,
    kind: "reserved"
  },
  { cidr: "2001:2::/48", name: "Benchmarking", globallyReachable: false, kind: "reserved" },
  { cidr: "2001:3::/32", name: "AMT", globallyReachable: true, kind: "reserved" },
  { cidr: "2001:4:112::/48", name: "AS112-v6", globallyReachable: true, kind: "reserved" },
  { cidr: "2001:10::/28", name: "Deprecated (previously ORCHID)", globallyReachable: false, kind: "reserved" },
  { cidr: "2001:20::/28", name: "ORCHIDv2", globallyReachable: true, kind: "reserved" },
  {
    cidr: "2001:30::/28",
    name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
    globallyReachable: true,
    kind: "reserved"
  },
  { cidr: "2001:db8::/32", name: "Documentation", globallyReachable: false, kind: "reserved" },
  {
    cidr: "2002::/16",
    name: "6to4",
    globallyReachable: false,
    kind: "reserved",
    embeds: { how: "refused", ipv4: (parts) => [v4FromGroups(parts[1]!, parts[2]!)] }
  },
  { cidr: "2620:4f:8000::/48", name: "Direct Delegation AS112 Service", globallyReachable: true, kind: "reserved" },
  { cidr: "3fff::/20", name: "Documentation", globallyReachable: false, kind: "reserved" },
  { cidr: "5f00::/16", name: "Segment Routing (SRv6) SIDs", globallyReachable: false, kind: "reserved" },
  { cidr: "fc00::/7", name: "Unique-Local", globallyReachable: false, kind: "unique-local" },
  { cidr: "fe80::/10", name: "Link-Local Unicast", globallyReachable: false, kind: "link-local" }
]

/** Blocks outside the special-purpose registry that a webhook must not reach either. */
export const IPV6_POLICY: ReadonlyArray<Block> = [
  {
    cidr: "::/96",
    name: "IPv4-compatible Address (deprecated, RFC 4291)",
    globallyReachable: false,
    kind: "reserved",
    embeds: { how: "refused", ipv4: last32 }
  },
  {
    cidr: "::ffff:0:0:0/96",
    name: "IPv4-translated Address (RFC 2765)",
    globallyReachable: false,
    kind: "reserved",
    embeds: { how: "refused", ipv4: last32 }
  },
  { cidr: "fec0::/10", name: "Site-Local (deprecated, RFC 3879)", globallyReachable: false, kind: "reserved" },
  { cidr: "ff00::/8", name: "Multicast", globallyReachable: false, kind: "reserved" },
  { cidr: "fd00:ec2::254/128", name: "Cloud instance metadata (AWS)", globallyReachable: false, kind: "metadata" }
]

/** The only IPv6 space allocated for global unicast; the rest is unassigned or special (IANA IPv6 Address Space). */
const GLOBAL_UNICAST_V6 = IpAddr.IPv6.parseCIDR("2000::/3")

interface Parsed<A> {
  readonly block: Block
  readonly network: A
  readonly bits: number
}

const parsed = <A>(blocks: ReadonlyArray<Block>, parse: (cidr: string) => [A, number]): ReadonlyArray<Parsed<A>> =>
  blocks
    .map((block) => {
      const [network, bits] = parse(block.cidr)
      return { block, network, bits }
    })
    // Most specific first, so the first block that matches is the one that decides.
    .sort((a, b) => b.bits - a.bits)

const V4_BLOCKS = parsed([...IPV4_SPECIAL_REGISTRY, ...IPV4_POLICY], (cidr) => IpAddr.IPv4.parseCIDR(cidr))
const V6_BLOCKS = parsed([...IPV6_SPECIAL_REGISTRY, ...IPV6_POLICY], (cidr) => IpAddr.IPv6.parseCIDR(cidr))

const blockOfV4 = (ip: IPv4): Block | undefined => V4_BLOCKS.find(({ network, bits }) => ip.match(network, bits))?.block
const blockOfV6 = (ip: IPv6): Block | undefined => V6_BLOCKS.find(({ network, bits }) => ip.match(network, bits))?.block

/** The most specific block of the tables above that `address` is in, if any. */
export const blockOf = (address: string): Block | undefined => {
  const ip = parse(address)
  if (ip === undefined) return undefined
  return ip instanceof IpAddr.IPv4 ? blockOfV4(ip) : blockOfV6(ip)
}

const blockKind = (block: Block): AddressKind => (block.globallyReachable ? "public" : block.kind)

const classifyV4 = (ip: IPv4): AddressKind => {
  const block = blockOfV4(ip)
  return block === undefined ? "public" : blockKind(block)
}

const classifyV6 = (ip: IPv6): AddressKind => {
  const block = blockOfV6(ip)
  if (block === undefined) return ip.match(GLOBAL_UNICAST_V6) ? "public" : "reserved"
  if (block.embeds === undefined) return blockKind(block)
  const carried = block.embeds.ipv4(ip.parts).map((v4) => classifyV4(IpAddr.IPv4.parse(v4)))
  if (block.embeds.how === "as-ipv4") return carried[0] ?? "reserved"
  return carried.find((kind) => kind !== "public") ?? block.kind
}

/**
 * An IP address in any form Node's `net` accepts (IPv4 in four decimal parts; IPv6 with a zone id or brackets).
 * IPv6 goes through the WHATWG URL parser first, which writes every form as hex groups: ipaddr.js reads the
 * deprecated `::a.b.c.d` as if it were `::ffff:a.b.c.d`.
 */
const parse = (text: string): IPv4 | IPv6 | undefined => {
  const address = text.replace(/^\[(.*)\]$/, "$1")
  if (Net.isIPv4(address)) return IpAddr.IPv4.parse(address)
  if (!Net.isIPv6(address)) return undefined
  return IpAddr.IPv6.parse(new URL(`http://[${address.replace(/%.*$/, "")}]/`).hostname.slice(1, -1))
}

/** What kind of address `ip` is; undefined when it is not an IP address. */
export const classify = (ip: string): AddressKind | undefined => {
  const address = parse(ip)
  if (address === undefined) return undefined
  return address instanceof IpAddr.IPv4 ? classifyV4(address) : classifyV6(address)
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
