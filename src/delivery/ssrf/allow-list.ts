import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * One entry of HOOKLINE_ALLOW_PRIVATE_NETWORKS: a range of addresses, and the one port it opens
 * or null for every port.
 */
export interface AllowEntry {
  /** The entry as written, for messages. */
  text: string;
  network: Address;
  bits: number;
  port: number | null;
}

/** The spellings an entry may take, for error messages and docs/ (README.md, Security). */
export const ALLOW_ENTRY_EXAMPLES =
  "10.0.0.0/8, 192.168.1.5, 127.0.0.1:9000, 10.0.0.0/8:443, fd00::/8, [::1]:9000 or [fd00::/8]:443";

/**
 * Parses one entry: `address`, `cidr`, `address:port` or `cidr:port`. An IPv6 address or range
 * takes a port only inside brackets (`[::1]:9000`, `[fd00::/8]:443`), since its own colons would
 * make `::1:9000` ambiguous; without a port it may be written bare (`fd00::/8`). Addresses are
 * strict dotted-quad or IPv6 text: the lenient spellings the guard judges (`127.1`) are refused
 * here, so an entry reads as what it opens. An IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) is
 * kept as the IPv4 range it is. Throws an Error naming the entry when it is not one of these.
 */
export function parseAllowEntry(input: string): AllowEntry {
  const text = input.trim();
  const refuse = () =>
    new Error(`"${text}" is not an address, CIDR or either with a port (such as ${ALLOW_ENTRY_EXAMPLES})`);
  let range = text;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw refuse();
    range = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw refuse();
      portText = rest.slice(1);
    }
    if (!range.includes(":")) throw refuse(); // brackets are for IPv6 only
  } else if (text.split(":").length === 2) {
    [range, portText] = text.split(":") as [string, string];
  }

  const [addressText = "", bitsText, extra] = range.split("/");
  const family = isIP(addressText);
  if (family === 0 || extra !== undefined) throw refuse();
  const max = family === 4 ? 32 : 128;
  if (bitsText !== undefined && (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max)) throw refuse();
  let port: number | null = null;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw refuse();
    port = Number(portText);
  }

  let network: Address = ipaddr.parse(addressText);
  let bits = bitsText === undefined ? max : Number(bitsText);
  if (network.kind() === "ipv6" && (network as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    network = (network as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  return { text, network, bits, port };
}

/** Whether `address` (IPv4-mapped already unmapped) is inside the entry's range. */
export function entryCovers(entry: AllowEntry, address: Address): boolean {
  return entry.network.kind() === address.kind() && address.match(entry.network, entry.bits);
}

/** Whether the entry names exactly one address and one port: the only kind that opens Hookline's own API. */
export function namesExactly(entry: AllowEntry, address: Address, port: number): boolean {
  const single = entry.bits === (entry.network.kind() === "ipv4" ? 32 : 128);
  return single && entry.port === port && entryCovers(entry, address);
}

/** The entry as the policy shows it: `10.0.0.0/8`, `127.0.0.1/32:9000`, `[fd00::/8]:443`. */
export function formatEntry(entry: AllowEntry): string {
  const cidr = `${entry.network.toString()}/${entry.bits}`;
  if (entry.port === null) return cidr;
  return entry.network.kind() === "ipv6" ? `[${cidr}]:${entry.port}` : `${cidr}:${entry.port}`;
}
