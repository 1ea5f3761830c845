import { parse as parseQuery, stringify as stringifyQuery } from "node:querystring";

/**
 * The spellings of one URL that Twilio's own validator tries, since Twilio signs the URL as it
 * called it while the receiver only sees it after proxies and frameworks rebuilt it:
 * 1. the URL as received, without any port and with the scheme's default port (`:443`, `:80`),
 *    because Twilio may or may not have written the port it used;
 * 2. the same two after WHATWG URL normalisation (percent-encoding as `new URL()` writes it);
 * 3. those two with the query re-encoded the way Node's legacy `querystring` writes it (`'` as `%27`).
 */
export function twilioUrlSpellings(url: string): string[] {
  const spellings = new Set([withoutPort(url), withDefaultPort(url)]);
  let normalised: string;
  try {
    normalised = new URL(url).href;
  } catch {
    return [...spellings];
  }
  for (const spelling of [withoutPort(normalised), withDefaultPort(normalised)]) {
    spellings.add(spelling);
    spellings.add(withLegacyQuery(spelling));
  }
  return [...spellings];
}

interface Authority {
  /** `https://` */
  scheme: string;
  /** `user:pass@` or "" */
  userInfo: string;
  host: string;
  /** `:8443` or "" */
  port: string;
  /** Path, query and fragment, exactly as written. */
  rest: string;
}

/** Splits without normalising, so path and query keep the exact characters Twilio signed. */
function split(url: string): Authority | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return null;
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const at = authority.lastIndexOf("@");
  const hostPort = authority.slice(at + 1);
  // In an IPv6 literal (`[::1]:8080`) only a colon after the closing bracket starts the port.
  const colon = hostPort.indexOf(":", hostPort.lastIndexOf("]") + 1);
  return {
    scheme,
    userInfo: authority.slice(0, at + 1),
    host: colon < 0 ? hostPort : hostPort.slice(0, colon),
    port: colon < 0 ? "" : hostPort.slice(colon),
    rest,
  };
}

function withoutPort(url: string): string {
  const parts = split(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

function withDefaultPort(url: string): string {
  const parts = split(url);
  if (!parts || parts.port !== "") return url;
  const port = parts.scheme.toLowerCase() === "https://" ? ":443" : ":80";
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function withLegacyQuery(url: string): string {
  const q = url.indexOf("?");
  if (q < 0 || q === url.length - 1) return url;
  const hash = url.indexOf("#", q);
  const query = hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash);
  return url.slice(0, q + 1) + stringifyQuery(parseQuery(query)) + (hash < 0 ? "" : url.slice(hash));
}
