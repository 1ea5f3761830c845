import ipaddr from "ipaddr.js";
import {
  entryCovers,
  formatEntry,
  namesExactly,
  parseAllowEntry,
  type Address,
  type AllowEntry,
} from "./allow-list.ts";

/** What an address is, for the SSRF guard: `public` is the only category delivery may reach unasked. */
export interface Classification {
  /** The address as parsed (IPv4-mapped IPv6 shown as such), or the input when it did not parse. */
  address: string;
  /** `public`, or why not: an ipaddr.js range name (`loopback`, `private`, …) or `invalid`. */
  category: string;
}

export interface Verdict extends Classification {
  allowed: boolean;
  /** Allowed only because an allow-list entry (HOOKLINE_ALLOW_PRIVATE_NETWORKS) covers it. */
  viaAllowList: boolean;
  /** Why it was refused, for the operator's log (never shown to a tenant). */
  reason?: string;
}

/** IPv6 global unicast is 2000::/3; anything outside it (IPv4-compatible ::a.b.c.d, ::/8, …) is not routable. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");
/** The well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 address the gateway reaches. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

/**
 * Sorts an address into `public` or the reason it is not globally routable. Parsing is lenient in
 * the way the C resolver is (`127.1`, `0x7f.1`, `2130706433`, `017700000001` all mean 127.0.0.1),
 * so an odd spelling is judged by what it would actually connect to. Unparseable input is
 * `invalid`, never `public`.
 *
 * IPv4: only ipaddr.js's `unicast` (nothing special) is public, so loopback, private (RFC 1918),
 * link-local (incl. 169.254.169.254), CGNAT, multicast, broadcast, unspecified (0.0.0.0/8) and the
 * reserved/documentation/benchmarking ranges are refused.
 *
 * IPv6: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::) are
 * judged by the IPv4 address inside them; otherwise only `unicast` inside 2000::/3 is public, so
 * loopback, unspecified, unique-local (fc00::/7), link-local (fe80::/10), site-local, multicast,
 * IPv4-compatible (::a.b.c.d), Teredo, documentation and the other special ranges are refused.
 */
export function classifyAddress(input: string): Classification {
  const parsed = parseAddress(input);
  if (!parsed) return { address: input, category: "invalid" };
  const address = parsed.toString();
  const embedded = embeddedIPv4(parsed);
  if (embedded) {
    const inner = classifyV4(embedded.v4);
    return { address, category: inner === "public" ? "public" : `${embedded.via}(${inner})` };
  }
  return {
    address,
    category: parsed.kind() === "ipv4" ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6),
  };
}

function classifyV4(v4: ipaddr.IPv4): string {
  const range = v4.range();
  return range === "unicast" ? "public" : range;
}

function classifyV6(v6: ipaddr.IPv6): string {
  const range = v6.range();
  if (range !== "unicast") return range;
  return v6.match(GLOBAL_UNICAST_V6) ? "public" : "reserved";
}

/** The IPv4 address an IPv6 address stands for, where one is embedded in a way that reaches it. */
function embeddedIPv4(addr: Address): { v4: ipaddr.IPv4; via: string } | null {
  if (addr.kind() !== "ipv6") return null;
  const v6 = addr as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return { v4: v6.toIPv4Address(), via: "ipv4Mapped" };
  const p = v6.parts;
  if (v6.match(NAT64_WELL_KNOWN)) {
    return { v4: new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]), via: "nat64" };
  }
  if (v6.range() === "6to4") {
    return { v4: new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]), via: "6to4" };
  }
  return null;
}

/**
 * Parses an address, or returns null. IPv4 is read as leniently as inet_aton does (`127.1`,
 * `0x7f.1`, `2130706433`, `0177.0.0.1`). IPv6 is first put in canonical form by WHATWG URL
 * parsing, because ipaddr.js reads the deprecated IPv4-compatible `::a.b.c.d` as if it were the
 * IPv4-mapped `::ffff:a.b.c.d`; a zone index (`fe80::1%eth0`) is kept.
 */
export function parseAddress(input: string): Address | null {
  const text = input.trim();
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  try {
    if (!bare.includes(":")) return ipaddr.IPv4.parse(bare);
    const [address = "", zone, extra] = bare.split("%");
    if (extra !== undefined || zone === "" || (zone !== undefined && !/^[\w.-]+$/.test(zone))) return null;
    const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
    const v6 = ipaddr.IPv6.parse(canonical);
    if (zone !== undefined) v6.zoneId = zone;
    return v6;
  } catch {
    return null;
  }
}

