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
  entries: readonly string[];
  inline: AddressSet;
  lists: string[];
}

/**
 * Compiles rule lists and keeps named lists read from the store for IP_LIST_CACHE_MS. One per
 * server (see network-access.ts); what a request costs is a map lookup per named list and a binary
 * search per set (docs/benchmarks.md, "Address rules").
 */
export class AddressRules {
  /** By the list itself: a token's list is the same array for as long as its lookup is cached (api/auth.ts). */
  private readonly byArray = new WeakMap<readonly string[], CompiledRules>();
  /** By a caller's key for a version of a list (a source's id and updatedAt): its array is new on every read. */
  private readonly byKey = new Map<string, CompiledRules>();
  private readonly named = new Map<string, { at: number; set: AddressSet | null }>();

  constructor(
    private readonly lists: IpListRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The list compiled, once per list: `key`, when given, must change whenever the entries do.
   * Keying by the entries' text instead cost a string of the whole list per request, which for a
   * thousand entries was most of the check (docs/benchmarks.md, "Address rules").
   */
  compile(entries: readonly string[], key?: string): CompiledRules {
    let rules = this.byArray.get(entries);
    if (rules) return rules;
    if (key !== undefined) {
      // A cheap guard against a key reused for other entries (two edits within one clock tick):
      // the same length and the same first and last entry.
      const hit = this.byKey.get(key);
      const n = entries.length;
      if (hit && hit.entries.length === n && hit.entries[0] === entries[0] && hit.entries[n - 1] === entries[n - 1])
        return hit;
    }
    const ranges: string[] = [];
    const lists: string[] = [];
    for (const entry of entries) {
      if (entry.startsWith(LIST_REFERENCE_PREFIX)) lists.push(entry.slice(LIST_REFERENCE_PREFIX.length));
      else ranges.push(entry);
    }
    const inline = parseAddressList(ranges);
    // Entries were checked when stored; one that no longer parses matches nothing rather than failing requests.
    rules = { entries, inline: inline instanceof AddressSet ? inline : new AddressSet([]), lists };
    this.byArray.set(entries, rules);
    if (key !== undefined) {
      if (this.byKey.size >= 10_000) this.byKey.clear();
      this.byKey.set(key, rules);
    }
    return rules;
  }

  /** A named list's ranges, or null when there is no such list (it then matches nothing). */
  async namedList(name: string): Promise<AddressSet | null> {
    const cached = this.cachedList(name);
    if (cached !== undefined) return cached;
    const now = this.now();
    const list = await this.lists.get(name);
    const parsed = list ? parseAddressList(list.entries) : null;
    const set = parsed instanceof AddressSet ? parsed : null;
    if (this.named.size >= 10_000) this.named.clear();
    this.named.set(name, { at: now, set });
    return set;
  }

  /** The named list if it was read recently enough; undefined when it must be read (no await on the hot path). */
  private cachedList(name: string): AddressSet | null | undefined {
    const hit = this.named.get(name);
    return hit && this.now() - hit.at < IP_LIST_CACHE_MS ? hit.set : undefined;
  }

  /** Lets a change to a named list made in this process apply at once. */
  forget(name: string): void {
    this.named.delete(name);
  }

  /**
   * The entry of `entries` that covers `address`, as a person reads it (`203.0.113.0/24`, or
   * `list:abusers (203.0.113.0/24)`), or null when none does. Finding the entry's text scans the
   * list, so it is done only once a range is known to cover the address: on the way to a refusal.
   */
  async matching(entries: readonly string[], address: ParsedAddress, key?: string): Promise<string | null> {
    const rules = this.compile(entries, key);
    if (rules.inline.has(address)) return rules.inline.entryFor(address);
    for (const name of rules.lists) {
      const set = await this.namedList(name);
      if (set?.has(address)) return `${LIST_REFERENCE_PREFIX}${name} (${set.entryFor(address)})`;
    }
    return null;
  }

  /** Whether some entry covers `address`: the hot path, which awaits only to read a named list afresh. */
  async covers(entries: readonly string[], address: ParsedAddress, key?: string): Promise<boolean> {
    const rules = this.compile(entries, key);
    if (rules.inline.has(address)) return true;
    for (const name of rules.lists) {
      const cached = this.cachedList(name);
      const set = cached === undefined ? await this.namedList(name) : cached;
      if (set?.has(address)) return true;
    }
    return false;
  }

  /** Whether a client (its address as text) may pass an allow list. Not an IP address (a Unix socket): no. */
  async allows(entries: readonly string[], address: string, key?: string): Promise<boolean> {
    const parsed = parseClientAddress(address);
    return parsed !== null && (await this.covers(entries, parsed, key));
  }

  /**
   * Why a client is refused by a deny list and an allow list (null: it is not): the deny list is
   * read first, so an address in both is refused. The text names the rule, for the log. `key`
   * identifies this version of the lists (see compile). An address that is not an IP address (a
   * Unix socket's client) is in no list.
   */
  async refusal(
    allowed: readonly string[] | null,
    denied: readonly string[] | null,
    address: string,
    key?: string,
  ): Promise<string | null> {
    if (!allowed && !denied) return null;
    const parsed = parseClientAddress(address);
    if (parsed === null) return allowed ? `${address} is not in any allowedIps entry` : null;
    const denyKey = key && `${key} deny`;
    if (denied && (await this.covers(denied, parsed, denyKey)))
      return `${address} is in deniedIps entry ${await this.matching(denied, parsed, denyKey)}`;
    if (allowed && !(await this.covers(allowed, parsed, key && `${key} allow`)))
      return `${address} is not in any allowedIps entry`;
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
