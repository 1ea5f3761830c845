import type { FastifyInstance } from "fastify";
import type { Application, Endpoint } from "../../core/entities.ts";
import type { AppContext } from "../../main/context.ts";
import { servicesOf } from "../../main/services.ts";
import type { RouteOptions } from "../http-server.ts";
import { endpointActivityRoutes } from "./endpoint-activity.ts";
import { endpointCrudRoutes } from "./endpoint-crud.ts";
import { endpointHeaderRoutes } from "./endpoint-header-routes.ts";
import { APPLICATION_ENDPOINTS, type EndpointScope } from "./endpoint-scope.ts";
import { endpointSecretRoutes } from "./endpoint-secret.ts";

/**
 * The endpoint routes, one file per sub-resource as in Svix's server. Each handler translates HTTP
 * to a call of the endpoint service (src/core/endpoints/endpoint-service.ts), which holds the
 * rules. Recovery and replay tasks are in endpoint-tasks.ts, the transformation in
 * transformations.ts.
 */

export async function requireEndpoint(ctx: AppContext, app: Application, idOrUid: string): Promise<Endpoint> {
  return servicesOf(ctx).endpoints.require(app.id, idOrUid);
}

export async function endpointRoutes(app: FastifyInstance, options: RouteOptions): Promise<void> {
  await endpointRoutesIn(APPLICATION_ENDPOINTS)(app, options);
}

/** The endpoint routes of one scope: an application's endpoints, or an inbound source's destinations. */
export const endpointRoutesIn =
  (scope: EndpointScope) =>
  async (app: FastifyInstance, { ctx }: RouteOptions): Promise<void> => {
    // Registered in one scope, in this order, which is the order of the OpenAPI document.
    endpointCrudRoutes(app, ctx, scope);
    endpointHeaderRoutes(app, ctx, scope);
    endpointSecretRoutes(app, ctx, scope);
    endpointActivityRoutes(app, ctx, scope);
  };
