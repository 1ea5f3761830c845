import type { Sealer } from "../../core/secret-box.ts";
import type { PollerConsumer, PollerToken } from "../store.ts";

/** A `poller_consumer` row's position columns, the same in both dialects. */
export interface ConsumerRow {
  position: string;
  leased_position: string | null;
  lease_until: number | null;
}

/** A `poller_token` row as both dialects return it (`SELECT *`); the token is sealed. */
export interface PollerTokenRow {
  app_id: string;
  endpoint_id: string;
  token_id: string;
  token: string;
  created_at: number;
  expires_at: number | null;
}

export const toConsumer = (r: ConsumerRow): PollerConsumer => ({
  position: r.position,
  leasedPosition: r.leased_position,
  leaseUntil: r.lease_until,
});

export const toPollerToken = (r: PollerTokenRow, box: Sealer): PollerToken => ({
  appId: r.app_id,
  endpointId: r.endpoint_id,
  tokenId: r.token_id,
  token: box.open(r.token),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** The values of `INSERT INTO poller_token (endpoint_id, app_id, token_id, token, created_at, expires_at)`. */
export const pollerTokenValues = (t: PollerToken, box: Sealer): unknown[] => [
  t.endpointId,
  t.appId,
  t.tokenId,
  box.seal(t.token),
  t.createdAt,
  t.expiresAt,
];
