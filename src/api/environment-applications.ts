import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../main/context.ts";
import { FieldError } from "../core/errors.ts";
import type { Application, Endpoint } from "../core/entities.ts";
import { Nullable, Uid } from "./common-schemas.ts";
import { checkSecret } from "../core/endpoints/secret-rules.ts";
import { servicesOf } from "../main/services.ts";

/**
 * The applications of an environment export and import, a Hookline addition beside Svix's
 * fields (docs/api.md, "Environment export and import"): each application by uid with its
 * endpoints by uid and their settings, in the shape of `hookline apply`'s file, so an export is
 * also a configuration file. A signing secret is in an export only when the request asks for it.
 */

const ENDPOINT_FORMATS = Type.Union([
  Type.Literal("standard"),
  Type.Literal("cloudevents-binary"),
  Type.Literal("cloudevents-structured"),
]);
const StringList = Nullable(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1_000 }));
const Metadata = Type.Record(Type.String(), Type.String());

const endpointFields = {
  url: Type.String({ minLength: 1, maxLength: 65_536 }),
  description: Type.Optional(Type.String()),
  eventTypes: Type.Optional(StringList),
  channels: Type.Optional(StringList),
  disabled: Type.Optional(Type.Boolean()),
  rateLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
  metadata: Type.Optional(Metadata),
  filter: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
  format: Type.Optional(ENDPOINT_FORMATS),
  ordered: Type.Optional(Type.Boolean()),
  secret: Type.Optional(Type.String({ description: "only when the export was asked for secrets" })),
};

/** uid is optional in the schema so that a missing one is refused with a message saying what to do. */
export const ImportedApplication = Type.Object({
  uid: Type.Optional(Nullable(Uid)),
  name: Type.String({ minLength: 1, maxLength: 256 }),
  rateLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
  metadata: Type.Optional(Metadata),
  endpoints: Type.Optional(
    Type.Array(Type.Object({ uid: Type.Optional(Nullable(Uid)), ...endpointFields }), {
      maxItems: 1_000,
      description: "the application's endpoints, matched by uid: created when missing, updated otherwise",
    }),
  ),
});
export type ImportedApplication = Static<typeof ImportedApplication>;

export const ExportedApplication = Type.Object({
  uid: Type.String(),
  name: Type.String(),
  rateLimit: Nullable(Type.Integer()),
  metadata: Metadata,
  endpoints: Type.Array(Type.Object({ uid: Type.String(), ...endpointFields }), {
    description: "the application's endpoints that have a uid, with their settings",
  }),
});

async function allApplications(ctx: AppContext): Promise<Application[]> {
  const all: Application[] = [];
  let iterator: string | null = null;
  do {
    const page = await servicesOf(ctx).applications.list({ limit: 250, iterator, order: "ascending" });
    all.push(...page.data);
    iterator = page.done ? null : page.iterator;
  } while (iterator);
  // The hidden application of the operational webhooks is the server's own, not the environment's.
  return all.filter((a) => !ctx.operational?.isOperational(a.id));
}

const endpointExport = (e: Endpoint, includeSecrets: boolean) => ({
  uid: e.uid!,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  channels: e.channels,
  disabled: e.disabled,
  rateLimit: e.throttleRate,
  metadata: e.metadata,
  filter: e.options.filter ?? null,
  format: e.options.format ?? "standard",
  ordered: e.options.ordered ?? false,
  ...(includeSecrets ? { secret: e.secret } : {}),
});

/** An application or endpoint an export leaves out because it has no uid, so no import could match it. */
export const SkippedItem = Type.Object({
  application: Type.String({ description: "the application's id" }),
  endpoint: Type.Optional(Type.String({ description: "the endpoint's id, when the endpoint is the one left out" })),
});

/**
 * Only what has a uid is exported: an import matches by uid, and one without could only be
 * created again on every import. What is left out is listed in `skipped` by id, never dropped
 * silently.
 */
export async function exportApplications(ctx: AppContext, includeSecrets: boolean) {
  const applications = [];
  const skipped: Static<typeof SkippedItem>[] = [];
  for (const app of await allApplications(ctx)) {
    if (app.uid === null) {
      skipped.push({ application: app.id });
      continue;
    }
    const endpoints = await servicesOf(ctx).endpoints.listAll(app.id);
    for (const e of endpoints) if (e.uid === null) skipped.push({ application: app.id, endpoint: e.id });
    applications.push({
      uid: app.uid,
      name: app.name,
      rateLimit: app.throttleRate,
      metadata: app.metadata,
      endpoints: endpoints.filter((e) => e.uid !== null).map((e) => endpointExport(e, includeSecrets)),
    });
  }
  return { applications, skipped };
}

