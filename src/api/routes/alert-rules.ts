import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ALERT_RULE_KINDS, type AlertRule } from "../../core/alert-rule.ts";
import { servicesOf } from "../../main/services.ts";
import { DateTime, errorResponses, ListQuery, ListResponse, Nullable, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";

const tags = ["Alert Rule"];
const base = "/api/v1/alert-rule";
const Params = Type.Object({ rule_id: PathKey });
type Params = Static<typeof Params>;

const Kind = Type.Union(
  ALERT_RULE_KINDS.map((k) => Type.Literal(k)),
  { description: "What the rule watches (docs/operations.md, Alert rules)" },
);
const AlertRuleIn = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  kind: Kind,
  appId: Type.Optional(Nullable(PathKey)),
  endpointId: Type.Optional(Nullable(PathKey)),
  threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
  windowSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400, multipleOf: 60 })),
  minAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  dedupeSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800 })),
  disabled: Type.Optional(Type.Boolean()),
});
type AlertRuleIn = Static<typeof AlertRuleIn>;

const AlertRuleOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Kind,
  appId: Nullable(Type.String()),
  endpointId: Nullable(Type.String()),
  threshold: Type.Number(),
  windowSeconds: Type.Integer(),
  minAttempts: Type.Integer(),
  dedupeSeconds: Type.Integer(),
  disabled: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const alertRuleOut = (r: AlertRule) => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  appId: r.appId,
  endpointId: r.endpointId,
  threshold: r.params.threshold,
  windowSeconds: r.params.windowSeconds,
  minAttempts: r.params.minAttempts,
  dedupeSeconds: r.dedupeSeconds,
  disabled: r.disabled,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

/**
 * Alert rules (admin tokens only): conditions whose notices go to the operational webhook
 * endpoints, as signed JSON or as Slack or Teams messages (docs/operations.md, "Alert rules").
 */
export async function alertRuleRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const rules = servicesOf(ctx).alertRules;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    base,
    { schema: { tags, querystring: ListQuery, response: { 200: ListResponse(AlertRuleOut), ...errorResponses } } },
    async (req) => {
      const page = await rules.list(pageRequest(req.query));
      return { ...page, data: page.data.map(alertRuleOut) };
    },
  );

  app.post<{ Body: AlertRuleIn }>(
    base,
    { schema: { tags, body: AlertRuleIn, response: { 201: AlertRuleOut, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(alertRuleOut(await rules.create(req.body))),
  );

  app.get<{ Params: Params }>(
    `${base}/:rule_id`,
    { schema: { tags, params: Params, response: { 200: AlertRuleOut, ...errorResponses } } },
    async (req) => alertRuleOut(await rules.get(req.params.rule_id)),
  );

  app.put<{ Params: Params; Body: AlertRuleIn }>(
    `${base}/:rule_id`,
    { schema: { tags, params: Params, body: AlertRuleIn, response: { 200: AlertRuleOut, ...errorResponses } } },
    async (req) => alertRuleOut(await rules.replace(req.params.rule_id, req.body)),
  );

  app.delete<{ Params: Params }>(
    `${base}/:rule_id`,
    { schema: { tags, params: Params, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await rules.delete(req.params.rule_id);
      return reply.code(204).send();
    },
  );
}
