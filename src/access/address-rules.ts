import { FieldError } from "../core/errors.ts";
import type { IpListRepository } from "../store/store.ts";
import {
  AddressSet,
  parseAddressList,
  parseAddressRange,
  parseClientAddress,
  type ParsedAddress,
} from "./address-set.ts";

/** An entry of an allow or deny list that names a shared list instead of a range: `list:github-hooks`. */
export const LIST_REFERENCE_PREFIX = "list:";
/** How a named list may be called: it appears in URLs and in `list:NAME` entries. */
export const IP_LIST_NAME_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$";
const LIST_NAME = new RegExp(IP_LIST_NAME_PATTERN);

/**
 * How long a named list read from the store is used before it is read again. The same as the token
 * cache (api/auth.ts): a change made through another process applies everywhere within this.
 */
export const IP_LIST_CACHE_MS = 5000;

/** One allow or deny list compiled for checking: its inline ranges and the named lists it refers to. */
export interface CompiledRules {
  inline: AddressSet;
  lists: string[];
}

/**
 * Compiles rule lists and keeps named lists read from the store for IP_LIST_CACHE_MS. One per
 * server (see network-access.ts); what a request costs is a map lookup per named list and a binary
 * search per set (docs/benchmarks.md, "Address rules").
 */
export class AddressRules {
  private readonly compiled = new Map<string, CompiledRules>();
  private readonly named = new Map<string, { at: number; set: AddressSet | null }>();

  constructor(
    private readonly lists: IpListRepository,
    private readonly now: () => number = Date.now,
  ) {}

  compile(entries: readonly string[]): CompiledRules {
    const key = entries.join("\n");
    let rules = this.compiled.get(key);
    if (rules) return rules;
    const ranges: string[] = [];
    const lists: string[] = [];
    for (const entry of entries) {
      if (entry.startsWith(LIST_REFERENCE_PREFIX)) lists.push(entry.slice(LIST_REFERENCE_PREFIX.length));
      else ranges.push(entry);
    }
    const inline = parseAddressList(ranges);
    // Entries were checked when stored; one that no longer parses matches nothing rather than failing requests.
    rules = { inline: inline instanceof AddressSet ? inline : new AddressSet([]), lists };
    if (this.compiled.size >= 10_000) this.compiled.clear();
    this.compiled.set(key, rules);
    return rules;
  }

  /** A named list's ranges, or null when there is no such list (it then matches nothing). */
  async namedList(name: string): Promise<AddressSet | null> {
    const now = this.now();
    const hit = this.named.get(name);
    if (hit && now - hit.at < IP_LIST_CACHE_MS) return hit.set;
    const list = await this.lists.get(name);
    const parsed = list ? parseAddressList(list.entries) : null;
    const set = parsed instanceof AddressSet ? parsed : null;
    if (this.named.size >= 10_000) this.named.clear();
    this.named.set(name, { at: now, set });
    return set;
  }

  /** Lets a change to a named list made in this process apply at once. */
  forget(name: string): void {
    this.named.delete(name);
  }

  /**
   * The entry of `entries` that covers `address`, as a person reads it (`203.0.113.0/24`, or
   * `list:abusers (203.0.113.0/24)`), or null when none does. An address that is not an IP address
   * (a Unix socket's client) is covered by nothing.
   */
  async matching(entries: readonly string[], address: string): Promise<string | null> {
    const parsed = parseClientAddress(address);
    if (parsed === null) return null;
    const rules = this.compile(entries);
    if (rules.inline.has(parsed)) return rules.inline.entryFor(parsed);
    for (const name of rules.lists) {
      const set = await this.namedList(name);
      if (set?.has(parsed)) return `${LIST_REFERENCE_PREFIX}${name} (${set.entryFor(parsed)})`;
    }
    return null;
  }

  /**
   * Why a client is refused by a deny list and an allow list (null: it is not): the deny list is
   * read first, so an address in both is refused. The text names the rule, for the log.
   */
  async refusal(allowed: readonly string[] | null, denied: readonly string[] | null, address: string) {
    if (denied) {
      const entry = await this.matching(denied, address);
      if (entry !== null) return `${address} is in deniedIps entry ${entry}`;
    }
    if (allowed && (await this.matching(allowed, address)) === null) return `${address} is not in any allowedIps entry`;
    return null;
  }
}

/** Whether a parsed address is in a set; a helper for the global lists, which hold no named lists. */
export const inSet = (set: AddressSet, address: string): boolean => {
  const parsed: ParsedAddress | null = parseClientAddress(address);
  return parsed !== null && set.has(parsed);
};

/**
 * Checks an allow or deny list before it is stored: each entry is an address, a CIDR or
 * `list:NAME` naming an existing list; a bad entry is a 422 naming it (its index and its text).
 */
export async function checkAddressRules(
  lists: IpListRepository,
  field: string,
  entries: readonly string[] | null | undefined,
): Promise<void> {
  if (!entries) return;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!.trim();
    if (entry.startsWith(LIST_REFERENCE_PREFIX)) {
      const name = entry.slice(LIST_REFERENCE_PREFIX.length);
      if (!LIST_NAME.test(name) || !(await lists.get(name)))
        throw new FieldError(
          [field, String(i)],
          `"${entry}" names no IP list (create it with PUT /api/v1/ip-list/${name})`,
          "value_error",
        );
      continue;
    }
    const parsed = parseAddressRange(entry);
    if (typeof parsed === "string") throw new FieldError([field, String(i)], parsed, "value_error");
  }
}
