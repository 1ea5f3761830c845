import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { INSPECT_PATH, isLive, recordInspected } from "../../core/inspector.ts";
import type { InspectedRequest, Inspector } from "../../store/store.ts";
import { AppParams, DateTime, errorResponses, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso } from "../pagination.ts";
import { TokenBuckets } from "../token-buckets.ts";
import { requireApp } from "./applications.ts";
import { publicBase } from "./portal-access.ts";
import { servicesOf } from "../../main/services.ts";

const InspectorOut = Type.Object({
  id: Type.String(),
  url: Type.String(),
  createdAt: DateTime,
  expiresAt: DateTime,
});
const InspectedRequestOut = Type.Object({
  id: Type.String(),
  receivedAt: DateTime,
  method: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  body: Type.String(),
  bodyBytes: Type.Integer(),
  truncated: Type.Boolean(),
});
const InspectorWithRequestsOut = Type.Composite([
  InspectorOut,
  Type.Object({ requests: Type.Array(InspectedRequestOut) }),
]);
const InspectorParams = Type.Object({ app_id: PathKey, inspector_id: PathKey });
const tags = ["Inspector"];

const inspectorOut = (i: Inspector): Static<typeof InspectorOut> => ({
  id: i.id,
  url: i.url,
  createdAt: iso(i.createdAt),
  expiresAt: iso(i.expiresAt),
});
const requestOut = (r: InspectedRequest): Static<typeof InspectedRequestOut> => ({
  id: r.id,
  receivedAt: iso(r.receivedAt),
  method: r.method,
  headers: r.headers,
  body: r.body,
  bodyBytes: r.bodyBytes,
  truncated: r.truncated,
});

/** Requests a second one inspector takes in this process; beyond it the sender gets 429 and nothing is written. */
const RECEIVE_RATE = 10;

/**
 * The inspector's management routes, under the application (src/core/inspector.ts has the
 * limits). An application's inspectors are visible to its own tokens and to admin tokens only:
 * any other application's inspector reads as not found.
 */
export async function inspectorRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const inspectors = servicesOf(ctx).inspectors;
  async function ownInspector(appIdOrUid: string, inspectorId: string): Promise<Inspector> {
    const application = await requireApp(ctx, appIdOrUid);
    return inspectors.get(application.id, inspectorId);
  }

  app.post<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id/inspector",
    { schema: { tags, params: AppParams, response: { 201: InspectorOut, ...errorResponses } } },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      const inspector = await inspectors.create(application.id, publicBase(ctx, req));
      return reply.code(201).send(inspectorOut(inspector));
    },
  );

  app.get<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id/inspector",
    {
      schema: {
        tags,
        params: AppParams,
        response: { 200: Type.Object({ data: Type.Array(InspectorOut) }), ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const live = await inspectors.listLive(application.id);
      return { data: live.map(inspectorOut) };
    },
  );

  app.get<{ Params: Static<typeof InspectorParams> }>(
    "/api/v1/app/:app_id/inspector/:inspector_id",
    { schema: { tags, params: InspectorParams, response: { 200: InspectorWithRequestsOut, ...errorResponses } } },
    async (req) => {
      const inspector = await ownInspector(req.params.app_id, req.params.inspector_id);
      const requests = await inspectors.requests(inspector);
      return { ...inspectorOut(inspector), requests: requests.map(requestOut) };
    },
  );

  app.delete<{ Params: Static<typeof InspectorParams> }>(
    "/api/v1/app/:app_id/inspector/:inspector_id",
    { schema: { tags, params: InspectorParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const inspector = await ownInspector(req.params.app_id, req.params.inspector_id);
      await inspectors.delete(inspector);
      return reply.code(204).send();
    },
  );
}

function headersOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * Where an inspector receives: `POST /inspect/{id}`, public like any webhook receiver (the id, 160
 * random-looking bits, is what lets a sender in). Any content type, kept as bytes. Deliveries from
 * this Hookline to an application's own inspector do not come through here: the worker records
 * them directly (src/delivery/inspector-delivery.ts), since the SSRF guard keeps deliveries off
 * Hookline's own listener.
 */
export async function inspectorReceiveRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  const buckets = new TokenBuckets(RECEIVE_RATE);

  app.post<{ Params: { inspector_id: string } }>(
    `${INSPECT_PATH}:inspector_id`,
    { config: { public: true }, schema: { hide: true } },
    async (req, reply) => {
      const inspector = req.params.inspector_id.startsWith("insp_")
        ? await ctx.store.inspectors.get(req.params.inspector_id)
        : undefined;
      if (!inspector) return reply.code(404).send({ code: "not_found", detail: "inspector not found" });
      if (!isLive(inspector, ctx.clock.now()))
        return reply.code(410).send({ code: "gone", detail: "this inspector has expired" });
      const waitMs = buckets.take(inspector.id, ctx.clock.now());
      if (waitMs > 0) {
        return reply
          .code(429)
          .header("retry-after", String(Math.ceil(waitMs / 1000)))
          .send({ code: "rate_limited", detail: `an inspector takes ${RECEIVE_RATE} requests a second` });
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      await recordInspected(ctx.store, ctx.clock, inspector, { method: req.method, headers: headersOf(req), body });
      return reply.code(200).send({ received: true });
    },
  );
}
