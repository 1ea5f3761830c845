import type { EndpointRepository, Page, PageRequest } from "../../store/store.ts";
import type { Clock } from "../clock.ts";
import type { Endpoint } from "../entities.ts";
import { conflict, notFound } from "../errors.ts";
import { checkExpressionField } from "../expression-field.ts";
import { newId } from "../ids.ts";
import type { EndpointOwner } from "../operational-payloads.ts";
import { checkedUrl, type UrlPolicyPorts } from "./endpoint-url.ts";
import { checkRequestedEventTypes, type CatalogView } from "./event-type-filter.ts";
import { checkHeaders, patchedHeaders } from "./header-rules.ts";
import {
  newEndpoint,
  patchedEndpoint,
  replacedEndpoint,
  type EndpointInput,
  type EndpointPatch,
} from "./merge-rules.ts";
import { checkSecret, newSecret, secretsAfterRotation, type SigningScheme } from "./secret-rules.ts";
import { patchedLanguage, patchedTransformation, type TransformationPatch } from "./transformation-rules.ts";

/** What the endpoint service needs from the rest of the server; wired by src/main/services.ts. */
export interface EndpointServicePorts {
  endpoints: EndpointRepository;
  clock: Clock;
  /** The cached routing tables (src/core/endpoint-directory.ts), dropped for an application after each write. */
  directory: { invalidate(appId: string): void };
  urls: UrlPolicyPorts;
  /** Queues the operational events about a change (src/core/operational-endpoint-changes.ts). */
  announce(owner: () => Promise<EndpointOwner>, before: Endpoint | null, after: Endpoint | null): void;
}

/** Who asks for a change, as far as the rules care. */
export interface EndpointCaller {
  /**
   * The event-type catalog as the caller sees it, which an event-type filter is checked against;
   * null where filters are not checked (an inbound source's destinations filter on the provider's
   * types, which are not in the catalog).
   */
  catalog: CatalogView | null;
  /** Whom operational events about the change name (the application, or the source); null sends none. */
  eventOwner: (() => Promise<EndpointOwner>) | null;
}

export interface RotationRequest {
  /** The new secret; a new one is generated when absent. */
  key?: string | null;
  signingScheme?: SigningScheme;
  /** How long the outgoing secret still signs, in seconds (default 24 hours). */
  gracePeriodSeconds?: number | null;
}

/**
 * Endpoints: every rule about creating and changing one (validation, the PUT and PATCH merge
 * rules, the secret rotation policy) and the one place a write is paired with what must follow it:
 * the routing cache of its application is dropped at once, and the change is announced as
 * operational events. The API's routes, the configuration import, `hookline listen` sessions and
 * the operational webhook endpoints all write through here.
 */
export class EndpointService {
  constructor(private readonly ports: EndpointServicePorts) {}

  find(appId: string, idOrUid: string): Promise<Endpoint | undefined> {
    return this.ports.endpoints.get(appId, idOrUid);
  }

  /** The endpoint by id or uid; 404 naming `what` when the application has none. */
  async require(appId: string, idOrUid: string, what = "endpoint"): Promise<Endpoint> {
    const endpoint = await this.ports.endpoints.get(appId, idOrUid);
    if (!endpoint) throw notFound(what);
    return endpoint;
  }

  list(appId: string, page: PageRequest): Promise<Page<Endpoint>> {
    return this.ports.endpoints.list(appId, page);
  }

  listAll(appId: string): Promise<Endpoint[]> {
    return this.ports.endpoints.listAll(appId);
  }

  /** A URL an endpoint of this application may have (`previousUrl`: its URL before a change). */
  checkedUrl(url: string, appId: string, previousUrl?: string): Promise<string> {
    return checkedUrl(this.ports.urls, url, appId, previousUrl);
  }

  /** POST: a new endpoint. `uidFallback` is the uid a PUT to a missing endpoint names in its path. */
  async create(appId: string, b: EndpointInput, caller: EndpointCaller, uidFallback?: string): Promise<Endpoint> {
    if (caller.catalog) await checkRequestedEventTypes(caller.catalog, b);
    return this.createChecked(appId, b, caller, uidFallback);
  }

  /** PUT: replaces the endpoint, or creates it when there is none (Svix's upsert, keyed by the path's uid). */
  async upsert(
    appId: string,
    idOrUid: string,
    b: EndpointInput,
    caller: EndpointCaller,
  ): Promise<{ endpoint: Endpoint; created: boolean }> {
    const existing = await this.ports.endpoints.get(appId, idOrUid);
    if (caller.catalog) await checkRequestedEventTypes(caller.catalog, b, existing?.eventTypes ?? null);
    if (!existing) {
      const uid = idOrUid.startsWith("ep_") ? undefined : idOrUid;
      return { endpoint: await this.createChecked(appId, b, caller, uid), created: true };
    }
    await this.assertUidFree(appId, b.uid, existing.id);
    await checkExpressionField("filter", b.filter, appId);
    if (b.headers) checkHeaders(b.headers);
    const url = await this.checkedUrl(b.url, appId, existing.url);
    const updated = replacedEndpoint(existing, b, { url }, this.ports.clock.now());
    await this.update(existing, updated, caller.eventOwner);
    return { endpoint: updated, created: false };
  }

