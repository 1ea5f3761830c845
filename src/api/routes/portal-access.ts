import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { issueToken } from "../../core/api-tokens.ts";
import { ApiError, notFound } from "../../core/errors.ts";
import type { AppContext } from "../../main/context.ts";
import { DateTime, errorResponses, Metadata, Nullable, PathKey, Uid } from "../common-schemas.ts";
import { iso } from "../pagination.ts";
import type { RouteOptions } from "../http-server.ts";
import { grantedCapabilities, PORTAL_CAPABILITIES, type PortalCapability } from "../portal-capabilities.ts";
import { checkAddressRules } from "../../access/address-rules.ts";
import { AddressRuleList } from "../common-schemas.ts";
import { createApplication } from "./applications.ts";
import { ALLOWED_IPS_DESCRIPTION, allowedIpsOf } from "./auth.ts";

/** Svix's bounds for a portal session's lifetime: one hour to one week, a week by default. */
export const PORTAL_EXPIRY_SECONDS = { min: 3600, max: 604_800, default: 604_800 } as const;
/** Svix's bound for expire-all's grace period: up to three days. */
const EXPIRE_ALL_MAX_DELAY_SECONDS = 259_200;

const SessionId = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-zA-Z0-9@_-]+$" });
const Capability = Type.Union(PORTAL_CAPABILITIES.map((c) => Type.Literal(c)));

const PortalAccessIn = Type.Object({
  expiry: Type.Optional(
    Nullable(Type.Integer({ minimum: PORTAL_EXPIRY_SECONDS.min, maximum: PORTAL_EXPIRY_SECONDS.max })),
  ),
  application: Type.Optional(
    Nullable(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 256 }),
        uid: Type.Optional(Nullable(Uid)),
        // Svix's fields, accepted so its SDKs' requests pass; not used (docs/api.md).
        throttleRate: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
        rateLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
        metadata: Type.Optional(Metadata),
      }),
    ),
  ),
  featureFlags: Type.Optional(
    Type.Array(Type.String({ maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" }), { maxItems: 25, uniqueItems: true }),
  ),
  readOnly: Type.Optional(Nullable(Type.Boolean())),
  capabilities: Type.Optional(Nullable(Type.Array(Capability, { uniqueItems: true }))),
  sessionId: Type.Optional(Nullable(SessionId)),
  allowedIps: Type.Optional(Nullable(AddressRuleList(ALLOWED_IPS_DESCRIPTION))),
});
const PortalAccessOut = Type.Object({ url: Type.String(), token: Type.String() });
const ExpireAllIn = Type.Object({
  expiry: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: EXPIRE_ALL_MAX_DELAY_SECONDS }))),
  sessionIds: Type.Optional(Nullable(Type.Array(SessionId, { maxItems: 1000 }))),
});
const PortalSessionOut = Type.Object({
  appId: Type.String(),
  capabilities: Type.Array(Capability),
  readOnly: Type.Boolean(),
  featureFlags: Type.Array(Type.String()),
  sessionId: Nullable(Type.String()),
  expiresAt: Nullable(DateTime),
});
const tags = ["Authentication"];

/** Where Hookline is reached: HOOKLINE_PUBLIC_URL, else the address the API was called at. */
export function publicBase(ctx: AppContext, request: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/**
 * Consumer-portal sessions (docs/portal.md): app portal access issues one, expire-all ends them.
 * A session is an API token confined to one application that also carries the capabilities,
 * read-only flag, feature flags and session id it was granted; auth.ts enforces them.
 */
export async function portalAccessRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
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
   * body, so the default lifetime and every capability, and no application created on the fly.
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

  app.post<{ Params: { app_id: string }; Body: Static<typeof ExpireAllIn> | undefined }>(
    "/api/v1/auth/app/:app_id/expire-all",
    {
      schema: {
        tags,
        params: Type.Object({ app_id: PathKey }),
        body: ExpireAllIn,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await ctx.store.applications.get(req.params.app_id);
      if (!application) throw notFound("application");
      const at = ctx.clock.now() + (req.body?.expiry ?? 0) * 1000;
      const ended = await ctx.store.tokens.expirePortalSessions(application.id, at, req.body?.sessionIds ?? undefined);
      // This process stops trusting its cached copies at once; others within TOKEN_CACHE_MS (auth.ts).
      for (const hash of ended) app.forgetToken(hash);
      return reply.code(204).send();
    },
  );

  /**
   * What the calling portal session was granted, so that the portal's pages can offer only what
   * the API will allow (the API enforces it regardless).
   */
  app.get(
    "/api/v1/auth/portal-session",
    { schema: { tags, response: { 200: PortalSessionOut, ...errorResponses } } },
    async (req) => {
      const token = req.portal === null ? undefined : await ctx.store.tokens.get(req.principal);
      if (!token || token.portal === null || token.appId === null) {
        throw new ApiError(404, "not_a_portal_session", "the request's token is not a consumer-portal session");
      }
      return {
        appId: token.appId,
        capabilities: token.portal.capabilities as PortalCapability[],
        readOnly: token.portal.readOnly,
        featureFlags: token.portal.featureFlags,
        sessionId: token.portal.sessionId,
        expiresAt: token.expiresAt === null ? null : iso(token.expiresAt),
      };
    },
  );

  /** Issues a session confined to one application, and the portal URL that carries it. */
  async function grantPortalAccess(
    req: FastifyRequest,
    appId: string,
    options: {
      expiry?: number | null;
      sessionId?: string | null;
      readOnly?: boolean | null;
      featureFlags?: string[];
      capabilities?: PortalCapability[] | null;
      allowedIps?: string[] | null;
    },
  ): Promise<Static<typeof PortalAccessOut>> {
    await checkAddressRules(ctx.store.ipLists, "allowedIps", options.allowedIps);
    const now = ctx.clock.now();
    const { token, record } = issueToken("app", {
      appId,
      name: `app portal access${options.sessionId ? ` (${options.sessionId})` : ""}`,
      now,
      expiresAt: now + (options.expiry ?? PORTAL_EXPIRY_SECONDS.default) * 1000,
      allowedIps: allowedIpsOf(options.allowedIps),
      portal: {
        capabilities: grantedCapabilities(options.capabilities),
        readOnly: options.readOnly ?? false,
        featureFlags: options.featureFlags ?? [],
        sessionId: options.sessionId ?? null,
      },
    });
    await ctx.store.tokens.insert(record);
    // The path names the application, so that its framing policy applies (portal-framing.ts); the
    // token is in the fragment, which browsers never send to a server, so it reaches no access log.
    const page = `${publicBase(ctx, req)}/portal/app/${encodeURIComponent(appId)}/`;
    return { url: `${page}#token=${encodeURIComponent(token)}`, token };
  }
}
