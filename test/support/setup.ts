import assert from "node:assert/strict";
import type { TestHookline } from "./hookline.ts";

/** Creates an application and one endpoint through the API; returns their ids and the endpoint secret. */
export async function appWithEndpoint(
  h: TestHookline,
  url: string,
  endpoint: Record<string, unknown> = {},
): Promise<{ appId: string; endpointId: string; secret: string }> {
  const app = await h.api("POST", "/api/v1/app", { name: "Test app" });
  assert.equal(app.status, 201, app.text);
  const ep = await h.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url, ...endpoint });
  assert.equal(ep.status, 201, ep.text);
  const secret = await h.api("GET", `/api/v1/app/${app.body.id}/endpoint/${ep.body.id}/secret`);
  return { appId: app.body.id, endpointId: ep.body.id, secret: secret.body.key };
}

export async function sendMessage(h: TestHookline, appId: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await h.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "test.event", payload: { n: 1 }, ...body });
  assert.equal(res.status, 202, res.text);
  return res.body.id;
}

/** The delivery state of a message at an endpoint, as the API reports it. */
export async function destination(h: TestHookline, appId: string, msgId: string, endpointId: string) {
  const res = await h.api("GET", `/api/v1/app/${appId}/msg/${msgId}/endpoint`);
  assert.equal(res.status, 200, res.text);
  const entry = res.body.data.find((d: { id: string }) => d.id === endpointId);
  assert.ok(entry, `no delivery of ${msgId} to ${endpointId}`);
  return entry as { status: number; statusText: string; nextAttempt: string | null; disabled: boolean };
}

export async function attempts(h: TestHookline, appId: string, msgId: string) {
  const res = await h.api("GET", `/api/v1/app/${appId}/attempt/msg/${msgId}?limit=250`);
  assert.equal(res.status, 200, res.text);
  // Oldest first reads more naturally in assertions.
  return (res.body.data as Record<string, unknown>[]).reverse() as {
    status: number;
    responseStatusCode: number;
    errorKind: string | null;
    triggerType: number;
    response: string;
    requestHeaders: Record<string, string>;
    url: string;
    timestamp: string;
  }[];
}

/**
 * Points an endpoint at `url` in the store, past the API, which refuses a URL the SSRF policy
 * would block: an endpoint stored before that check existed or before the allow-list narrowed
 * (or a name that resolves elsewhere by now), which delivery must still refuse on its own.
 */
export async function storeEndpointUrl(h: TestHookline, appId: string, endpointId: string, url: string): Promise<void> {
  const endpoint = await h.ctx.store.endpoints.get(appId, endpointId);
  assert.ok(endpoint, `no endpoint ${endpointId}`);
  await h.ctx.store.endpoints.update({ ...endpoint, url });
  h.ctx.endpoints.invalidate(appId);
}