const NO_UID = "has no uid, so an import cannot tell whether it exists: give it a uid";

/**
 * Every application and endpoint is checked before any is written: uids present and not named
 * twice, URLs allowed by this server's policy, secrets well formed, filters naming event types
 * that exist or that the same import creates. A refused import changes nothing.
 */
export async function checkImportedApplications(
  ctx: AppContext,
  apps: ImportedApplication[],
  importedTypes: Set<string>,
): Promise<void> {
  const seenApps = new Set<string>();
  for (const [i, app] of apps.entries()) {
    const at = ["applications", i];
    if (!app.uid) throw new FieldError([...at, "uid"], `application "${app.name}" ${NO_UID}`, "value_error");
    if (seenApps.has(app.uid)) throw new FieldError([...at, "uid"], `"${app.uid}" is named twice`, "value_error");
    seenApps.add(app.uid);
    const existing = await servicesOf(ctx).applications.find(app.uid);
    const seenEndpoints = new Set<string>();
    for (const [j, ep] of (app.endpoints ?? []).entries()) {
      const epAt = [...at, "endpoints", j];
      if (!ep.uid) throw new FieldError([...epAt, "uid"], `endpoint ${ep.url} ${NO_UID}`, "value_error");
      if (seenEndpoints.has(ep.uid))
        throw new FieldError([...epAt, "uid"], `"${ep.uid}" is named twice`, "value_error");
      seenEndpoints.add(ep.uid);
      await prefixed(epAt, () => servicesOf(ctx).endpoints.checkedUrl(ep.url, existing?.id ?? ""));
      await prefixed(epAt, async () => checkSecret(ep.secret, "secret"));
      for (const [k, name] of (ep.eventTypes ?? []).entries()) {
        if (name.includes("*") || importedTypes.has(name)) continue;
        const type = await servicesOf(ctx).eventTypes.find(name);
        if (!type)
          throw new FieldError(
            [...epAt, "eventTypes", k],
            `no event type "${name}" exists or is imported`,
            "value_error",
          );
      }
    }
  }
}

async function prefixed(at: (string | number)[], check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (error instanceof FieldError) throw new FieldError([...at, ...error.loc], error.msg, error.type);
    throw error;
  }
}

/**
 * Creates or updates each application and endpoint through the management API's own routes
 * (with the caller's token), so an import writes exactly what those routes would. Nothing is
 * deleted. A secret is set only when its endpoint is created: an existing endpoint keeps its own,
 * which `…/secret/rotate` changes with a grace period an import could not give.
 */
export async function importApplications(
  server: FastifyInstance,
  req: FastifyRequest,
  ctx: AppContext,
  apps: ImportedApplication[],
): Promise<void> {
  const headers = { authorization: req.headers.authorization ?? "", "content-type": "application/json" };
  const call = async (method: "POST" | "PUT" | "PATCH", url: string, body: unknown, loc: (string | number)[]) => {
    const res = await server.inject({ method, url, headers, payload: JSON.stringify(body) });
    if (res.statusCode >= 300)
      throw new FieldError(loc, `the server refused it (${res.statusCode}): ${res.body.slice(0, 500)}`, "value_error");
  };
  const seg = encodeURIComponent;
  for (const [i, app] of apps.entries()) {
    const appUid = app.uid!;
    const appBody = { uid: appUid, name: app.name, rateLimit: app.rateLimit ?? null, metadata: app.metadata ?? {} };
    await call("PUT", `/api/v1/app/${seg(appUid)}`, appBody, ["applications", i]);
    const live = await servicesOf(ctx).applications.find(appUid);
    for (const [j, ep] of (app.endpoints ?? []).entries()) {
      const { secret, uid, ...fields } = ep;
      const existing = live ? await servicesOf(ctx).endpoints.find(live.id, uid!) : undefined;
      const base = `/api/v1/app/${seg(appUid)}/endpoint`;
      const loc = ["applications", i, "endpoints", j];
      if (existing) await call("PATCH", `${base}/${seg(existing.id)}`, fields, loc);
      else await call("POST", base, { uid, ...fields, ...(secret ? { secret } : {}) }, loc);
    }
  }
}
