import { isIPv4 } from "node:net";
import { canonicalAddress, parseClientAddress, type AddressSet } from "./address-set.ts";

type Headers = Record<string, string | string[] | undefined>;

/**
 * The client's address for one request: the socket's peer, unless that peer is a trusted proxy
 * (HOOKLINE_TRUSTED_PROXIES), in which case the forwarding header is read from the right (the hop
 * nearest to Hookline) to the left, one hop per trusted proxy, and the first address not itself a
 * trusted proxy is the client. Whatever a client writes into the header is to the left of what its
 * proxy appends, so a client cannot put itself in a trusted proxy's place; and a header from an
 * untrusted peer is never read. X-Forwarded-For is read when present, else RFC 7239 Forwarded
 * (`for=`); a proxy that writes only Forwarded must therefore drop an X-Forwarded-For it receives
 * (docs/inbound-sources.md, "Behind a proxy"). An entry that is not an address (`unknown`, an
 * obfuscated `_node` identifier) ends the walk at the hop that wrote it.
 */
export function resolveClientAddress(peer: string, headers: Headers, trusted: AddressSet): string {
  let client = canonicalAddress(peer);
  if (trusted.empty) return client;
  let parsed = parseClientAddress(client);
  if (parsed === null || !trusted.has(parsed)) return client;
  const hops = forwardedChain(headers);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    const next = parseClientAddress(hop);
    if (next === null) break;
    client = canonicalAddress(hop);
    parsed = next;
    if (!trusted.has(parsed)) break;
  }
  return client;
}

/** The addresses the forwarding header lists, leftmost (the original client, as claimed) first. */
export function forwardedChain(headers: Headers): string[] {
  const xff = joined(headers["x-forwarded-for"]);
  if (xff !== undefined) return xff.split(",").map((entry) => withoutPort(entry.trim()));
  const forwarded = joined(headers.forwarded);
  if (forwarded === undefined) return [];
  const chain: string[] = [];
  for (const element of forwarded.split(",")) {
    let forValue = "";
    for (const pair of element.split(";")) {
      const eq = pair.indexOf("=");
      if (eq !== -1 && pair.slice(0, eq).trim().toLowerCase() === "for") forValue = pair.slice(eq + 1).trim();
    }
    chain.push(withoutPort(forValue.replace(/^"(.*)"$/, "$1")));
  }
  return chain;
}

/** Several header lines of the same name read as one comma-separated list (RFC 9110, 5.3). */
function joined(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(",") : value;
}

/** `203.0.113.7:4711` and `[2001:db8::7]:4711` (both seen in forwarding headers) without the port. */
function withoutPort(entry: string): string {
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    return close === -1 ? entry : entry.slice(1, close);
  }
  const colon = entry.indexOf(":");
  if (colon !== -1 && entry.indexOf(":", colon + 1) === -1 && isIPv4(entry.slice(0, colon)))
    return entry.slice(0, colon);
  return entry;
}
