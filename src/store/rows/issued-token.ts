import type { ApiToken } from "../store.ts";

/**
 * The `api_token` columns a repository writes when it issues a token for one of its own records:
 * an integration's key, a polling endpoint's token (the only ones with `poller_endpoint_id`).
 */
export const ISSUED_TOKEN_COLUMNS =
  "id, token_hash, app_id, name, created_at, expires_at, revoked_at, poller_endpoint_id";

/** The values of ISSUED_TOKEN_COLUMNS. */
export const issuedTokenValues = (t: ApiToken): unknown[] => [
  t.id,
  t.tokenHash,
  t.appId,
  t.name,
  t.createdAt,
  t.expiresAt,
  t.revokedAt,
  t.pollerEndpointId ?? null,
];