  /** PATCH: changes only what the patch names. */
  async patch(appId: string, idOrUid: string, b: EndpointPatch, caller: EndpointCaller): Promise<Endpoint> {
    const existing = await this.require(appId, idOrUid);
    await this.assertUidFree(appId, b.uid, existing.id);
    await checkExpressionField("filter", b.filter, appId);
    if (caller.catalog) await checkRequestedEventTypes(caller.catalog, b, existing.eventTypes);
    const url = b.url === undefined ? existing.url : await this.checkedUrl(b.url, appId, existing.url);
    const updated = patchedEndpoint(existing, b, { url }, this.ports.clock.now());
    await this.update(existing, updated, caller.eventOwner);
    return updated;
  }

  /** DELETE; the endpoint's attempts go with it. */
  async remove(appId: string, idOrUid: string, caller: EndpointCaller): Promise<void> {
    const existing = await this.require(appId, idOrUid);
    await this.delete(existing, caller.eventOwner);
  }

  /** `PUT …/headers`: the custom headers, all of them. */
  async replaceHeaders(endpoint: Endpoint, headers: Record<string, string>): Promise<void> {
    checkHeaders(headers);
    await this.update(endpoint, { ...endpoint, headers, updatedAt: this.ports.clock.now() }, null);
  }

  /** `PATCH …/headers` (see patchedHeaders). */
  async patchHeaders(
    endpoint: Endpoint,
    changes: Record<string, string | null>,
    deleteHeaders: readonly string[] = [],
  ): Promise<void> {
    checkHeaders(changes);
    const headers = patchedHeaders(endpoint.headers, changes, deleteHeaders);
    await this.update(endpoint, { ...endpoint, headers, updatedAt: this.ports.clock.now() }, null);
  }

  /** `…/secret/rotate`: a new secret, the outgoing one honoured for the grace period (secret-rules.ts). */
  async rotateSecret(endpoint: Endpoint, request: RotationRequest): Promise<void> {
    const now = this.ports.clock.now();
    const previous = secretsAfterRotation(endpoint, now, request.gracePeriodSeconds);
    const secret = checkSecret(request.key, "key") ?? newSecret(request.signingScheme);
    await this.ports.endpoints.setSecret(endpoint.appId, endpoint.id, secret, previous, now);
    this.ports.directory.invalidate(endpoint.appId);
  }

  /** `PATCH …/transformation`: new code is compiled in the sandbox before it is stored. */
  async patchTransformation(endpoint: Endpoint, b: TransformationPatch): Promise<void> {
    const current = endpoint.options.transformation;
    if (b.code !== undefined || b.language !== undefined) {
      const code = b.code === undefined ? (current?.code ?? null) : b.code;
      await checkExpressionField("code", code, endpoint.appId, patchedLanguage(current, b, code));
    }
    const now = this.ports.clock.now();
    const transformation = patchedTransformation(current, b, now);
    await this.update(
      endpoint,
      { ...endpoint, options: { ...endpoint.options, transformation }, updatedAt: now },
      null,
    );
  }

  /** 409 when another endpoint of the application has this uid. */
  async assertUidFree(
    appId: string,
    uid: string | null | undefined,
    selfId?: string,
    conflictWith = "an endpoint",
  ): Promise<void> {
    if (!uid) return;
    const other = await this.ports.endpoints.get(appId, uid);
    if (other && other.id !== selfId) throw conflict(`${conflictWith} with uid "${uid}" already exists`);
  }

  /**
   * Stores a new endpoint built by a caller with rules of its own (a listen session, an
   * operational webhook endpoint); the writes below are what every change goes through.
   */
  async insert(endpoint: Endpoint, eventOwner: EndpointCaller["eventOwner"]): Promise<void> {
    await this.ports.endpoints.insert(endpoint);
    this.written(endpoint.appId, eventOwner, null, endpoint);
  }

  async update(before: Endpoint, after: Endpoint, eventOwner: EndpointCaller["eventOwner"]): Promise<void> {
    await this.ports.endpoints.update(after);
    this.written(after.appId, eventOwner, before, after);
  }

  async delete(endpoint: Endpoint, eventOwner: EndpointCaller["eventOwner"]): Promise<void> {
    await this.ports.endpoints.delete(endpoint.appId, endpoint.id);
    this.written(endpoint.appId, eventOwner, endpoint, null);
  }

  private async createChecked(
    appId: string,
    b: EndpointInput,
    caller: EndpointCaller,
    uidFallback?: string,
  ): Promise<Endpoint> {
    const uid = b.uid ?? uidFallback ?? null;
    await this.assertUidFree(appId, uid);
    await checkExpressionField("filter", b.filter, appId);
    if (b.headers) checkHeaders(b.headers);
    const now = this.ports.clock.now();
    const url = await this.checkedUrl(b.url, appId);
    const secret = checkSecret(b.secret, "secret") ?? newSecret(b.signingScheme);
    const endpoint = newEndpoint({ id: newId("ep", now), appId, uid }, b, { url, secret }, now);
    await this.insert(endpoint, caller.eventOwner);
    return endpoint;
  }

  /**
   * After every write: this process routes by the new state at once (other processes within the
   * directory's time to live), and the change is announced when someone is to be told.
   */
  private written(
    appId: string,
    eventOwner: EndpointCaller["eventOwner"],
    before: Endpoint | null,
    after: Endpoint | null,
  ): void {
    this.ports.directory.invalidate(appId);
    if (eventOwner) this.ports.announce(eventOwner, before, after);
  }
}
