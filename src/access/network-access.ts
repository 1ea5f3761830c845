import type { AppContext } from "../main/context.ts";
import { AddressRules } from "./address-rules.ts";
import { AddressSet, parseAddressList } from "./address-set.ts";
import { resolveClientAddress } from "./client-address.ts";

/** The server's network access settings, compiled once, and the rules cache every check shares. */
export class NetworkAccess {
  readonly trustedProxies: AddressSet;
  /** HOOKLINE_API_ALLOWED_IPS; null: the API answers any address. */
  readonly apiAllowed: AddressSet | null;
  readonly rules: AddressRules;

  constructor(ctx: AppContext) {
    this.trustedProxies = compileSetting(ctx.config.trustedProxies);
    this.apiAllowed = ctx.config.apiAllowedIps === null ? null : compileSetting(ctx.config.apiAllowedIps);
    this.rules = new AddressRules(ctx.store.ipLists);
  }

  clientAddress(peer: string, headers: Record<string, string | string[] | undefined>): string {
    return resolveClientAddress(peer, headers, this.trustedProxies);
  }
}

/** The settings were checked by loadConfig; an unparsable one cannot get here. */
function compileSetting(entries: readonly string[]): AddressSet {
  const parsed = parseAddressList(entries);
  if (!(parsed instanceof AddressSet)) throw new Error(parsed.reason);
  return parsed;
}

const byContext = new WeakMap<AppContext, NetworkAccess>();

/** The one NetworkAccess of a server (its context), so every route and hook shares one cache. */
export function networkAccess(ctx: AppContext): NetworkAccess {
  let access = byContext.get(ctx);
  if (!access) {
    access = new NetworkAccess(ctx);
    byContext.set(ctx, access);
  }
  return access;
}
