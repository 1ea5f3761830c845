import { isIP } from "node:net";
import type { AddressPolicy, Verdict } from "./address-policy.ts";
import { systemResolver, type Resolver } from "./guarded-connector.ts";

/**
 * How long an endpoint's create or update waits for its host name to resolve. Past it (or when
 * the name does not resolve at all) the URL is accepted: the name may be set up later, and
 * delivery judges every connection anyway.
 */
export const DESTINATION_LOOKUP_TIMEOUT_MS = 3_000;

/**
 * Why delivery would refuse an endpoint URL, said as it is stored (src/core/endpoints/endpoint-url.ts),
 * or null when the policy allows it as far as can be told now. The same AddressPolicy judges as at
 * delivery (guarded-connector.ts), port included. A name is resolved once: refused when any of its
 * addresses is refused (as delivery would), accepted when it does not resolve. Resolution can
 * change later, so delivery keeps its own check; this one only spares the tenant an endpoint that
 * could never receive anything.
 *
 * The answer goes to the tenant, so for a name it gives the kind of address it resolves to, never
 * the address itself (an internal name's address is the operator's to know).
 */
export async function destinationRefusal(
  url: URL,
  policy: AddressPolicy,
  options: { resolver?: Resolver; timeoutMs?: number } = {},
): Promise<string | null> {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  if (isIP(host) !== 0) {
    const verdict = policy.check(host, port);
    if (verdict.allowed) return null;
    const entry = isIP(host) === 6 ? `[${verdict.address}]:${port}` : `${verdict.address}:${port}`;
    return (
      `delivery would refuse ${verdict.address} (${verdict.category}): ${reasonsOf([verdict])}. ${ALLOW_LIST_HINT}, ` +
      `here ${entry}; ask the operator to add it`
    );
  }
  const addresses = await resolveWithin(host, options.resolver ?? systemResolver, options.timeoutMs);
  const refused = addresses.map((a) => policy.check(a.address, port)).filter((v) => !v.allowed);
  if (refused.length === 0) return null;
  const kinds = [...new Set(refused.map((v) => v.category))].join(", ");
  return (
    `delivery would refuse ${host}: it resolves to a ${kinds} address (${reasonsOf(refused)}). ${ALLOW_LIST_HINT}; ` +
    `ask the operator to add its address with port ${port}`
  );
}

const ALLOW_LIST_HINT =
  "Hookline delivers only to public addresses unless the server's HOOKLINE_ALLOW_PRIVATE_NETWORKS lists the address " +
  "with its port";

const reasonsOf = (verdicts: readonly Verdict[]): string =>
  [...new Set(verdicts.map((v) => v.reason ?? "not a globally routable address"))].join("; ");

/** Every address of `host`, or none when it does not resolve within the time. */
async function resolveWithin(
  host: string,
  resolver: Resolver,
  timeoutMs = DESTINATION_LOOKUP_TIMEOUT_MS,
): Promise<{ address: string }[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    return await Promise.race([resolver(host, { family: 0 }).catch(() => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
