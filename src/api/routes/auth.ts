import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { checkAddressRules } from "../../access/address-rules.ts";
import { issueToken } from "../../core/api-tokens.ts";
import { notFound } from "../../core/errors.ts";
import type { ApiToken } from "../../store/store.ts";
import { AddressRuleList, DateTime, errorResponses, ListQuery, ListResponse, Nullable } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";

export const ALLOWED_IPS_DESCRIPTION =
  "Hookline: addresses, CIDRs and named lists (`list:NAME`) the token may be used from; elsewhere it gets 403 and an audit log entry; null or empty: anywhere";
const TokenIn = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 256 })),
  /** Seconds until the token stops working; omitted means it lasts until revoked. */
  expiresIn: Type.Optional(Nullable(Type.Integer({ minimum: 60, maximum: 10 * 365 * 86_400 }))),
  allowedIps: Type.Optional(Nullable(AddressRuleList(ALLOWED_IPS_DESCRIPTION))),
});
const TokenOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  appId: Nullable(Type.String()),
  createdAt: DateTime,
  expiresAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
  allowedIps: Nullable(Type.Array(Type.String())),
});
const IssuedTokenOut = Type.Composite([TokenOut, Type.Object({ token: Type.String({ description: "Shown once" }) })]);
const AuditOut = Type.Object({
  id: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  path: Type.String(),
  appId: Nullable(Type.String()),
  status: Type.Integer(),
  timestamp: DateTime,
  clientIp: Nullable(Type.String()),
  detail: Nullable(Type.String()),
});
const TokenListQuery = Type.Composite([
  ListQuery,
  Type.Object({ app_id: Type.Optional(Type.String({ maxLength: 256 })) }),
]);
const tags = ["Authentication"];

/** An empty list means no restriction, as for sources. */
export const allowedIpsOf = (entries: string[] | null | undefined): string[] | null =>
  entries && entries.length > 0 ? entries.map((e) => e.trim()) : null;

const tokenOut = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  appId: t.appId,
  createdAt: iso(t.createdAt),
  expiresAt: t.expiresAt === null ? null : iso(t.expiresAt),
  revokedAt: t.revokedAt === null ? null : iso(t.revokedAt),
  allowedIps: t.allowedIps,
});

export async function authRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post(
    "/api/v1/auth/logout",
    { schema: { tags, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      // Logging out revokes the token the request came with (the bootstrap token cannot be revoked).
      if (req.principal !== "admin") {
        const token = await ctx.store.tokens.get(req.principal);
        if (token) {
          await ctx.store.tokens.revoke(token.id, ctx.clock.now());
          app.forgetToken(token.tokenHash);
        }
      }
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof TokenListQuery> }>(
    "/api/v1/auth/token",
    { schema: { tags, querystring: TokenListQuery, response: { 200: ListResponse(TokenOut), ...errorResponses } } },
    async (req) => {
      let appId: string | undefined;
      if (req.query.app_id) {
        const application = await ctx.store.applications.get(req.query.app_id);
        if (!application) throw notFound("application");
        appId = application.id;
      }
      const page = await ctx.store.tokens.list(pageRequest(req.query), appId);
      return { ...page, data: page.data.map(tokenOut) };
    },
  );

  app.post<{ Body: Static<typeof TokenIn> }>(
    "/api/v1/auth/token",
    { schema: { tags, body: TokenIn, response: { 201: IssuedTokenOut, ...errorResponses } } },
    async (req, reply) => {
      await checkAddressRules(ctx.store.ipLists, "allowedIps", req.body.allowedIps);
      const now = ctx.clock.now();
      const { token, record } = issueToken("admin", {
        appId: null,
        name: req.body.name ?? "",
        now,
        expiresAt: req.body.expiresIn ? now + req.body.expiresIn * 1000 : null,
        allowedIps: allowedIpsOf(req.body.allowedIps),
      });
      await ctx.store.tokens.insert(record);
      return reply.code(201).send({ ...tokenOut(record), token });
    },
  );

  app.delete<{ Params: { token_id: string } }>(
    "/api/v1/auth/token/:token_id",
    {
      schema: {
        tags,
        params: Type.Object({ token_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const token = await ctx.store.tokens.get(req.params.token_id);
      if (!token) throw notFound("token");
      await ctx.store.tokens.revoke(token.id, ctx.clock.now());
      app.forgetToken(token.tokenHash);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof TokenListQuery> }>(
    "/api/v1/audit-log",
    {
      schema: {
        tags: ["Audit"],
        querystring: TokenListQuery,
        response: { 200: ListResponse(AuditOut), ...errorResponses },
      },
    },
    async (req) => {
      let appId: string | undefined;
      if (req.query.app_id) appId = (await ctx.store.applications.get(req.query.app_id))?.id ?? req.query.app_id;
      const page = await ctx.store.audit.list(pageRequest(req.query, "descending"), appId);
      return {
        ...page,
        data: page.data.map(({ createdAt, ...e }) => ({ ...e, timestamp: iso(createdAt) })),
      };
    },
  );
}
