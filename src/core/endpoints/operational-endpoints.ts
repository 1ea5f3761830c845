import type { Endpoint } from "../entities.ts";
import { FieldError } from "../errors.ts";
import { newId } from "../ids.ts";
import { OPERATIONAL_EVENT_TYPES } from "../operational-events.ts";
import { transformationFor, type OperationalFormat } from "../operational-formats.ts";
import { eventTypeMatches } from "../routing.ts";
import type { EndpointService } from "./endpoint-service.ts";
import { checkUrl } from "./endpoint-url.ts";
import { checkHeaders } from "./header-rules.ts";
import { checkSecret, newSecret } from "./secret-rules.ts";

/**
 * The rules of the operational webhook endpoints (docs/operations.md, "Operational webhooks"):
 * endpoints of the hidden operational application (src/core/operational-app.ts), set up by
 * operators. Their filter names operational event types, their format is rendered by a
 * transformation (src/core/operational-formats.ts), and their URL is checked for its form only:
 * an operator may send them to an internal address.
 */

export interface OperationalEndpointSettings {
  url: string;
  description?: string;
  throttleRate?: number | null;
  uid?: string | null;
  disabled?: boolean;
  eventTypes?: string[] | null;
  metadata?: Record<string, string>;
  format?: OperationalFormat;
}

export interface OperationalEndpointInput extends OperationalEndpointSettings {
  secret?: string | null;
  headers?: Record<string, string> | null;
}

const CONFLICT_WITH = "an operational webhook endpoint";

export const operationalFormatOf = (e: Endpoint): OperationalFormat => e.options.operationalFormat ?? "standard";

/** Each filter must name an operational event type, or be a wildcard that matches at least one. */
function checkEventTypes(list: string[] | null | undefined): string[] | null {
  if (!list || list.length === 0) return null;
  list.forEach((filter, i) => {
    if (!OPERATIONAL_EVENT_TYPES.some((type) => eventTypeMatches(filter, type)))
      throw new FieldError(
        ["eventTypes", String(i)],
        `is not an operational event type; known types: ${OPERATIONAL_EVENT_TYPES.join(", ")}`,
        "value_error",
      );
  });
  return [...new Set(list)];
}

/** The options that render the endpoint's format (see operational-formats.ts). */
const optionsFor = (format: OperationalFormat, now: number): Endpoint["options"] => ({
  format: "standard",
  operationalFormat: format,
  transformation: transformationFor(format, now),
});

/** Operational webhook endpoints: written through the endpoint service, without operational events about themselves. */
export class OperationalEndpoints {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly appId: () => Promise<string>,
    private readonly config: { httpsOnly: boolean; now(): number },
  ) {}

  async require(idOrUid: string): Promise<Endpoint> {
    return this.endpoints.require(await this.appId(), idOrUid, "operational webhook endpoint");
  }

  async create(b: OperationalEndpointInput, uidFallback?: string): Promise<Endpoint> {
    const appId = await this.appId();
    const uid = b.uid ?? uidFallback ?? null;
    await this.endpoints.assertUidFree(appId, uid, undefined, CONFLICT_WITH);
    if (b.headers) checkHeaders(b.headers);
    const now = this.config.now();
    const endpoint: Endpoint = {
      id: newId("ep", now),
      appId,
      uid,
      url: checkUrl(b.url, this.config.httpsOnly),
      description: b.description ?? "",
      version: 1,
      disabled: b.disabled ?? false,
      throttleRate: b.throttleRate ?? null,
      eventTypes: checkEventTypes(b.eventTypes),
      channels: null,
      metadata: b.metadata ?? {},
      headers: b.headers ?? {},
      secret: checkSecret(b.secret, "secret") ?? newSecret(undefined),
      previousSecrets: [],
      failingSince: null,
      options: optionsFor(b.format ?? "standard", now),
      handshakeValidatedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.endpoints.insert(endpoint, null);
    return endpoint;
  }

  /** PUT: replaces the endpoint, or creates it (keyed by the uid in the path) when there is none: Svix's upsert. */
  async upsert(idOrUid: string, b: OperationalEndpointSettings): Promise<Endpoint> {
    const existing = await this.endpoints.find(await this.appId(), idOrUid);
    if (!existing) return this.create(b, idOrUid.startsWith("ep_") ? undefined : idOrUid);
    await this.endpoints.assertUidFree(existing.appId, b.uid, existing.id, CONFLICT_WITH);
    const now = this.config.now();
    const format = b.format ?? operationalFormatOf(existing);
    const updated: Endpoint = {
      ...existing,
      uid: b.uid === undefined ? existing.uid : b.uid,
      url: checkUrl(b.url, this.config.httpsOnly),
      description: b.description ?? "",
      disabled: b.disabled ?? false,
      throttleRate: b.throttleRate ?? null,
      eventTypes: checkEventTypes(b.eventTypes),
      metadata: b.metadata ?? {},
      failingSince: b.disabled === false ? null : existing.failingSince,
      options: format === operationalFormatOf(existing) ? existing.options : optionsFor(format, now),
      updatedAt: now,
    };
    await this.endpoints.update(existing, updated, null);
    return updated;
  }
}
