import { isIPv4, isIPv6 } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Most entries one list may hold: an inline list (a source's allowedIps or deniedIps, a token's
 * allowedIps, HOOKLINE_API_ALLOWED_IPS, HOOKLINE_TRUSTED_PROXIES). Named lists (an operator's copy
 * of a provider's published ranges) may hold more: MAX_NAMED_LIST_ENTRIES. docs/inbound-sources.md
 * documents both.
 */
export const MAX_INLINE_ENTRIES = 1000;
export const MAX_NAMED_LIST_ENTRIES = 10_000;

/** The spellings an entry may take, for error messages. */
export const ADDRESS_ENTRY_EXAMPLES = "192.0.2.7, 192.0.2.0/24, 2001:db8::1 or 2001:db8::/32";

/** One entry of an address list, as parsed. */
export interface AddressRange {
  /** The entry as written, for the log line that names the rule that matched. */
  text: string;
  v4: boolean;
  /** First and last address of the range: numbers for IPv4, bigints for IPv6. */
  first: number | bigint;
  last: number | bigint;
}

/**
 * Parses one entry: an IPv4 or IPv6 address or CIDR, in strict notation (`127.1` or `10/8` are
 * refused, so an entry reads as what it matches). An IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`)
 * is kept as the IPv4 range it is, since clients' addresses are compared unmapped. Host bits set
 * below the prefix (`10.1.2.3/8`) are allowed and ignored, as every CIDR tool reads them. Returns
 * why the entry is refused instead of throwing, so callers can name it in a 422.
 */
export function parseAddressRange(input: string): AddressRange | string {
  const text = input.trim();
  const refuse = `"${input}" is not an IPv4 or IPv6 address or CIDR (such as ${ADDRESS_ENTRY_EXAMPLES})`;
  const [addressText = "", bitsText, extra] = text.split("/");
  if (extra !== undefined) return refuse;
  const v4 = isIPv4(addressText);
  if (!v4 && !isIPv6(addressText)) return refuse;
  const max = v4 ? 32 : 128;
  if (bitsText !== undefined && (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max)) return refuse;
  let bits = bitsText === undefined ? max : Number(bitsText);
  let address = ipaddr.parse(addressText);
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    address = (address as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  if (address.kind() === "ipv4") {
    const value = v4Number(address.toByteArray());
    const size = 2 ** (32 - bits);
    const first = value - (value % size);
    return { text, v4: true, first, last: first + size - 1 };
  }
  const value = v6BigInt(address.toByteArray());
  const hostBits = BigInt(128 - bits);
  const first = (value >> hostBits) << hostBits;
  return { text, v4: false, first, last: first + (1n << hostBits) - 1n };
}

const v4Number = (bytes: number[]): number =>
  ((bytes[0]! << 24) >>> 0) + (bytes[1]! << 16) + (bytes[2]! << 8) + bytes[3]!;

function v6BigInt(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A client's address as a number to compare, or null when it is not an address. */
export type ParsedAddress = { v4: true; value: number } | { v4: false; value: bigint };

/**
 * Parses a client address as a socket or a proxy reports it. IPv4-mapped IPv6 (`::ffff:1.2.3.4`,
 * what a dual-stack listener reports for an IPv4 client) counts as the IPv4 address it carries,
 * so `1.2.3.0/24` matches it. A zone index (`fe80::1%eth0`) is dropped.
 */
export function parseClientAddress(text: string): ParsedAddress | null {
  if (isIPv4(text)) {
    const parts = text.split(".");
    return { v4: true, value: ((+parts[0]! << 24) >>> 0) + (+parts[1]! << 16) + (+parts[2]! << 8) + +parts[3]! };
  }
  const unzoned = text.includes("%") ? text.slice(0, text.indexOf("%")) : text;
  if (!isIPv6(unzoned)) return null;
  const address = ipaddr.IPv6.parse(unzoned);
  if (address.isIPv4MappedAddress()) return { v4: true, value: v4Number(address.toIPv4Address().toByteArray()) };
  return { v4: false, value: v6BigInt(address.toByteArray()) };
}

/** The canonical text of an address (IPv4-mapped IPv6 unmapped), as logs record it. */
export function canonicalAddress(text: string): string {
  const unzoned = text.includes("%") ? text.slice(0, text.indexOf("%")) : text;
  if (isIPv4(unzoned)) return unzoned;
  if (!isIPv6(unzoned)) return text;
  const address = ipaddr.IPv6.parse(unzoned);
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toString();
}

/**
 * A set of address ranges, matched in logarithmic time: the ranges are merged into sorted,
 * disjoint intervals per family and an address is found by binary search. A provider's published
 * list can hold thousands of ranges, and every request to a source that uses it is checked, so a
 * linear scan (what ipaddr.js's subnetMatch and node:net's BlockList do) would grow with the list;
 * ipaddr.js is used for what it does well, parsing every IPv6 spelling. docs/benchmarks.md has
 * the measurement.
 */
export class AddressSet {
  private readonly starts4: number[] = [];
  private readonly ends4: number[] = [];
  private readonly starts6: bigint[] = [];
  private readonly ends6: bigint[] = [];
  /** The empty set: nothing to look up. */
  readonly empty: boolean;

  constructor(readonly ranges: readonly AddressRange[]) {
    mergeInto(
      ranges.filter((r) => r.v4),
      this.starts4,
      this.ends4,
    );
    mergeInto(
      ranges.filter((r) => !r.v4),
      this.starts6,
      this.ends6,
    );
    this.empty = ranges.length === 0;
  }

  get size(): number {
    return this.ranges.length;
  }

  has(address: ParsedAddress): boolean {
    return address.v4
      ? covered(this.starts4, this.ends4, address.value)
      : covered(this.starts6, this.ends6, address.value);
  }

  /** The first entry, as written, that covers the address (for the message naming the rule). */
  entryFor(address: ParsedAddress): string | null {
    for (const r of this.ranges)
      if (r.v4 === address.v4 && r.first <= address.value && address.value <= r.last) return r.text;
    return null;
  }
}

/** Sorted, disjoint intervals from the ranges (adjacent or overlapping ones joined). */
function mergeInto(ranges: AddressRange[], starts: (number | bigint)[], ends: (number | bigint)[]): void {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (const r of sorted) {
    const last = ends.length - 1;
    const previousEnd = ends[last];
    const joins =
      previousEnd !== undefined &&
      (typeof previousEnd === "bigint"
        ? (r.first as bigint) <= previousEnd + 1n
        : (r.first as number) <= previousEnd + 1);
    if (joins) {
      if (r.last > previousEnd) ends[last] = r.last;
    } else {
      starts.push(r.first);
      ends.push(r.last);
    }
  }
}

function covered<T extends number | bigint>(starts: T[], ends: T[], value: T): boolean {
  let low = 0;
  let high = starts.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (value < starts[mid]!) high = mid - 1;
    else if (value > ends[mid]!) low = mid + 1;
    else return true;
  }
  return false;
}

/** Parses a list, or returns the index and reason of the first bad entry. */
export function parseAddressList(entries: readonly string[]): AddressSet | { index: number; reason: string } {
  const ranges: AddressRange[] = [];
  for (let i = 0; i < entries.length; i++) {
    const parsed = parseAddressRange(entries[i]!);
    if (typeof parsed === "string") return { index: i, reason: parsed };
    ranges.push(parsed);
  }
  return new AddressSet(ranges);
}
