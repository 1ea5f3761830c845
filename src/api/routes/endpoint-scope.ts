import { Type, type TObject } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { EndpointCaller } from "../../core/endpoints/endpoint-service.ts";
import type { Application } from "../../core/entities.ts";
import { notFound } from "../../core/errors.ts";
import type { AppContext } from "../../main/context.ts";
import type { EndpointOwner } from "../../core/operational-payloads.ts";
import { AppParams, EndpointParams, PathKey } from "../common-schemas.ts";
import { catalogView } from "../event-catalog-access.ts";
import { requireApp } from "./applications.ts";

/**
 * Where a set of endpoint routes lives and whose endpoints they manage. Outbound endpoints belong
 * to an application; an inbound source's destinations are the endpoints of its backing
 * application. One set of routes serves both, so destinations get every endpoint feature.
 */
export interface EndpointScope {
  /** The collection's path, e.g. `/api/v1/app/:app_id/endpoint`. */
  base: string;
  ownerParams: TObject;
  endpointParams: TObject;
  tags: string[];
  /** The application whose endpoints the path names (404 if there is none). */
  owner(ctx: AppContext, params: Record<string, string>): Promise<Application>;
  /** Whom operational events about these endpoints name: the application, or the source (`ingest.*` events). */
  eventOwner(ctx: AppContext, params: Record<string, string>, app: Application): Promise<EndpointOwner>;
}

export const APPLICATION_ENDPOINTS: EndpointScope = {
  base: "/api/v1/app/:app_id/endpoint",
  ownerParams: AppParams,
  endpointParams: EndpointParams,
  tags: ["Endpoint"],
  owner: (ctx, params) => requireApp(ctx, params.app_id!),
  eventOwner: async (_ctx, _params, app) => ({ kind: "app", appId: app.id }),
};

export const SourceParams = Type.Object({ source_id: PathKey });
const SourceEndpointParams = Type.Object({ source_id: PathKey, endpoint_id: PathKey });

/** The backing application of the source the path names. */
export async function requireSourceApp(ctx: AppContext, sourceIdOrUid: string): Promise<Application> {
  const source = await ctx.store.ingest.getSource(sourceIdOrUid);
  const app = source && (await ctx.store.applications.get(source.appId));
  if (!app) throw notFound("source");
  return app;
}

export const SOURCE_ENDPOINTS: EndpointScope = {
  base: "/ingest/api/v1/source/:source_id/endpoint",
  ownerParams: SourceParams,
  endpointParams: SourceEndpointParams,
  tags: ["Ingest Endpoint"],
  owner: (ctx, params) => requireSourceApp(ctx, params.source_id!),
  eventOwner: async (ctx, params) => {
    const source = await ctx.store.ingest.getSource(params.source_id!);
    return { kind: "source", sourceId: source?.id ?? params.source_id! };
  },
};

/**
 * Who asks, as the endpoint rules see it (src/core/endpoints/endpoint-service.ts): an
 * application's endpoints check their event-type filter against the catalog the caller sees; a
 * source's destinations do not. Operational events name the scope's owner.
 */
export function endpointCaller(
  ctx: AppContext,
  scope: EndpointScope,
  req: FastifyRequest,
  application: Application,
): EndpointCaller {
  return {
    catalog: scope === APPLICATION_ENDPOINTS ? catalogView(ctx, req) : null,
    eventOwner: () => scope.eventOwner(ctx, req.params as Record<string, string>, application),
  };
}
