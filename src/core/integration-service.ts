import type { ApiToken, IntegrationRepository, Page, PageRequest } from "../store/store.ts";
import { issueToken } from "./api-tokens.ts";
import type { Clock } from "./clock.ts";
import type { Integration } from "./entities.ts";
import { notFound } from "./errors.ts";
import { newId } from "./ids.ts";

/** What the integration service uses; wired by src/main/services.ts. */
export interface IntegrationServicePorts {
  integrations: IntegrationRepository;
  clock: Clock;
}

/** An integration's name and feature flags as the API gives them. */
export interface IntegrationInput {
  name: string;
  featureFlags?: string[];
}

/** A new key for an integration, and the token row it authenticates as. */
function newKey(appId: string, name: string, now: number): { key: string; token: ApiToken } {
  const { token, record } = issueToken("app", { appId, name: `integration ${name}`, now, expiresAt: null });
  return { key: token, token: record };
}

/**
 * Integrations (Svix's `/app/{app_id}/integration`): named keys for one application, to hand to a
 * third party. A key is an API token confined to the application; it is issued with the
 * integration and revoked at once by a rotation or by deleting the integration.
 */
export class IntegrationService {
  constructor(private readonly ports: IntegrationServicePorts) {}

  list(appId: string, page: PageRequest): Promise<Page<Integration>> {
    return this.ports.integrations.list(appId, page);
  }

  async get(appId: string, id: string): Promise<Integration> {
    const integration = await this.ports.integrations.get(appId, id);
    if (!integration) throw notFound("integration");
    return integration;
  }

  async create(appId: string, input: IntegrationInput): Promise<Integration> {
    const now = this.ports.clock.now();
    const { key, token } = newKey(appId, input.name, now);
    const integration: Integration = {
      id: newId("integ", now),
      appId,
      name: input.name,
      featureFlags: input.featureFlags ?? null,
      key,
      tokenId: token.id,
      createdAt: now,
      updatedAt: now,
    };
    await this.ports.integrations.insert(integration, token);
    return integration;
  }

  /** Replaces the name and feature flags (PUT); flags left out are none. */
  async replace(integration: Integration, input: IntegrationInput): Promise<Integration> {
    const updated: Integration = {
      ...integration,
      name: input.name,
      featureFlags: input.featureFlags ?? null,
      updatedAt: this.ports.clock.now(),
    };
    await this.ports.integrations.update(updated);
    return updated;
  }

  /** Deletes the integration and revokes its key. */
  async delete(integration: Integration): Promise<void> {
    await this.ports.integrations.delete(integration.appId, integration.id, this.ports.clock.now());
  }

  /** Issues a new key and revokes the previous one; answers the new key. */
  async rotateKey(integration: Integration): Promise<string> {
    const now = this.ports.clock.now();
    const { key, token } = newKey(integration.appId, integration.name, now);
    await this.ports.integrations.rotateKey(integration.appId, integration.id, key, token, now);
    return key;
  }
}