/** Where this process's own API listens: refused by the allow-list unless named exactly. */
export interface OwnListener {
  /** The listening host as configured (`127.0.0.1`, `0.0.0.0`, `::`, a name …). */
  host: string;
  port: number;
  /**
   * The machine's own interface addresses (os.networkInterfaces), which reach a listener on an
   * unspecified address (`0.0.0.0`, `::`) or a host name.
   */
  localAddresses?: readonly string[];
}

/**
 * The SSRF rule for one process: public addresses are allowed; anything else only when an entry
 * of the operator's allow-list (HOOKLINE_ALLOW_PRIVATE_NETWORKS, see allow-list.ts) covers both
 * the address and the port. An IPv4-mapped IPv6 address is matched as the IPv4 address it is, so
 * allowing 127.0.0.0/8 also allows ::ffff:127.0.0.1 (the same socket).
 *
 * Hookline's own API (protectListener) is never opened by a range or an all-ports entry, so that
 * `127.0.0.0/8` for a local receiver does not also let a tenant's endpoint call the management
 * API from inside: only an entry naming exactly that address and port (`127.0.0.1:8080`) opens it.
 */
export class AddressPolicy {
  private readonly entries: AllowEntry[];
  private readonly own: { addresses: Address[]; anyLoopback: boolean; port: number }[] = [];

  /** `entries` as validated by the config (see parseAllowEntry). */
  constructor(entries: readonly string[] = []) {
    this.entries = entries.map(parseAllowEntry);
  }

  /** The allow-list, normalised (mapped IPv6 ranges shown as IPv4; a port after the range). */
  get allowList(): string[] {
    return this.entries.map(formatEntry);
  }

  /** Marks where this process's API (or metrics listener) listens, once its port is known. */
  protectListener(listener: OwnListener): void {
    const host = parseAddress(listener.host);
    const wildcard = host === null || host.range() === "unspecified";
    const addresses = wildcard
      ? (listener.localAddresses ?? []).map(parseAddress).filter((a): a is Address => a !== null)
      : [host];
    this.own.push({ addresses: addresses.map(unmap), anyLoopback: wildcard, port: listener.port });
  }

  /**
   * Judges one address. `port` is the port the connection would use; without one (a caller that
   * only asks about the address) only all-ports entries count.
   */
  check(input: string, port?: number): Verdict {
    const c = classifyAddress(input);
    if (c.category === "public") return { ...c, allowed: true, viaAllowList: false };
    const refused = (reason: string): Verdict => ({ ...c, allowed: false, viaAllowList: false, reason });
    if (c.category === "invalid") return refused(NOT_PUBLIC);
    const addr = unmap(parseAddress(input)!);
    const covering = this.entries.filter((e) => entryCovers(e, addr));
    if (covering.length === 0) return refused(NOT_PUBLIC);
    const open = covering.filter((e) => e.port === null || e.port === port);
    if (open.length === 0) return refused(`port ${port ?? "(default)"} is not open for it in the allow-list`);
    if (port !== undefined && this.isOwnListener(addr, port)) {
      if (!open.some((e) => namesExactly(e, addr, port))) {
        return refused(
          `it is Hookline's own API (port ${port}); only an allow-list entry naming exactly that address and port opens it`,
        );
      }
    }
    return { ...c, allowed: true, viaAllowList: true };
  }

  /** `addr` is unmapped already, so ::ffff:127.0.0.1 is judged as the 127.0.0.1 it connects to. */
  private isOwnListener(addr: Address, port: number): boolean {
    const range = addr.range();
    return this.own.some((own) => {
      if (own.port !== port) return false;
      // 0.0.0.0 and :: connect to the local machine, whichever address the listener is bound to.
      if (range === "unspecified" || (own.anyLoopback && range === "loopback")) return true;
      return own.addresses.some((a) => a.kind() === addr.kind() && a.toString() === addr.toString());
    });
  }
}

/** Why a non-public address without a covering entry is refused (the wording tests and docs/ rely on). */
const NOT_PUBLIC = "not a globally routable address";

function unmap(addr: Address): Address {
  return addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}
