import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ALERT_RULE_KINDS, type AlertRule, type AlertRuleKind } from "../../core/alert-rule.ts";
import { FieldError, notFound } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import type { AppContext } from "../../main/context.ts";
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

/** Thresholds when none is given: 10 failures in a row, 50 % failing, 5 minutes of backlog. */
const DEFAULT_THRESHOLD: Record<AlertRuleKind, number> = {
  consecutive_failures: 10,
  failure_rate: 50,
  backlog_age: 300,
  endpoint_disabled: 1,
};
/** One notice per subject, rule and level per hour, unless the rule says otherwise. */
const DEFAULT_DEDUPE_SECONDS = 3600;

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

/** The rule's scope as stored ids: the application and endpoint may be named by id or uid. */
async function scopeOf(ctx: AppContext, b: AlertRuleIn): Promise<{ appId: string | null; endpointId: string | null }> {
  if (b.kind === "backlog_age" && (b.appId || b.endpointId))
    throw new FieldError(
      ["appId"],
      "a backlog_age rule watches the whole instance's queue: leave appId and endpointId out",
      "value_error",
    );
  if (b.endpointId && !b.appId) throw new FieldError(["appId"], "is required with endpointId", "value_error");
  if (!b.appId) return { appId: null, endpointId: null };
  const app = await ctx.store.applications.get(b.appId);
  if (!app || ctx.operational?.isOperational(app.id))
    throw new FieldError(["appId"], "names no application", "value_error");
  if (!b.endpointId) return { appId: app.id, endpointId: null };
  const endpoint = await ctx.store.endpoints.get(app.id, b.endpointId);
  if (!endpoint) throw new FieldError(["endpointId"], "names no endpoint of the application", "value_error");
  return { appId: app.id, endpointId: endpoint.id };
}

function paramsOf(b: AlertRuleIn): AlertRule["params"] {
  const threshold = b.threshold ?? DEFAULT_THRESHOLD[b.kind];
  if (b.kind === "failure_rate" && threshold > 100)
    throw new FieldError(["threshold"], "is a percentage for a failure_rate rule: at most 100", "value_error");
  if ((b.kind === "consecutive_failures" || b.kind === "backlog_age") && !Number.isInteger(threshold))
    throw new FieldError(["threshold"], `must be a whole number for a ${b.kind} rule`, "value_error");
  return { threshold, windowSeconds: b.windowSeconds ?? 300, minAttempts: b.minAttempts ?? 10 };
}

/**
 * Alert rules (admin tokens only): conditions whose notices go to the operational webhook
 * endpoints, as signed JSON or as Slack or Teams messages (docs/operations.md, "Alert rules").
 */
export async function alertRuleRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  async function requireRule(id: string): Promise<AlertRule> {
    const rule = await ctx.store.alerts.getRule(id);
    if (!rule) throw notFound("alert rule");
    return rule;
  }

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    base,
    { schema: { tags, querystring: ListQuery, response: { 200: ListResponse(AlertRuleOut), ...errorResponses } } },
    async (req) => {
      const page = await ctx.store.alerts.listRules(pageRequest(req.query));
      return { ...page, data: page.data.map(alertRuleOut) };
    },
  );

  app.post<{ Body: AlertRuleIn }>(
    base,
    { schema: { tags, body: AlertRuleIn, response: { 201: AlertRuleOut, ...errorResponses } } },
    async (req, reply) => {
      const b = req.body;
      const now = ctx.clock.now();
      const rule: AlertRule = {
        id: newId("alert", now),
        name: b.name,
        kind: b.kind,
        ...(await scopeOf(ctx, b)),
        params: paramsOf(b),
        dedupeSeconds: b.dedupeSeconds ?? DEFAULT_DEDUPE_SECONDS,
        disabled: b.disabled ?? false,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.store.alerts.insertRule(rule);
      await ctx.alerts?.refresh();
      return reply.code(201).send(alertRuleOut(rule));
    },
  );

  app.get<{ Params: Params }>(
    `${base}/:rule_id`,
    { schema: { tags, params: Params, response: { 200: AlertRuleOut, ...errorResponses } } },
    async (req) => alertRuleOut(await requireRule(req.params.rule_id)),
  );

  app.put<{ Params: Params; Body: AlertRuleIn }>(
    `${base}/:rule_id`,
    { schema: { tags, params: Params, body: AlertRuleIn, response: { 200: AlertRuleOut, ...errorResponses } } },
    async (req) => {
      const existing = await requireRule(req.params.rule_id);
      const b = req.body;
      const rule: AlertRule = {
        ...existing,
        name: b.name,
        kind: b.kind,
        ...(await scopeOf(ctx, b)),
        params: paramsOf(b),
        dedupeSeconds: b.dedupeSeconds ?? DEFAULT_DEDUPE_SECONDS,
        disabled: b.disabled ?? false,
        updatedAt: ctx.clock.now(),
      };
      await ctx.store.alerts.updateRule(rule);
      await ctx.alerts?.refresh();
      return alertRuleOut(rule);
    },
  );

  app.delete<{ Params: Params }>(
    `${base}/:rule_id`,
    { schema: { tags, params: Params, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const rule = await requireRule(req.params.rule_id);
      await ctx.store.alerts.deleteRule(rule.id);
      await ctx.alerts?.refresh();
      return reply.code(204).send();
    },
  );
}
