/** The portal's pages, relative to its base `/portal/app/<app_id>` (the router's basename). */
const e = encodeURIComponent;

export const portalPaths = {
  endpoints: "/",
  newEndpoint: "/endpoints/new",
  endpoint: (endpointId: string, tab?: string) => `/endpoints/${e(endpointId)}${tab ? `?tab=${tab}` : ""}`,
  message: (msgId: string) => `/messages/${e(msgId)}`,
  eventTypes: "/event-types",
  inspector: "/inspector",
} as const;

const BASE = /^(\/portal\/app\/[^/]+)/;

/** The application id and the router's basename, from the page's own path. */
export function portalBase(pathname: string): { appId: string; basename: string } | null {
  const match = BASE.exec(pathname);
  if (!match) return null;
  return { appId: decodeURIComponent(match[1]!.split("/")[3]!), basename: match[1]! };
}
