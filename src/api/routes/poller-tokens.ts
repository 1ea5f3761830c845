import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { issueToken } from "../../core/api-tokens.ts";
import type { Endpoint } from "../../core/entities.ts";
import type { PollerToken } from "../../store/store.ts";
import { DateTime, errorResponses, Nullable, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso } from "../pagination.ts";
import { requirePollingEndpoint } from "./pollers.ts";

/**
 * Poller tokens (Svix's `…/auth/app/{app_id}/poller/{endpoint_id}/token`): a token per polling
 * endpoint that may call only that endpoint's poller routes (src/api/poller-token-access.ts), kept
 * readable (sealed at rest) so GET can show it again. A rotation replaces it; the previous token
 * keeps working for `oldTokenExpiry` seconds (300 by default, 0 ends it at once).
 */

const tags = ["Authentication"];
const TokenParams = Type.Object({ app_id: PathKey, endpoint_id: PathKey });
type TokenParams = Static<typeof TokenParams>;
const RotatePollerTokenIn = Type.Object({
  expiry: Type.Optional(
    Nullable(
      Type.Integer({
        minimum: 1,
        maximum: 31_536_000,
        description: "How long the new token is valid, in seconds (at most a year); unset: never expires",
      }),
    ),
  ),
  oldTokenExpiry: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 86_400,
      default: 300,
      description: "Seconds the previous token keeps working (default 300; 0 revokes it at once)",
    }),
  ),
});
const ApiTokenOut = Type.Object({
  token: Type.String(),
  id: Type.String(),
  name: Nullable(Type.String()),
  createdAt: DateTime,
  expiresAt: Nullable(DateTime),
  scopes: Nullable(
    Type.Array(Type.String(), {
      description: "Always null: a poller token may call only its endpoint's poller routes",
    }),
  ),
});

/** Svix's default grace for the previous token after a rotation: 5 minutes. */
const DEFAULT_OLD_TOKEN_SECONDS = 300;

const tokenOut = (t: PollerToken) => ({
  token: t.token,
  id: t.tokenId,
  name: `poller ${t.endpointId}`,
  createdAt: iso(t.createdAt),
  expiresAt: t.expiresAt === null ? null : iso(t.expiresAt),
  scopes: null,
});

function newPollerToken(endpoint: Endpoint, now: number, expiresAt: number | null) {
  const { token, record } = issueToken("poll", {
    appId: endpoint.appId,
    name: `poller ${endpoint.id}`,
    now,
    expiresAt,
    pollerEndpointId: endpoint.id,
  });
  const pollerToken: PollerToken = {
    appId: endpoint.appId,
    endpointId: endpoint.id,
    tokenId: record.id,
    token,
    createdAt: now,
    expiresAt,
  };
  return { pollerToken, record };
}

export async function pollerTokenRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const path = "/api/v1/auth/app/:app_id/poller/:endpoint_id/token";

  /** The endpoint's token, made on first request (two first requests at once get the same one). */
  app.get<{ Params: TokenParams }>(
    path,
    { schema: { tags, params: TokenParams, response: { 200: ApiTokenOut, ...errorResponses } } },
    async (req) => {
      const endpoint = await requirePollingEndpoint(ctx, req.params.app_id, req.params.endpoint_id);
      const existing = await ctx.store.pollers.getToken(endpoint.appId, endpoint.id);
      if (existing) return tokenOut(existing);
      const { pollerToken, record } = newPollerToken(endpoint, ctx.clock.now(), null);
      if (await ctx.store.pollers.insertToken(pollerToken, record)) return tokenOut(pollerToken);
      return tokenOut((await ctx.store.pollers.getToken(endpoint.appId, endpoint.id))!);
    },
  );

  app.post<{ Params: TokenParams; Body: Static<typeof RotatePollerTokenIn> | undefined }>(
    `${path}/rotate`,
    {
      schema: {
        tags,
        params: TokenParams,
        body: RotatePollerTokenIn,
        response: { 201: ApiTokenOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const endpoint = await requirePollingEndpoint(ctx, req.params.app_id, req.params.endpoint_id);
      const now = ctx.clock.now();
      const expiry = req.body?.expiry;
      const { pollerToken, record } = newPollerToken(endpoint, now, expiry ? now + expiry * 1000 : null);
      const previous = await ctx.store.pollers.getToken(endpoint.appId, endpoint.id);
      const graceSeconds = req.body?.oldTokenExpiry ?? DEFAULT_OLD_TOKEN_SECONDS;
      await ctx.store.pollers.rotateToken(pollerToken, record, now + graceSeconds * 1000);
      if (previous) {
        // This process stops trusting a cached copy at once; others re-read tokens within seconds.
        const old = await ctx.store.tokens.get(previous.tokenId);
        if (old) app.forgetToken(old.tokenHash);
      }
      return reply.code(201).send(tokenOut(pollerToken));
    },
  );
}
