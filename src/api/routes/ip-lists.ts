import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IP_LIST_NAME_PATTERN, LIST_REFERENCE_PREFIX } from "../../access/address-rules.ts";
import { MAX_NAMED_LIST_ENTRIES, parseAddressRange } from "../../access/address-set.ts";
import { networkAccess } from "../../access/network-access.ts";
import { conflict, FieldError, notFound } from "../../core/errors.ts";
import type { AppContext } from "../../main/context.ts";
import type { IpList } from "../../store/store.ts";
import { DateTime, errorResponses, ListQuery, ListResponse } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";

const ListName = Type.String({
  pattern: IP_LIST_NAME_PATTERN,
  description: "The list's name, referred to as `list:NAME` in allowedIps and deniedIps",
  examples: ["github-hooks"],
});
const Entries = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  maxItems: MAX_NAMED_LIST_ENTRIES,
  description: "Addresses and CIDRs, IPv4 and IPv6",
  examples: [["192.30.252.0/22", "185.199.108.0/22", "2a0a:a440::/29"]],
});
const IpListIn = Type.Object({
  name: ListName,
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  entries: Entries,
});
const IpListUpsert = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  entries: Entries,
});
const IpListOut = Type.Object({
  name: Type.String(),
  description: Type.String(),
  entries: Type.Array(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});
const NameParams = Type.Object({ list_name: ListName });
type NameParams = Static<typeof NameParams>;
const tags = ["IP List"];

const ipListOut = (l: IpList) => ({
  name: l.name,
  description: l.description,
  entries: l.entries,
  createdAt: iso(l.createdAt),
  updatedAt: iso(l.updatedAt),
});

/** Each entry must be an address or CIDR (a named list cannot name another); a bad one is a 422 naming it. */
function checkedEntries(entries: string[]): string[] {
  return entries.map((entry, i) => {
    const parsed = parseAddressRange(entry);
    if (typeof parsed === "string") throw new FieldError(["entries", String(i)], parsed, "value_error");
    return parsed.text;
  });
}

/** The first source or live token that refers to the list, as a person reads it; null when none does. */
async function firstUser(ctx: AppContext, name: string): Promise<string | null> {
  const reference = LIST_REFERENCE_PREFIX + name;
  for (let iterator: string | null = null; ;) {
    const page = await ctx.store.ingest.listSources({ limit: 250, iterator, order: "ascending" });
    for (const s of page.data)
      if (s.options.allowedIps?.includes(reference) || s.options.deniedIps?.includes(reference))
        return `source ${s.id}`;
    if (page.done || page.data.length === 0) break;
    iterator = page.iterator;
  }
  const now = ctx.clock.now();
  for (let iterator: string | null = null; ;) {
    const page = await ctx.store.tokens.list({ limit: 250, iterator, order: "ascending" });
    for (const t of page.data) {
      const live = (t.revokedAt === null || t.revokedAt > now) && (t.expiresAt === null || t.expiresAt > now);
      if (live && t.allowedIps?.includes(reference)) return `token ${t.id}`;
    }
    if (page.done || page.data.length === 0) break;
    iterator = page.iterator;
  }
  return null;
}

/**
 * Named address lists (`/api/v1/ip-list`): an operator loads a provider's published sending ranges
 * once and refers to them from any source's allowedIps or deniedIps, or a token's allowedIps, as
 * `list:NAME`. A change applies to every process within IP_LIST_CACHE_MS (src/access/address-rules.ts).
 */
export async function ipListRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = "/api/v1/ip-list";
  const rules = networkAccess(ctx).rules;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    base,
    { schema: { tags, querystring: ListQuery, response: { 200: ListResponse(IpListOut), ...errorResponses } } },
    async (req) => {
      const page = await ctx.store.ipLists.list(pageRequest(req.query));
      return { ...page, data: page.data.map(ipListOut) };
    },
  );

  app.post<{ Body: Static<typeof IpListIn> }>(
    base,
    { schema: { tags, body: IpListIn, response: { 201: IpListOut, ...errorResponses } } },
    async (req, reply) => {
      const entries = checkedEntries(req.body.entries);
      if (await ctx.store.ipLists.get(req.body.name))
        throw conflict(`an IP list named "${req.body.name}" already exists`);
      const now = ctx.clock.now();
      const list: IpList = {
        name: req.body.name,
        description: req.body.description ?? "",
        entries,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.store.ipLists.put(list);
      rules.forget(list.name);
      return reply.code(201).send(ipListOut(list));
    },
  );

  app.get<{ Params: NameParams }>(
    `${base}/:list_name`,
    { schema: { tags, params: NameParams, response: { 200: IpListOut, ...errorResponses } } },
    async (req) => {
      const list = await ctx.store.ipLists.get(req.params.list_name);
      if (!list) throw notFound("IP list");
      return ipListOut(list);
    },
  );

  app.put<{ Params: NameParams; Body: Static<typeof IpListUpsert> }>(
    `${base}/:list_name`,
    {
      schema: {
        tags,
        params: NameParams,
        body: IpListUpsert,
        response: { 200: IpListOut, 201: IpListOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const entries = checkedEntries(req.body.entries);
      const existing = await ctx.store.ipLists.get(req.params.list_name);
      const now = ctx.clock.now();
      const list: IpList = {
        name: req.params.list_name,
        description: req.body.description ?? existing?.description ?? "",
        entries,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await ctx.store.ipLists.put(list);
      rules.forget(list.name);
      return reply.code(existing ? 200 : 201).send(ipListOut(list));
    },
  );

  app.delete<{ Params: NameParams }>(
    `${base}/:list_name`,
    { schema: { tags, params: NameParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const name = req.params.list_name;
      if (!(await ctx.store.ipLists.get(name))) throw notFound("IP list");
      // A list in use cannot vanish: an allow list would silently shrink, a deny list stop denying.
      const user = await firstUser(ctx, name);
      if (user !== null) throw conflict(`the IP list "${name}" is used by ${user}; remove it there first`);
      await ctx.store.ipLists.delete(name);
      rules.forget(name);
      return reply.code(204).send();
    },
  );
}
