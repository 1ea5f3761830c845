import type { Clock } from "../core/clock.ts";
import { conflict, FieldError, notFound } from "../core/errors.ts";
import type { IngestRepository, IpList, IpListRepository, Page, PageRequest, TokenRepository } from "../store/store.ts";
import { LIST_REFERENCE_PREFIX } from "./address-rules.ts";
import { parseAddressRange } from "./address-set.ts";

/** What the IP list service uses; wired by src/main/services.ts. */
export interface IpListServicePorts {
  ipLists: IpListRepository;
  /** Read to find the sources and tokens that refer to a list before it is deleted. */
  sources: Pick<IngestRepository, "listSources">;
  tokens: Pick<TokenRepository, "list">;
  clock: Clock;
  /** Drops this process's cached copy of a list once it changed (access/address-rules.ts). */
  forget(name: string): void;
}

/** A list's description and entries as a request gives them. */
export interface IpListInput {
  description?: string;
  entries: string[];
}

/** Each entry must be an address or CIDR (a named list cannot name another); a bad one is a 422 naming it. */
function checkedEntries(entries: string[]): string[] {
  return entries.map((entry, i) => {
    const parsed = parseAddressRange(entry);
    if (typeof parsed === "string") throw new FieldError(["entries", String(i)], parsed, "value_error");
    return parsed.text;
  });
}

/**
 * Named address lists (docs/inbound-sources.md, "Address rules"): entries checked as they are set,
 * a name taken only once, and a list in use never deleted. Every change drops this process's cached
 * copy; the others see it within IP_LIST_CACHE_MS (access/address-rules.ts).
 */
export class IpListService {
  constructor(private readonly ports: IpListServicePorts) {}

  list(page: PageRequest): Promise<Page<IpList>> {
    return this.ports.ipLists.list(page);
  }

  async get(name: string): Promise<IpList> {
    const list = await this.ports.ipLists.get(name);
    if (!list) throw notFound("IP list");
    return list;
  }

  /** Creates a list; a 409 when the name is taken. */
  async create(name: string, input: IpListInput): Promise<IpList> {
    const entries = checkedEntries(input.entries);
    if (await this.ports.ipLists.get(name)) throw conflict(`an IP list named "${name}" already exists`);
    const now = this.ports.clock.now();
    const list: IpList = { name, description: input.description ?? "", entries, createdAt: now, updatedAt: now };
    await this.save(list);
    return list;
  }

  /** Creates or replaces a list (PUT); a description not given is kept. */
  async put(name: string, input: IpListInput): Promise<{ list: IpList; created: boolean }> {
    const entries = checkedEntries(input.entries);
    const existing = await this.ports.ipLists.get(name);
    const now = this.ports.clock.now();
    const list: IpList = {
      name,
      description: input.description ?? existing?.description ?? "",
      entries,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await this.save(list);
    return { list, created: !existing };
  }

  /** Deletes a list no source or live token refers to; a 409 naming the first one that does. */
  async delete(name: string): Promise<void> {
    await this.get(name);
    // A list in use cannot vanish: an allow list would silently shrink, a deny list stop denying.
    const user = await this.firstUser(name);
    if (user !== null) throw conflict(`the IP list "${name}" is used by ${user}; remove it there first`);
    await this.ports.ipLists.delete(name);
    this.ports.forget(name);
  }

  private async save(list: IpList): Promise<void> {
    await this.ports.ipLists.put(list);
    this.ports.forget(list.name);
  }

  /** The first source or live token that refers to the list, as a person reads it; null when none does. */
  private async firstUser(name: string): Promise<string | null> {
    const reference = LIST_REFERENCE_PREFIX + name;
    for (let iterator: string | null = null; ;) {
      const page = await this.ports.sources.listSources({ limit: 250, iterator, order: "ascending" });
      for (const s of page.data)
        if (s.options.allowedIps?.includes(reference) || s.options.deniedIps?.includes(reference))
          return `source ${s.id}`;
      if (page.done || page.data.length === 0) break;
      iterator = page.iterator;
    }
    const now = this.ports.clock.now();
    for (let iterator: string | null = null; ;) {
      const page = await this.ports.tokens.list({ limit: 250, iterator, order: "ascending" });
      for (const t of page.data) {
        const live = (t.revokedAt === null || t.revokedAt > now) && (t.expiresAt === null || t.expiresAt > now);
        if (live && t.allowedIps?.includes(reference)) return `token ${t.id}`;
      }
      if (page.done || page.data.length === 0) break;
      iterator = page.iterator;
    }
    return null;
  }
}
