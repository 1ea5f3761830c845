import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { IP_LIST_NAME_PATTERN } from "../../access/address-rules.ts";
import { MAX_NAMED_LIST_ENTRIES } from "../../access/address-set.ts";
import { servicesOf } from "../../main/services.ts";
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

/**
 * Named address lists (`/api/v1/ip-list`): an operator loads a provider's published sending ranges
 * once and refers to them from any source's allowedIps or deniedIps, or a token's allowedIps, as
 * `list:NAME`. A change applies to every process within IP_LIST_CACHE_MS (src/access/address-rules.ts).
 */
export async function ipListRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = "/api/v1/ip-list";
  const ipLists = servicesOf(ctx).ipLists;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    base,
    { schema: { tags, querystring: ListQuery, response: { 200: ListResponse(IpListOut), ...errorResponses } } },
    async (req) => {
      const page = await ipLists.list(pageRequest(req.query));
      return { ...page, data: page.data.map(ipListOut) };
    },
  );

  app.post<{ Body: Static<typeof IpListIn> }>(
    base,
    { schema: { tags, body: IpListIn, response: { 201: IpListOut, ...errorResponses } } },
    async (req, reply) => {
      const list = await ipLists.create(req.body.name, req.body);
      return reply.code(201).send(ipListOut(list));
    },
  );

  app.get<{ Params: NameParams }>(
    `${base}/:list_name`,
    { schema: { tags, params: NameParams, response: { 200: IpListOut, ...errorResponses } } },
    async (req) => ipListOut(await ipLists.get(req.params.list_name)),
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
      const { list, created } = await ipLists.put(req.params.list_name, req.body);
      return reply.code(created ? 201 : 200).send(ipListOut(list));
    },
  );

  app.delete<{ Params: NameParams }>(
    `${base}/:list_name`,
    { schema: { tags, params: NameParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await ipLists.delete(req.params.list_name);
      return reply.code(204).send();
    },
  );
}
