/** Records of the kinds test/support/store-fixtures.ts does not build, and a seeded application, for the contract cases. */
import type { AlertRule } from "../../src/core/alert-rule.ts";
import type { BackgroundTask } from "../../src/core/background-task.ts";
import type { Endpoint, IngestLogEntry, IngestSource, Message } from "../../src/core/entities.ts";
import type { ApiToken, Store } from "../../src/store/store.ts";
import { application, endpoint, message, T0 } from "../support/store-fixtures.ts";
import { fixedId } from "./store-case.ts";

export const ingestSource = (appId: string, t: number, extra: Partial<IngestSource> = {}): IngestSource => ({
  id: fixedId("src", t),
  uid: null,
  appId,
  name: "source",
  type: "github",
  config: { secret: "s3cret", nested: { list: [1, "two", null], flag: false } },
  options: {
    dedupeWindowSeconds: 3600,
    forwardHeaders: ["x-github-event"],
    response: null,
    publicUrl: null,
    allowedIps: ["10.0.0.0/8", "list:github"],
    deniedIps: null,
  },
  metadata: { team: "core" },
  token: "tok-current",
  previousTokens: [{ token: "tok-old", expiresAt: t + 1000 }],
  createdAt: t,
  updatedAt: t,
  ...extra,
});

export const ingestLog = (sourceId: string, t: number, extra: Partial<IngestLogEntry> = {}): IngestLogEntry => ({
  id: fixedId("ilog", t),
  sourceId,
  statusCode: 200,
  outcome: "accepted",
  errorText: "",
  headers: { "content-type": "application/json", "x-github-delivery": "d-1" },
  payload: '{"zen":"é"}',
  msgId: null,
  createdAt: t,
  clientIp: "192.0.2.1",
  ...extra,
});

export const apiToken = (t: number, extra: Partial<ApiToken> = {}): ApiToken => ({
  id: fixedId("tok", t),
  tokenHash: `hash-${t}`,
  appId: null,
  name: "token",
  createdAt: t,
  expiresAt: null,
  revokedAt: null,
  allowedIps: null,
  portal: null,
  pollerEndpointId: null,
  ...extra,
});

export const backgroundTask = (t: number, extra: Partial<BackgroundTask> = {}): BackgroundTask => ({
  id: fixedId("qtask", t),
  appId: null,
  kind: "endpoint.replay",
  status: "running",
  params: { endpointId: "ep_x", since: T0, until: T0 + 1, eventTypes: ["a"], channel: null },
  cursor: null,
  data: {},
  createdAt: t,
  updatedAt: t,
  ...extra,
});

export const alertRule = (t: number, extra: Partial<AlertRule> = {}): AlertRule => ({
  id: fixedId("alert", t),
  name: "rule",
  kind: "failure_rate",
  appId: null,
  endpointId: null,
  params: { threshold: 50, windowSeconds: 300, minAttempts: 10 },
  dedupeSeconds: 600,
  disabled: false,
  createdAt: t,
  updatedAt: t,
  ...extra,
});

/** An application (id fixedId("app", t)) with `n` endpoints created at t, t+1, …, inserted. */
export async function seedApp(s: Store, n: number, t = T0, endpointExtra: Partial<Endpoint> = {}) {
  const app = application(t, { id: fixedId("app", t) });
  await s.applications.insert(app);
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < n; i++) {
    const e = endpoint(app.id, t + i, { id: fixedId("ep", t + i), ...endpointExtra });
    await s.endpoints.insert(e);
    endpoints.push(e);
  }
  return { app, endpoints };
}

/** `n` messages to every endpoint of one application (message i at T0 + 1000·(i+1)), with their deliveries. */
export async function seedDeliveries(
  s: Store,
  n: number,
  endpointCount = 2,
  extra: (i: number) => Partial<Message> = () => ({}),
) {
  const { app, endpoints } = await seedApp(s, endpointCount);
  const msgs: Message[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + 1000 * (i + 1);
    const m = message(app.id, t, { id: fixedId("msg", t), ...extra(i) });
    const deliveries = endpoints.map((e, j) => ({
      id: fixedId("dlv", t, j),
      endpointId: e.id,
      leaseOwner: null,
      leaseUntil: null,
    }));
    await s.messages.insertWithDeliveries(m, deliveries);
    msgs.push(m);
  }
  return { app, endpoints: endpoints as [Endpoint, Endpoint, ...Endpoint[]], msgs };
}

/** The id seedDeliveries gives the delivery of message `i` to endpoint `j`. */
export const dlv = (i: number, j = 0) => fixedId("dlv", T0 + 1000 * (i + 1), j);
