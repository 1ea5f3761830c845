import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** What an address is, for the SSRF guard: `public` is the only category delivery may reach unasked. */
export interface Classification {
  /** The address as parsed (IPv4-mapped IPv6 shown as such), or the input when it did not parse. */
  address: string;
  /** `public`, or why not: an ipaddr.js range name (`loopback`, `private`, …) or `invalid`. */
  category: string;
}

export interface Verdict extends Classification {
  allowed: boolean;
  /** Allowed only because an allow-listed CIDR (HOOKLINE_ALLOW_PRIVATE_NETWORKS) covers it. */
  viaAllowList: boolean;
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

/**
 * The SSRF rule for one process: public addresses are allowed, anything else only when one of the
 * operator's CIDRs (HOOKLINE_ALLOW_PRIVATE_NETWORKS) covers it. An IPv4-mapped IPv6 address is
 * matched as the IPv4 address it is, so allowing 127.0.0.0/8 also allows ::ffff:127.0.0.1 (the same
 * socket), and a CIDR written in mapped form (::ffff:10.0.0.0/104) is matched as its IPv4 range.
 */
export class AddressPolicy {
  private readonly allowed: [Address, number][];

  /** `cidrs` as validated by the config: `a.b.c.d/n`, `v6::/n`, or a bare address (one host). */
  constructor(cidrs: readonly string[] = []) {
    this.allowed = cidrs.map(parseAllowCidr);
  }

  /** The allow-listed CIDRs, normalised (mapped IPv6 ranges shown as IPv4). */
  get allowList(): string[] {
    return this.allowed.map(([a, bits]) => `${a.toString()}/${bits}`);
  }

  check(input: string): Verdict {
    const c = classifyAddress(input);
    if (c.category === "public") return { ...c, allowed: true, viaAllowList: false };
    if (c.category !== "invalid" && this.allowed.length > 0) {
      const addr = unmap(parseAddress(input)!);
      if (this.allowed.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) {
        return { ...c, allowed: true, viaAllowList: true };
      }
    }
    return { ...c, allowed: false, viaAllowList: false };
  }
}

function unmap(addr: Address): Address {
  return addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

function parseAllowCidr(cidr: string): [Address, number] {
  const [text = "", bitsText, extra] = cidr.trim().split("/");
  const net = extra === undefined ? parseAddress(text) : null;
  const max = net?.kind() === "ipv4" ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!net || (bitsText !== undefined && !/^\d+$/.test(bitsText)) || bits > max)
    throw new Error(`"${cidr}" is not a CIDR such as 10.0.0.0/8 or ::1/128`);
  if (net.kind() === "ipv6" && (net as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(net as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [net, bits];
}
