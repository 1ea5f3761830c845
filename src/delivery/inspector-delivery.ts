import type { Clock } from "../core/clock.ts";
import { INSPECT_PATH, isLive, recordInspected } from "../core/inspector.ts";
import type { Store } from "../store/store.ts";
import type { LocalDelivery, SendResult } from "./http-sender.ts";

/**
 * Delivers to the consumer portal's inspectors without HTTP (docs/portal.md, "The inspector").
 *
 * An inspector's URL is on Hookline's own listener, which the SSRF guard keeps every delivery away
 * from: opening that listener to deliveries would also open the management API. So a delivery
 * whose URL is exactly a live inspector's URL is recorded directly, as the inspector's receive
 * route would record it, and answered 200; the guard keeps refusing everything else on the
 * listener. Only the exact URL Hookline handed out matches, so nothing else is short-circuited: a
 * URL elsewhere with the same path goes out over HTTP as usual. An expired inspector answers 410,
 * as its route does.
 */
export function inspectorDelivery(store: Store, clock: Clock): LocalDelivery {
  return async (url: string, headers: Record<string, string>, body: string | Buffer): Promise<SendResult | null> => {
    const at = url.indexOf(INSPECT_PATH);
    if (at === -1) return null;
    const id = url.slice(at + INSPECT_PATH.length);
    if (!id.startsWith("insp_") || id.includes("/")) return null;
    const started = performance.now();
    const respond = (statusCode: number, text: string): SendResult => ({
      statusCode,
      body: text,
      durationMs: Math.round(performance.now() - started),
      errorKind: null,
      headers: { "content-type": "application/json" },
    });
    try {
      const inspector = await store.inspectors.get(id);
      if (!inspector || inspector.url !== url) return null;
      if (!isLive(inspector, clock.now())) return respond(410, '{"code":"gone","detail":"this inspector has expired"}');
      await recordInspected(store, clock, inspector, { method: "POST", headers, body });
      return respond(200, '{"received":true}');
    } catch (error) {
      // The store failed: an attempt that failed like a network error, retried on the usual schedule.
      return {
        ...respond(0, `the inspector could not record the request: ${(error as Error).message}`),
        errorKind: "network",
      };
    }
  };
}
