import { FieldError } from "../errors.ts";
import type { Inspector } from "../../store/store.ts";
import { INSPECT_PATH, isLive } from "../inspector.ts";
import { isPollingUrl, pollingUrlProblem } from "../polling-endpoint.ts";

/** `httpsOnly` (HOOKLINE_ENDPOINT_HTTPS_ONLY) refuses plain-http URLs as they are created or changed. */
export function checkUrl(url: string, httpsOnly: boolean, field = "url"): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FieldError([field], "must be an absolute URL", "url");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new FieldError([field], "must be an http or https URL", "url");
  if (httpsOnly && parsed.protocol !== "https:")
    throw new FieldError([field], "must be an https URL (this server only accepts https endpoints)", "url");
  if (parsed.username || parsed.password) throw new FieldError([field], "must not contain credentials", "url");
  return url;
}

/** What judging an endpoint's URL needs from the rest of the server. */
export interface UrlPolicyPorts {
  httpsOnly: boolean;
  now(): number;
  /** The inspector with this id, if any (docs/portal.md). */
  inspector(id: string): Promise<Inspector | undefined>;
  /**
   * Why delivery would refuse the URL under the SSRF policy, or null; the composition wires in
   * src/delivery/ssrf/destination-check.ts, so the rule judged here is the one delivery applies.
   */
  destinationRefusal(url: URL): Promise<string | null>;
}

/** Whether `url` is exactly the URL of a live inspector of this application (docs/portal.md). */
async function isOwnInspectorUrl(ports: UrlPolicyPorts, url: string, appId: string): Promise<boolean> {
  const at = url.indexOf(INSPECT_PATH);
  if (at === -1) return false;
  const inspector = await ports.inspector(url.slice(at + INSPECT_PATH.length));
  return (
    inspector !== undefined && inspector.url === url && inspector.appId === appId && isLive(inspector, ports.now())
  );
}

/**
 * The URL an application's endpoint may have. A URL delivery would refuse under the SSRF policy
 * (loopback, private and metadata addresses, a name resolving to one, unless
 * HOOKLINE_ALLOW_PRIVATE_NETWORKS opens it) is refused as it is set, rather than failing every
 * delivery later. `previousUrl` is the endpoint's URL before a change, if it exists already.
 */
export async function checkedUrl(
  ports: UrlPolicyPorts,
  url: string,
  appId: string,
  previousUrl?: string,
): Promise<string> {
  // A polling endpoint (src/core/polling-endpoint.ts) is never dialled: no address to check. Its
  // stream and a dialled endpoint's deliveries do not mix, so an endpoint keeps its kind.
  if (previousUrl !== undefined && isPollingUrl(previousUrl) !== isPollingUrl(url))
    throw new FieldError(
      ["url"],
      "cannot change between a polling endpoint (polling://) and one delivered over HTTP: create a new endpoint",
      "url",
    );
  if (isPollingUrl(url)) {
    const problem = pollingUrlProblem(url);
    if (problem !== null) throw new FieldError(["url"], problem, "url");
    return url;
  }
  checkUrl(url, ports.httpsOnly);
  // The application's own inspector is on Hookline's listener, which the policy refuses; delivery
  // records it without HTTP (src/delivery/inspector-delivery.ts), so it is accepted here too.
  if (await isOwnInspectorUrl(ports, url, appId)) return url;
  const refusal = await ports.destinationRefusal(new URL(url));
  if (refusal !== null) throw new FieldError(["url"], refusal, "ssrf_blocked");
  return url;
}
