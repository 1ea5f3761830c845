import { promises as dns, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { buildConnector } from "undici";
import type { AddressPolicy, Verdict } from "./address-policy.ts";

/** The `code` of an SsrfBlockedError, which the sender classifies as the `ssrf_blocked` error kind. */
export const SSRF_BLOCKED_CODE = "ERR_HOOKLINE_SSRF_BLOCKED";

/** A connection refused before it was opened: the host is, or resolves to, a non-public address. */
export class SsrfBlockedError extends Error {
  readonly code = SSRF_BLOCKED_CODE;

  constructor(
    readonly host: string,
    readonly refused: readonly Verdict[],
    readonly port?: number,
  ) {
    const what = refused.map((v) => `${v.address} (${v.category})`).join(", ");
    const at = port === undefined ? "" : ` port ${port}`;
    // Each distinct reason once: usually "not a globally routable address".
    const reasons = [...new Set(refused.map((v) => v.reason ?? "not a globally routable address"))].join("; ");
    super(
      (isIP(host) !== 0
        ? `refused to connect to ${what}${at}: ${reasons}`
        : `refused to connect to ${host}${at}: it resolves to ${what}, ${reasons}`) +
        "; allow it with HOOKLINE_ALLOW_PRIVATE_NETWORKS if this endpoint is meant to be reached",
    );
    this.name = "SsrfBlockedError";
  }
}

/** Resolves a name to every address it has (the system resolver, as `dns.lookup` sees it). */
export type Resolver = (hostname: string, options: { family: 0 | 4 | 6; hints?: number }) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, { family, hints }) =>
  dns.lookup(hostname, { all: true, family, ...(hints !== undefined ? { hints } : {}) });

/**
 * A `lookup` for `net.connect`/`tls.connect` that resolves the name once, refuses when ANY of its
 * addresses is not allowed, and otherwise hands exactly those checked addresses to the socket.
 * The socket connects to what this returns and nothing else, so there is no second resolution
 * between the check and the connect for a rebinding DNS server to exploit.
 */
export function guardedLookup(
  policy: AddressPolicy,
  resolver: Resolver = systemResolver,
  port?: number,
): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    const family =
      options.family === 4 || options.family === "IPv4" ? 4 : options.family === 6 || options.family === "IPv6" ? 6 : 0;
    resolver(hostname, { family, hints: options.hints }).then(
      (addresses) => {
        const refused = addresses.map((a) => policy.check(a.address, port)).filter((v) => !v.allowed);
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), "");
        } else if (refused.length > 0) {
          callback(new SsrfBlockedError(hostname, refused, port), "");
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0]!.address, addresses[0]!.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}

/**
 * An undici connector that only opens connections the policy allows, for the URL's host and port.
 * An IP-literal host (net never resolves those) is checked here, as WHATWG URL parsing normalised
 * it (`127.1`, `0x7f.1`, `2130706433` are already `127.0.0.1`; `[::ffff:127.0.0.1]` is
 * `::ffff:7f00:1`). A name is checked by `guardedLookup` as it resolves, inside undici's connect
 * timeout. A lookup knows no port, so there is one inner connector per destination port (few in
 * practice; each keeps its own TLS session cache).
 */
export function guardedConnector(
  policy: AddressPolicy,
  options: { timeoutMs: number; resolver?: Resolver },
): buildConnector.connector {
  const byPort = new Map<number, buildConnector.connector>();
  const connectorFor = (port: number) => {
    let connect = byPort.get(port);
    if (!connect) {
      connect = buildConnector({ timeout: options.timeoutMs, lookup: guardedLookup(policy, options.resolver, port) });
      byPort.set(port, connect);
    }
    return connect;
  };
  return (opts, callback) => {
    const host = opts.hostname.startsWith("[") ? opts.hostname.slice(1, -1) : opts.hostname;
    const port = opts.port ? Number(opts.port) : opts.protocol === "https:" ? 443 : 80;
    if (isIP(host) !== 0) {
      const verdict = policy.check(host, port);
      if (!verdict.allowed) {
        process.nextTick(() => callback(new SsrfBlockedError(host, [verdict], port), null));
        return;
      }
    }
    connectorFor(port)(opts, callback);
  };
}
