import swagger from "@fastify/swagger";
import { Ajv, type Options as AjvOptions } from "ajv";
import ajvFormats from "ajv-formats";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifySchema,
  LogController,
} from "fastify";
import { ApiError, FieldError } from "../core/errors.ts";
import type { AppContext } from "../main/context.ts";
import websocket from "@fastify/websocket";
import { registerAudit } from "./audit.ts";
import { registerAuth } from "./auth.ts";
import { registerClientAddress } from "./client-address.ts";
import { registerIdempotency } from "./idempotency.ts";
import { RouteMethods } from "./method-not-allowed.ts";
import { closedBodySchema, unknownFields } from "./unknown-fields.ts";
import {
  clientErrorHandler,
  finiteNumbersOnly,
  INPUT_LIMITS,
  InputError,
  parseJsonBody,
  registerInputLimits,
  type Validator,
} from "./input-limits.ts";
import { buildSerializerOnFirstUse, compiledOnFirstUse } from "./compile-on-first-use.ts";
import { applicationRoutes } from "./routes/applications.ts";
import { authRoutes } from "./routes/auth.ts";
import { portalAccessRoutes } from "./routes/portal-access.ts";
import { portalPageRoutes } from "./routes/portal-page.ts";
import { registerApiCors } from "./api-cors.ts";
import { portalSettingsRoutes } from "./routes/portal-settings.ts";
import { inspectorReceiveRoutes, inspectorRoutes } from "./routes/inspector.ts";
import { registerPortalFraming } from "./portal-framing.ts";
import { attemptRoutes } from "./routes/attempts.ts";
import { endpointRoutes } from "./routes/endpoints.ts";
import { eventTypeRoutes } from "./routes/event-types.ts";
import { eventTypeOpenApiImportRoutes } from "./routes/event-type-openapi-import.ts";
import { environmentRoutes } from "./routes/environment.ts";
import { healthRoutes } from "./routes/health.ts";
import { apiReferenceRoutes } from "./routes/api-reference.ts";
import { consoleRoutes } from "./routes/console.ts";
import { consoleSessionRoutes } from "./routes/console-session.ts";
import { completeOpenApiDocument, type OpenApiObject } from "./openapi-completion.ts";
import { SOURCE_ENDPOINTS } from "./routes/endpoint-scope.ts";
import { endpointRoutesIn } from "./routes/endpoints.ts";
import { endpointTaskRoutesIn } from "./routes/endpoint-tasks.ts";
import { backgroundTaskRoutes } from "./routes/background-tasks.ts";
import { APPLICATION_ENDPOINTS } from "./routes/endpoint-scope.ts";
import { ingestLogRoutes } from "./routes/ingest-logs.ts";
import { ingestReceiveRoutes } from "./routes/ingest-receive.ts";
import { ingestSourceConfigCompareRoutes } from "./routes/ingest-source-config-compare.ts";
import { ingestSourceRoutes } from "./routes/ingest-sources.ts";
import { integrationRoutes } from "./routes/integrations.ts";
import { pollerRoutes } from "./routes/pollers.ts";
import { pollerTokenRoutes } from "./routes/poller-tokens.ts";
import { ipListRoutes } from "./routes/ip-lists.ts";
import { transformationRoutesIn } from "./routes/transformations.ts";
import { messageRoutes } from "./routes/messages.ts";
import { listenRoutes } from "./routes/listen.ts";
import { operationalWebhookRoutes } from "./routes/operational-webhooks.ts";
import { alertRuleRoutes } from "./routes/alert-rules.ts";
import { statsRoutes } from "./routes/stats.ts";
import { usageStatsRoutes } from "./routes/usage-stats.ts";
import { statsHealthRoutes } from "./routes/stats-health.ts";
import { configurationRoutes } from "./routes/configuration.ts";
import { messageLookupRoutes } from "./routes/message-lookup.ts";
import { transformationRoutes } from "./routes/transformations.ts";
import { isStoreUnavailable, STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from "../store/store-unavailable.ts";
import { registerHttpMetrics, registerMetricsRoute } from "../observability/http-metrics.ts";

/**
 * Request bodies are JSON and are validated as sent: with Fastify's default (one Ajv coercing
 * every part) `"name": 5` became "5" and, worse, `"secret": null` became "" inside a
 * string-or-null union, so the SDKs' explicit nulls were rejected as invalid secrets. Query strings
 * and path parameters are text, so only they are coerced to the schema's types (`limit=10`,
 * `with_content=false`, a lone `event_types` value to a one-item array).
 */
function validatorCompiler(): (route: { schema: FastifySchema; httpPart?: string }) => Validator {
  // Fastify's own defaults, except for coercion; allErrors stays off (all errors is a DoS vector).
  const base: AjvOptions = { useDefaults: true, removeAdditional: false, allErrors: false, addUsedSchema: false };
  // `verbose` hands the formatter an unknown field's object and schema, for "did you mean".
  const bodies = new Ajv({ ...base, coerceTypes: false, verbose: true });
  const text = new Ajv({ ...base, coerceTypes: "array" });
  ajvFormats.default(bodies);
  ajvFormats.default(text);
  // RFC 3339 allows what JavaScript's Date cannot read (a leap second `23:59:60`, an offset of
  // hours only `+01`): those parsed to NaN in the routes and reached PostgreSQL as a 500. Such a
  // date-time is refused by its format, with the usual 422.
  const rfc3339 = ajvFormats.default.get("date-time") as { validate: (s: string) => boolean };
  const dateTime = {
    type: "string" as const,
    validate: (s: string) => rfc3339.validate(s) && !Number.isNaN(Date.parse(s)),
  };
  bodies.addFormat("date-time", dateTime);
  text.addFormat("date-time", dateTime);
  // A number coerced from text must be finite: Ajv turns `limit=1e309` into Infinity and then skips
  // its minimum/maximum checks.
  return ({ schema, httpPart }) =>
    compiledOnFirstUse(() =>
      httpPart === "body" ? bodies.compile(closedBodySchema(schema)) : finiteNumbersOnly(text.compile(schema)),
    );
}

export interface HttpServerOptions {
  /** False in a worker-only process: it answers health checks and nothing else. */
  api: boolean;
}

export async function buildHttpServer(
  ctx: AppContext,
  options: HttpServerOptions = { api: true },
): Promise<FastifyInstance> {
  const app = Fastify({
    // Warnings written through `request.log` (an ingest flood, among others) reach the process's
    // own log. Per-request lines are off: at thousands of requests a second they would cost more
    // throughput than they tell (docs/operations.md).
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.maxBodyBytes,
    // A trailing slash names the same route. Path parameters are ids, uids and event-type names of
    // up to 256 characters; the router's default cap of 100 answered 414 for valid long uids, so
    // the cap sits above 256 and the schemas give the precise 422.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    // Response serializers are compiled on each route's first answer (compile-on-first-use.ts).
    schemaController: { compilersFactory: { buildSerializer: buildSerializerOnFirstUse } },
    return503OnClosing: true,
    // Hostile-input limits (see input-limits.ts): header bytes are the HTTP parser's to count, and
    // its refusals (431, 408, 400) get the API's `{code, detail}` body.
    http: { maxHeaderSize: INPUT_LIMITS.maxHeaderBytes },
    clientErrorHandler,
    // Errors the router raises before any route runs (a malformed percent-escape, an over-long
    // parameter) get the same `{code, detail}` body as every other error.
    frameworkErrors: (error, _request, reply) =>
      (reply as FastifyReply).code(error.statusCode ?? 400).send({
        code:
          error.code === "FST_ERR_MAX_PARAM_LENGTH"
            ? "uri_too_long"
            : error.code === "FST_ERR_BAD_URL"
              ? "bad_request"
              : error.code.toLowerCase(),
        detail: error.message,
      }),
  });

  app.setValidatorCompiler(validatorCompiler());
  // Before any route is added, so it sees them all: a wrong method on a real path answers 405.
  const routeMethods = new RouteMethods(app);
  // The route table, for tests that check a rule against every route (test/portal-capabilities.test.ts).
  app.decorate("routeList", () => routeMethods.list());
  registerHttpMetrics(app, ctx.metrics);

  // An empty body on a JSON POST (the SDKs send one on resend and rotate) means "no fields"; a
  // body nested deeper than INPUT_LIMITS.maxJsonDepth is refused before it is parsed.
  // The API reads JSON only: Fastify's text/plain parser would hand a route a string, refused
  // later as a schema violation, where the caller needs to hear which Content-Type to send (415).
  app.removeContentTypeParser("text/plain");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Header count, and the strings no store can hold (NUL, unpaired surrogates) in every request part.
  registerInputLimits(app);

  // The Svix SDKs send list-valued query parameters joined with commas (`event_types=a.b,c.d`);
  // other clients repeat the parameter. Event-type names cannot contain a comma, so splitting
  // before validation accepts both spellings.
  app.addHook("preValidation", async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    const value = query?.event_types;
    if (value === undefined) return;
    const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(","));
    query!.event_types = parts.filter((p) => p !== "");
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send({ code: error.code, detail: error.detail });
    if (error instanceof InputError) return reply.code(422).send({ detail: [error.problem] });
    if (error instanceof FieldError)
      return reply.code(422).send({ detail: [{ loc: [error.part, ...error.loc], msg: error.msg, type: error.type }] });
    if (error.validation) {
      // Svix names the request parts as FastAPI does: body, query, path, header.
      const context = error.validationContext ?? "body";
      const where = { querystring: "query", params: "path", headers: "header" }[context as string] ?? context;
      // A nullable field that fails reports each branch of its union ("must be string", "must be
      // null", "must match a schema in anyOf"); the first names the real problem, so one per field.
      const seen = new Set<string>();
      const detail = [];
      const located = error.validation.map((v) => {
        const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
        const path = v.instancePath
          .split("/")
          .filter(Boolean)
          .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
        if (missing) path.push(missing);
        const loc = [where, ...path];
        return { v, loc, key: JSON.stringify(loc) };
      });
      const allowed = allowedValuesByLocation(located);
      for (const { v, loc, key } of located) {
        if (seen.has(key)) continue;
        seen.add(key);
        // A field the body's schema does not list (src/api/unknown-fields.ts).
        if (v.keyword === "additionalProperties") {
          for (const field of unknownFields(v))
            detail.push({ loc: [...loc, field.name], msg: field.msg, type: "extra_forbidden" });
          continue;
        }
        // An enum is a union of constants: each branch says only "must be equal to constant", so
        // the answer lists every value the field takes instead (`format`, `signingScheme`, …).
        const values = allowed.get(key);
        if (values && ["const", "enum", "anyOf"].includes(v.keyword)) {
          detail.push({ loc, msg: `must be one of: ${values.map((x) => JSON.stringify(x)).join(", ")}`, type: "enum" });
          continue;
        }
        detail.push({ loc, msg: v.message ?? "invalid value", type: v.keyword });
        // A misspelt required field is reported as missing (Ajv checks that first): name the misspelling too.
        if (v.keyword === "required" && context === "body")
          for (const field of unknownFields(v, { onlyExtras: true }))
            detail.push({ loc: [...loc.slice(0, -1), field.name], msg: field.msg, type: "extra_forbidden" });
      }
      return reply.code(422).send({ detail });
    }
    if (isStoreUnavailable(error)) {
      ctx.log.error({ err: error }, "store unavailable");
      return reply
        .code(503)
        .header("retry-after", String(STORE_UNAVAILABLE_RETRY_AFTER_SECONDS))
        .send({
          code: "store_unavailable",
          detail:
            `the database cannot take writes right now (${(error as { code?: string }).code ?? error.message}); ` +
            "the request was not acknowledged: retry it later, with the same idempotency-key to avoid duplicates",
        });
    }
    const status = error.statusCode ?? 500;
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      // Only the inbound receive routes read other types (in their own scope); the API reads JSON.
      const given = request.headers["content-type"];
      return reply.code(415).send({
        code: "unsupported_media_type",
        detail:
          given === undefined
            ? "the request has a body but no Content-Type: send Content-Type: application/json"
            : `Content-Type ${JSON.stringify(given)} is not accepted: send Content-Type: application/json`,
      });
    }
    if (status < 500) {
      // Fastify's own 4xx: body too large (413), unsupported media type (415), bad content length…
      const codeName = status === 413 ? "payload_too_large" : (error.code ?? "bad_request").toLowerCase();
      return reply.code(status).send({ code: codeName, detail: error.message });
    }
    ctx.log.error({ err: error, url: request.url, method: request.method }, "unhandled error");
    return reply.code(500).send({ code: "internal_error", detail: "internal server error" });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0]!;
    const allowed = routeMethods.allowed(path);
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header("allow", allowed.join(", "))
        .send({
          code: "method_not_allowed",
          detail: `${request.method} is not allowed on ${path}; it takes ${allowed.join(", ")}`,
        });
    }
    return reply.code(404).send({ code: "not_found", detail: `no route for ${request.method} ${path}` });
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Hookline API",
        version: "1.0.0",
        description: "Svix-compatible webhook management API. Authenticate with `Authorization: Bearer <token>`.",
      },
      servers: [{ url: "http://127.0.0.1:8080", description: "A local Hookline on the default port (HOOKLINE_PORT)" }],
      components: { securitySchemes: { HTTPBearer: { type: "http", scheme: "bearer" } } },
      security: [{ HTTPBearer: [] }],
    },
    // Only the OpenAPI 3 form is configured above, so the document is always `openapiObject`.
    transformObject: (document) =>
      completeOpenApiDocument((document as { openapiObject: OpenApiObject }).openapiObject),
  });
  app.get("/api/v1/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  // WebSocket upgrades (`hookline listen`) go through the router and every hook below, auth first,
  // like any request. Registered before those hooks: its own onRequest hook marks an upgrade, so
  // that a refusal (401, 404) closes the upgrade's socket after answering instead of leaving it open.
  // 1 MiB frames: a listen session's answer carries at most the attempt log's 20 kB of body.
  if (options.api) await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  registerClientAddress(app, ctx);
  registerApiCors(app, ctx);
  registerAuth(app, ctx);
  registerAudit(app, ctx);
  registerIdempotency(app, ctx);
  registerPortalFraming(app, ctx);

  await app.register(healthRoutes, { ctx });
  // Workers expose their metrics too.
  registerMetricsRoute(app, ctx.metrics);
  if (!options.api) return app;
  await app.register(listenRoutes, { ctx });
  await app.register(apiReferenceRoutes);
  await app.register(consoleRoutes);
  await app.register(consoleSessionRoutes, { ctx });
  await app.register(applicationRoutes, { ctx });
  await app.register(eventTypeRoutes, { ctx });
  await app.register(eventTypeOpenApiImportRoutes, { ctx });
  await app.register(environmentRoutes, { ctx });
  await app.register(endpointRoutes, { ctx });
  await app.register(endpointTaskRoutesIn(APPLICATION_ENDPOINTS), { ctx });
  await app.register(backgroundTaskRoutes, { ctx });
  await app.register(messageRoutes, { ctx });
  await app.register(attemptRoutes, { ctx });
  await app.register(statsRoutes, { ctx });
  await app.register(usageStatsRoutes, { ctx });
  await app.register(statsHealthRoutes, { ctx });
  await app.register(configurationRoutes, { ctx });
  await app.register(messageLookupRoutes, { ctx });
  await app.register(transformationRoutes, { ctx });
  await app.register(authRoutes, { ctx });
  await app.register(portalAccessRoutes, { ctx });
  await app.register(portalPageRoutes);
  await app.register(portalSettingsRoutes, { ctx });
  await app.register(inspectorRoutes, { ctx });
  await app.register(inspectorReceiveRoutes, { ctx });
  await app.register(integrationRoutes, { ctx });
  await app.register(pollerRoutes, { ctx });
  await app.register(pollerTokenRoutes, { ctx });
  await app.register(ipListRoutes, { ctx });
  await app.register(operationalWebhookRoutes, { ctx });
  await app.register(alertRuleRoutes, { ctx });
  await app.register(ingestSourceRoutes, { ctx });
  await app.register(ingestSourceConfigCompareRoutes, { ctx });
  await app.register(endpointRoutesIn(SOURCE_ENDPOINTS), { ctx });
  await app.register(endpointTaskRoutesIn(SOURCE_ENDPOINTS), { ctx });
  await app.register(transformationRoutesIn(SOURCE_ENDPOINTS), { ctx });
  await app.register(ingestLogRoutes, { ctx });
  // Its own plugin scope: there, every content type is read as raw bytes.
  await app.register(ingestReceiveRoutes, { ctx });
  return app;
}

declare module "fastify" {
  interface FastifyInstance {
    routeList(): { method: string; url: string; public: boolean }[];
  }
}

export interface RouteOptions {
  ctx: AppContext;
}

/** The values each location's `const` and `enum` errors allow, in the schema's order. */
function allowedValuesByLocation(
  located: { v: { keyword: string; params: unknown }; key: string }[],
): Map<string, unknown[]> {
  const allowed = new Map<string, unknown[]>();
  for (const { v, key } of located) {
    const params = v.params as { allowedValue?: unknown; allowedValues?: unknown[] };
    const values =
      v.keyword === "const" ? [params.allowedValue] : v.keyword === "enum" ? (params.allowedValues ?? []) : [];
    if (values.length === 0) continue;
    const list = allowed.get(key) ?? [];
    for (const value of values) if (!list.includes(value)) list.push(value);
    allowed.set(key, list);
  }
  return allowed;
}
