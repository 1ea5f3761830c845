import { Type, type Static } from "@sinclair/typebox";
import "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type WebSocket from "ws";
import type { Application, Endpoint } from "../../core/entities.ts";
import { ApiError, FieldError, notFound } from "../../core/errors.ts";
import { isListenSessionId, listenSessionOf, type SessionFrame } from "../../core/listen-protocol.ts";
import type { AppContext } from "../../main/context.ts";
import type { RouteOptions } from "../http-server.ts";
import { InputError } from "../input-limits.ts";
import { checkEventTypesExist } from "../../core/endpoints/event-type-filter.ts";
import { servicesOf } from "../../main/services.ts";
import {
  endListenEndpoint,
  listenEndpoint,
  openListenEndpoint,
} from "../../core/endpoints/listen-session-endpoints.ts";
import { catalogView } from "../event-catalog-access.ts";
import { APPLICATION_ENDPOINTS, SOURCE_ENDPOINTS, type EndpointScope } from "./endpoint-scope.ts";

/**
 * `hookline listen`'s server side (docs/cli.md, "listen"; docs/architecture.md, "Listen
 * sessions"): a WebSocket per session, on the application's path (outbound) or the source's
 * (inbound, the source's backing application). Authentication and scoping are the API's own
 * hooks, run before the upgrade: an admin token, or a token of that application.
 *
 * The session is a real endpoint of the application with a `hookline-listen://ls_…` URL. Opening
 * a session creates it; `?session=ls_…` resumes one (after a dropped connection or a restart of the
 * CLI), re-enabling it and making its waiting deliveries due at once. Ending it (Ctrl-C) disables
 * it: nothing more is queued for it, and its attempt log stays readable until the endpoint is
 * deleted.
 */

const ListenQuery = Type.Object(
  {
    session: Type.Optional(Type.String({ maxLength: 64 })),
    /** Comma-separated event types or wildcards (`invoice.*`), as an endpoint's filter. */
    events: Type.Optional(Type.String({ maxLength: 8192 })),
    /** Where the CLI forwards to, for the endpoint's description only. */
    target: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);
type ListenQuery = Static<typeof ListenQuery>;

const EVENT_FILTER = /^[a-zA-Z0-9\-_.*]{1,256}$/;

interface Prepared {
  application: Application;
  existing: Endpoint | null;
  eventTypes: string[] | null;
}

declare module "fastify" {
  interface FastifyRequest {
    listen?: Prepared;
  }
}

async function prepare(ctx: AppContext, scope: EndpointScope, req: FastifyRequest): Promise<Prepared> {
  if (!ctx.listenSessions)
    throw new ApiError(
      503,
      "listen_unavailable",
      "this process runs no worker (HOOKLINE_ROLE=api), so it cannot deliver to a listen session: connect to a process with role all",
    );
  const query = req.query as ListenQuery;
  const application = await scope.owner(ctx, req.params as Record<string, string>);
  let eventTypes: string[] | null = null;
  if (query.events !== undefined) {
    const names = [...new Set(query.events.split(",").map((s) => s.trim()))].filter((s) => s !== "");
    for (const [i, name] of names.entries())
      if (!EVENT_FILTER.test(name))
        throw new InputError({
          loc: ["query", "events", String(i)],
          msg: "must be an event type or a pattern such as invoice.* (letters, digits, - _ . *)",
          type: "pattern",
        });
    try {
      await checkEventTypesExist(catalogView(ctx, req), "eventTypes", names);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      throw new InputError({
        loc: ["query", "events", ...error.loc.slice(1).map(String)],
        msg: error.msg,
        type: error.type,
      });
    }
    eventTypes = names.length > 0 ? names : null;
  }
  let existing: Endpoint | null = null;
  if (query.session !== undefined) {
    if (!isListenSessionId(query.session))
      throw new InputError({ loc: ["query", "session"], msg: "must be a session id (ls_…)", type: "pattern" });
    existing = (await listenEndpoint(servicesOf(ctx).endpoints, application.id, query.session)) ?? null;
    if (!existing) throw notFound("listen session");
  }
  return { application, existing, eventTypes };
}

/** Creates the session's endpoint, or brings a resumed one back (src/core/endpoints/listen-session-endpoints.ts). */
function openSession(
  ctx: AppContext,
  scope: EndpointScope,
  params: Record<string, string>,
  prepared: Prepared,
  target: string | undefined,
): Promise<Endpoint> {
  const { application, existing, eventTypes } = prepared;
  const owner = () => scope.eventOwner(ctx, params, application);
  const session = { appId: application.id, existing, eventTypes, target };
  return openListenEndpoint(servicesOf(ctx).endpoints, ctx.clock, session, owner);
}

/** Ctrl-C: the session's endpoint is disabled, unless it was deleted or repointed meanwhile. */
async function endSession(ctx: AppContext, scope: EndpointScope, params: Record<string, string>, endpoint: Endpoint) {
  const application = await ctx.store.applications.get(endpoint.appId);
  await endListenEndpoint(servicesOf(ctx).endpoints, ctx.clock, endpoint, () =>
    scope.eventOwner(ctx, params, application!),
  );
}

const listenRoutesIn =
  (scope: EndpointScope, path: string) =>
  async (app: FastifyInstance, { ctx }: RouteOptions): Promise<void> => {
    app.get(
      path,
      {
        websocket: true,
        schema: { params: scope.ownerParams, querystring: ListenQuery },
        preHandler: async (req) => {
          req.listen = await prepare(ctx, scope, req);
        },
      },
      async (socket: WebSocket, req: FastifyRequest) => {
        const params = req.params as Record<string, string>;
        const target = (req.query as ListenQuery).target;
        let endpoint: Endpoint;
        try {
          endpoint = await openSession(ctx, scope, params, req.listen!, target);
        } catch (error) {
          ctx.log.error({ err: error }, "opening a listen session failed");
          socket.close(1011, "the session could not be opened");
          return;
        }
        const sessionId = listenSessionOf(endpoint.url)!;
        // The CLI may have gone while the endpoint was written: nothing to attach (it resumes later).
        if (socket.readyState !== socket.OPEN) return;
        ctx.listenSessions!.attach(sessionId, socket, () => endSession(ctx, scope, params, endpoint));
        const hello: SessionFrame = {
          type: "session",
          sessionId,
          endpointId: endpoint.id,
          appId: endpoint.appId,
          resumed: req.listen!.existing !== null,
          eventTypes: endpoint.eventTypes,
        };
        socket.send(JSON.stringify(hello));
        ctx.log.info({ sessionId, appId: endpoint.appId, endpointId: endpoint.id }, "listen session connected");
        // Only now that the socket is attached: what waited for a retry while the CLI was away is
        // due at once, instead of at its next step of the schedule (up to hours later).
        if (hello.resumed) {
          try {
            const due = await ctx.store.deliveries.retryNow(endpoint.appId, endpoint.id, ctx.clock.now());
            if (due > 0) ctx.dispatcher?.wake();
          } catch (error) {
            ctx.log.warn({ err: error, sessionId }, "making a resumed listen session's deliveries due failed");
          }
        }
      },
    );
  };

export async function listenRoutes(app: FastifyInstance, options: RouteOptions): Promise<void> {
  await listenRoutesIn(APPLICATION_ENDPOINTS, "/api/v1/app/:app_id/listen")(app, options);
  await listenRoutesIn(SOURCE_ENDPOINTS, "/ingest/api/v1/source/:source_id/listen")(app, options);
}
