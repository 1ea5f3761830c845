import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PORTAL_CAPABILITIES, PORTAL_ROUTES, type PortalCapability } from "../src/api/portal-capabilities.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

/** Calls the API with a given bearer token. */
async function as(h: TestHookline, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(h.url + p, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed };
}

/**
 * The consumer portal's capabilities, enforced by the API for every route (portal-capabilities.ts):
 * the test walks the server's whole route table, so a route added without a rule shows up here as
 * refused to portal sessions, and each capability's absence refuses exactly the routes that need it.
 */
describe("consumer-portal capabilities over the whole route table", () => {
  let h: TestHookline;
  let receiver: Receiver;
  let appId: string;
  let endpointId: string;
  let msgId: string;
  let attemptId: string;
  let inspectorId: string;

  async function portalToken(fields: Record<string, unknown>): Promise<string> {
    const res = await h.api("POST", `/api/v1/auth/app-portal-access/${appId}`, fields);
    assert.equal(res.status, 200, res.text);
    return res.body.token;
  }

  /** The route's URL with real ids of the portal's application filled in. */
  function concrete(url: string): string {
    const ids: Record<string, string> = {
      app_id: appId,
      endpoint_id: endpointId,
      msg_id: msgId,
      attempt_id: attemptId,
      event_type_name: "invoice.paid",
      inspector_id: inspectorId,
    };
    return url
      .split("/")
      .map((segment) =>
        segment.startsWith(":") ? (ids[segment.slice(1)] ?? "unknown_id") : segment === "*" ? "x" : segment,
      )
      .join("/");
  }

  const bodyFor = (method: string) => (["POST", "PUT", "PATCH"].includes(method) ? {} : undefined);
  /**
   * Every route that takes a token. Destructive routes run last, so the resources the others name
   * still exist; logout is left out of the loops (it would end the session mid-walk) and has its
   * own test.
   */
  const routes = () =>
    h.http
      .routeList()
      .filter((r) => !r.public && r.method !== "HEAD" && r.method !== "OPTIONS")
      .filter((r) => r.url !== "/api/v1/auth/logout")
      .sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({}, { pollIntervalMs: 50 });
    const et = await h.api("POST", "/api/v1/event-type", {
      name: "invoice.paid",
      description: "An invoice was paid",
      schemas: { "1": { type: "object", examples: [{ id: "in_1" }] } },
    });
    assert.equal(et.status, 201, et.text);
    ({ appId, endpointId } = await appWithEndpoint(h, receiver.url));
    msgId = await sendMessage(h, appId, { eventType: "invoice.paid" });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = await h.api("GET", `/api/v1/app/${appId}/attempt/msg/${msgId}`);
      if (list.body?.data?.length) {
        attemptId = list.body.data[0].id;
        break;
      }
      assert.ok(Date.now() < deadline, "the message was never attempted");
      await new Promise((r) => setTimeout(r, 50));
    }
    const inspector = await h.api("POST", `/api/v1/app/${appId}/inspector`);
    assert.equal(inspector.status, 201, inspector.text);
    inspectorId = inspector.body.id;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("lists only routes the server has, each naming the portal's own application or the catalog", () => {
    const known = new Set(h.http.routeList().map((r) => `${r.method} ${r.url}`));
    for (const key of Object.keys(PORTAL_ROUTES)) {
      assert.ok(known.has(key), `${key} is in the portal's table but not a route`);
      const url = key.split(" ")[1]!;
      assert.ok(
        url.startsWith("/api/v1/app/:app_id") ||
          url.startsWith("/api/v1/event-type") ||
          // Scoped by the routes themselves to the session's own application's tasks.
          url.startsWith("/api/v1/background-task") ||
          url === "/api/v1/auth/logout" ||
          url === "/api/v1/auth/portal-session",
        `${key} does not name the token's application`,
      );
    }
  });

  it("refuses every route missing from the table to a session holding every capability", async () => {
    const token = await portalToken({});
    const unlisted = routes().filter((r) => PORTAL_ROUTES[`${r.method} ${r.url}`] === undefined);
    assert.ok(unlisted.length > 30, `only ${unlisted.length} unlisted routes: the route table was not read`);
    for (const route of unlisted) {
      const res = await as(h, token, route.method, concrete(route.url), bodyFor(route.method));
      assert.equal(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
      assert.equal(res.body.code, "portal_route_not_allowed", `${route.method} ${route.url}`);
    }
  });

  for (const capability of PORTAL_CAPABILITIES.filter((c) => c !== "ViewBase")) {
    it(`without ${capability}, refuses every route that only it (or another withheld one) allows`, async () => {
      const granted = PORTAL_CAPABILITIES.filter((c) => c !== capability);
      // Reading the secret is also allowed by rotating it, and both by ManageEndpoint: those are
      // withheld alongside, so that the routes only they allow are refused.
      const withheld: PortalCapability[] =
        capability === "ViewEndpointSecret"
          ? [capability, "ManageEndpointSecret", "ManageEndpoint"]
          : capability === "ManageEndpointSecret"
            ? [capability, "ManageEndpoint"]
            : [capability];
      const token = await portalToken({ capabilities: granted.filter((c) => !withheld.includes(c)) });
      let refused = 0;
      for (const route of routes()) {
        const rule = PORTAL_ROUTES[`${route.method} ${route.url}`];
        if (!rule || !rule.anyOf.includes(capability)) continue;
        const allowedAnyway = rule.anyOf.some((c) => c !== capability && !withheld.includes(c));
        const res = await as(h, token, route.method, concrete(route.url), bodyFor(route.method));
        if (allowedAnyway) {
          assert.notEqual(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
        } else {
          assert.equal(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
          assert.equal(res.body.code, "capability_required");
          assert.match(res.body.detail, new RegExp(capability));
          refused++;
        }
      }
      assert.ok(refused > 0, `no route needs ${capability}`);
    });
  }

  it("a session with only ViewBase reads but is refused every route needing more", async () => {
    const token = await portalToken({ capabilities: ["ViewBase"] });
    for (const route of routes()) {
      const rule = PORTAL_ROUTES[`${route.method} ${route.url}`];
      if (!rule) continue;
      const res = await as(h, token, route.method, concrete(route.url), bodyFor(route.method));
      if (rule.anyOf.includes("ViewBase")) {
        assert.notEqual(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
        assert.ok(res.status < 500, `${route.method} ${route.url}: ${res.text}`);
      } else {
        assert.equal(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
        assert.equal(res.body.code, "capability_required");
      }
    }
  });

  it("readOnly refuses every route that changes something, whatever the capabilities", async () => {
    const token = await portalToken({ readOnly: true });
    let refused = 0;
    for (const route of routes()) {
      const rule = PORTAL_ROUTES[`${route.method} ${route.url}`];
      if (!rule) continue;
      const res = await as(h, token, route.method, concrete(route.url), bodyFor(route.method));
      if (rule.changes) {
        assert.equal(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
        assert.equal(res.body.code, "read_only");
        refused++;
      } else {
        assert.notEqual(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
      }
    }
    assert.equal(refused, Object.values(PORTAL_ROUTES).filter((rule) => rule.changes).length);
  });

  it("a session of another application cannot name this one, whatever its capabilities", async () => {
    const other = await h.api("POST", "/api/v1/app", { name: "Other" });
    const res = await h.api("POST", `/api/v1/auth/app-portal-access/${other.body.id}`, {});
    const token = res.body.token;
    for (const p of [`/api/v1/app/${appId}/endpoint`, `/api/v1/app/${appId}/inspector/${inspectorId}`]) {
      const read = await as(h, token, "GET", p);
      assert.equal(read.status, 404, read.text);
    }
  });

  it("a session with every capability may call every route in the table", async () => {
    const token = await portalToken({});
    for (const route of routes()) {
      if (PORTAL_ROUTES[`${route.method} ${route.url}`] === undefined) continue;
      const res = await as(h, token, route.method, concrete(route.url), bodyFor(route.method));
      assert.notEqual(res.status, 403, `${route.method} ${route.url}: ${res.text}`);
      assert.notEqual(res.status, 401, `${route.method} ${route.url}: ${res.text}`);
      assert.ok(res.status < 500, `${route.method} ${route.url}: ${res.text}`);
    }
  });

  it("logout ends the portal session that calls it, even a read-only one without capabilities", async () => {
    const token = await portalToken({ readOnly: true, capabilities: [] });
    const out = await as(h, token, "POST", "/api/v1/auth/logout");
    assert.equal(out.status, 204, out.text);
    const after = await as(h, token, "GET", `/api/v1/app/${appId}`);
    assert.equal(after.status, 401, after.text);
  });
});
