import { createHash, randomBytes } from "node:crypto";
import type { ApiToken, PortalGrant } from "../store/store.ts";
import { newId } from "./ids.ts";

/** 32 random bytes: guessing is hopeless, and only the SHA-256 is ever stored. */
export function issueToken(
  kind: "admin" | "app" | "poll",
  fields: {
    appId: string | null;
    name: string;
    now: number;
    expiresAt: number | null;
    allowedIps?: string[] | null;
    portal?: PortalGrant | null;
    pollerEndpointId?: string | null;
  },
): { token: string; record: ApiToken } {
  const token = `hk_${kind}_${randomBytes(32).toString("base64url")}`;
  return {
    token,
    record: {
      id: newId("tok", fields.now),
      tokenHash: createHash("sha256").update(token).digest("hex"),
      appId: fields.appId,
      name: fields.name,
      createdAt: fields.now,
      expiresAt: fields.expiresAt,
      revokedAt: null,
      allowedIps: fields.allowedIps ?? null,
      portal: fields.portal ?? null,
      pollerEndpointId: fields.pollerEndpointId ?? null,
    },
  };
}
