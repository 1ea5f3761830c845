import { createContext, useContext } from "react";

/** Svix's portal capabilities (docs/portal.md, "Capabilities"). */
export type Capability =
  | "ViewBase"
  | "ViewEndpointSecret"
  | "ManageEndpointSecret"
  | "ManageTransformations"
  | "CreateAttempts"
  | "ManageEndpoint";

/** `GET /api/v1/auth/portal-session`: what the session was granted. */
export interface PortalSession {
  appId: string;
  capabilities: Capability[];
  readOnly: boolean;
  featureFlags: string[];
  sessionId: string | null;
  expiresAt: string;
}

export const SessionContext = createContext<PortalSession | null>(null);

/**
 * Whether the session may do something needing one of the capabilities. Only to hide what the API
 * would refuse anyway: the API enforces the same table (src/api/portal-capabilities.ts).
 */
export function useCan(): (...any: Capability[]) => boolean {
  const session = useContext(SessionContext);
  return (...any) => session !== null && !session.readOnly && any.some((c) => session.capabilities.includes(c));
}

/** Whether the session may read the signing secret (reading is not a write, so readOnly allows it). */
export function useCanSeeSecret(): boolean {
  const session = useContext(SessionContext);
  const caps: Capability[] = ["ViewEndpointSecret", "ManageEndpointSecret", "ManageEndpoint"];
  return session !== null && caps.some((c) => session.capabilities.includes(c));
}

export function useSession(): PortalSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("no portal session");
  return session;
}
