import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { issueToken } from "../../core/api-tokens.ts";
import { notFound } from "../../core/errors.ts";
import type { ApiToken } from "../../store/store.ts";
import {
  DateTime,
  errorResponses,
  ListQuery,
  ListResponse,
  Metadata,
  Nullable,
  PathKey,
  Uid,
} from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";
import { createApplication } from "./applications.ts";

const PortalAccessIn = Type.Object({
  /** Seconds the token is valid: one hour to one week, as in Svix. */
  expiry: Type.Optional(Nullable(Type.Integer({ minimum: 3600, maximum: 604_800 }))),
  application: Type.Optional(
    Nullable(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 256 }),
        uid: Type.Optional(Nullable(Uid)),
        throttleRate: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
        rateLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
        metadata: Type.Optional(Metadata),
      }),
    ),
  ),
  featureFlags: Type.Optional(Type.Array(Type.String(), { maxItems: 25 })),
  readOnly: Type.Optional(Nullable(Type.Boolean())),
  sessionId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  // Svix's field, accepted so its SDKs' requests pass; not used yet (docs/api.md).
  capabilities: Type.Optional(
    Nullable(
      Type.Array(Type.String({ maxLength: 64 }), {
        maxItems: 20,
        description: "Accepted for compatibility with Svix and ignored: the token may do what any portal token may",
      }),
    ),
  ),
});
const PortalAccessOut = Type.Object({ url: Type.String(), token: Type.String() });
const TokenIn = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 256 })),
  /** Seconds until the token stops working; omitted means it lasts until revoked. */
  expiresIn: Type.Optional(Nullable(Type.Integer({ minimum: 60, maximum: 10 * 365 * 86_400 }))),
});
const TokenOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  appId: Nullable(Type.String()),
  createdAt: DateTime,
  expiresAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
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
});
const TokenListQuery = Type.Composite([
  ListQuery,
  Type.Object({ app_id: Type.Optional(Type.String({ maxLength: 256 })) }),
]);
const tags = ["Authentication"];

const tokenOut = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  appId: t.appId,
  createdAt: iso(t.createdAt),
  expiresAt: t.expiresAt === null ? null : iso(t.expiresAt),
  revokedAt: t.revokedAt === null ? null : iso(t.revokedAt),
});

/** A week: Svix's default lifetime for app portal access. */
const DEFAULT_PORTAL_EXPIRY_SECONDS = 604_800;

export async function authRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Params: { app_id: string }; Body: Static<typeof PortalAccessIn> }>(
    "/api/v1/auth/app-portal-access/:app_id",
    {
      schema: {
        tags,
        params: Type.Object({ app_id: PathKey }),
        body: PortalAccessIn,
        response: { 200: PortalAccessOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      let application = await ctx.store.applications.get(req.params.app_id);
      if (!application) {
        if (!req.body.application) throw notFound("application");
        const uid = req.body.application.uid ?? (req.params.app_id.startsWith("app_") ? null : req.params.app_id);
        application = await createApplication(ctx, { ...req.body.application, uid });
      }
      return reply.code(200).send(await grantPortalAccess(req, application.id, req.body));
    },
  );

  /**
   * The older spelling of app portal access (the v1 SDK's `authentication.dashboardAccess`): no
   * body, so the default lifetime, and no application created on the fly.
   */
  app.post<{ Params: { app_id: string } }>(
    "/api/v1/auth/dashboard-access/:app_id",
    {
      schema: {
        tags,
        params: Type.Object({ app_id: PathKey }),
        response: { 200: PortalAccessOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await ctx.store.applications.get(req.params.app_id);
      if (!application) throw notFound("application");
      return reply.code(200).send(await grantPortalAccess(req, application.id, {}));
    },
  );

  /** Issues a token confined to one application, and the portal URL that carries it. */
  async function grantPortalAccess(
    req: FastifyRequest,
    appId: string,
    options: { expiry?: number | null; sessionId?: string | null },
  ): Promise<Static<typeof PortalAccessOut>> {
    const now = ctx.clock.now();
    const { token, record } = issueToken("app", {
      appId,
      name: `app portal access${options.sessionId ? ` (${options.sessionId})` : ""}`,
      now,
      expiresAt: now + (options.expiry ?? DEFAULT_PORTAL_EXPIRY_SECONDS) * 1000,
    });
    await ctx.store.tokens.insert(record);
    // The portal (a later release) reads the token from the fragment, which browsers never send to servers.
    const url = `${req.protocol}://${req.host}/portal/#token=${encodeURIComponent(token)}`;
    return { url, token };
  }

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
      const now = ctx.clock.now();
      const { token, record } = issueToken("admin", {
        appId: null,
        name: req.body.name ?? "",
        now,
        expiresAt: req.body.expiresIn ? now + req.body.expiresIn * 1000 : null,
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
