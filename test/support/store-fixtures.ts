/**
 * Records and page helpers for tests that speak to a Store directly (test/store-postgres.test.ts,
 * test/store-contract/): a valid record of each kind, overridable field by field, and a walk over
 * a listing's pages in both directions.
 */
import {
  DeliveryStatus,
  TriggerType,
  type Application,
  type Attempt,
  type Endpoint,
  type Message,
} from "../../src/core/entities.ts";
import { ApiError } from "../../src/core/errors.ts";
import { newId } from "../../src/core/ids.ts";
import type { DeliveryOutcome, NewDelivery, Ordering, Page, PageRequest } from "../../src/store/store.ts";

/** A fixed time (2023-11-14) the fixtures' records are created around. */
export const T0 = 1_700_000_000_000;

export const application = (t: number, extra: Partial<Application> = {}): Application => ({
  id: newId("app", t),
  uid: null,
  name: "app",
  throttleRate: null,
  metadata: { zeta: "1", alpha: "2" },
  createdAt: t,
  updatedAt: t,
  ...extra,
});

export const endpoint = (appId: string, t: number, extra: Partial<Endpoint> = {}): Endpoint => ({
  id: newId("ep", t),
  appId,
  uid: null,
  url: "https://example.test/hook",
  description: "",
  version: 1,
  disabled: false,
  throttleRate: null,
  eventTypes: null,
  channels: null,
  metadata: {},
  headers: { "x-b": "2", "x-a": "1" },
  secret: "whsec_c2VjcmV0",
  previousSecrets: [],
  failingSince: null,
  options: {},
  handshakeValidatedAt: null,
  createdAt: t,
  updatedAt: t,
  ...extra,
});

export const message = (appId: string, t: number, extra: Partial<Message> = {}): Message => ({
  id: newId("msg", t),
  appId,
  eventType: "user.created",
  eventId: null,
  payload: '{"n":1}',
  channels: null,
  tags: null,
  payloadExpiresAt: null,
  deliverAt: null,
  inbound: null,
  traceparent: null,
  tracestate: null,
  createdAt: t,
  ...extra,
});

export const newDelivery = (endpointId: string, t: number, lease?: { owner: string; until: number }): NewDelivery => ({
  id: newId("dlv", t),
  endpointId,
  leaseOwner: lease?.owner ?? null,
  leaseUntil: lease?.until ?? null,
});

export const attempt = (m: Message, endpointId: string, t: number, extra: Partial<Attempt> = {}): Attempt => ({
  id: newId("atmpt", t),
  appId: m.appId,
  msgId: m.id,
  endpointId,
  url: "https://example.test/hook",
  status: DeliveryStatus.Fail,
  responseStatusCode: 500,
  response: "oops",
  responseDurationMs: 12,
  triggerType: TriggerType.Scheduled,
  errorKind: "http_status",
  requestHeaders: { "webhook-id": m.id, "content-type": "application/json" },
  responseHeaders: { "content-type": "text/plain" },
  createdAt: t,
  ...extra,
});

export const outcome = (deliveryId: string, a: Attempt, extra: Partial<DeliveryOutcome> = {}): DeliveryOutcome => ({
  deliveryId,
  attempt: a,
  status: DeliveryStatus.Success,
  nextAttemptAt: null,
  endpointFailingSince: null,
  disableEndpoint: false,
  ...extra,
});

export const req = (limit: number, order: Ordering = "ascending", iterator: string | null = null): PageRequest => ({
  limit,
  iterator,
  order,
});

/** Walks a listing forward to `done`, then back from the last page via prevIterator to the start. */
export async function walk<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
  order: Ordering,
): Promise<{ forward: Page<T>[]; backward: Page<T>[] }> {
  const forward: Page<T>[] = [];
  let iterator: string | null = null;
  for (let i = 0; i < 200; i++) {
    const page: Page<T> = await list(req(limit, order, iterator));
    forward.push(page);
    if (page.done) break;
    iterator = page.iterator;
  }
  const backward: Page<T>[] = [];
  let prev = forward[forward.length - 1]!.prevIterator;
  for (let i = 0; i < 200 && prev !== null; i++) {
    const page: Page<T> = await list(req(limit, order, prev));
    if (page.data.length === 0) break;
    backward.push(page);
    prev = page.prevIterator;
  }
  return { forward, backward };
}

export const bytewise = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => bytewise(a.id, b.id));

/** How a promise failed: an ApiError's status and code, another error's text, or "resolved". */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error instanceof ApiError ? { status: error.statusCode, code: error.code } : String(error);
  }
  return "resolved";
}
