import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { matchesReplay, statusCodeClass } from "../src/core/background-tasks/endpoint-replay.ts";
import { DeliveryStatus, type Endpoint } from "../src/core/entities.ts";
import { eventTypeMatches, routesTo } from "../src/core/routing.ts";
import type { SendResult } from "../src/delivery/http-sender.ts";
import { decide, retryUncontacted } from "../src/delivery/outcome.ts";
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from "../src/delivery/retry-policy.ts";
import { endpoint as storeEndpoint } from "./support/store-fixtures.ts";

/**
 * The pure rules of delivery, without a server: what an attempt's result means (outcome.ts), when
 * to retry (retry-policy.ts), which endpoints a message goes to (routing.ts) and which deliveries
 * a bulk replay picks (endpoint-replay.ts). The integration tests show them end to end; these pin
 * each rule's edges, where a wrong comparison would pass an end-to-end test by chance.
 */

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const HOUR = 3_600_000;

function endpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return storeEndpoint("app_1", NOW, {
    id: "ep_1",
    url: "https://example.com/hook",
    headers: {},
    secret: "whsec_x",
    ...overrides,
  });
}

const result = (statusCode: number, extra: Partial<SendResult> = {}): SendResult => ({
  statusCode,
  body: "",
  durationMs: 1,
  errorKind: null,
  headers: {},
  ...extra,
});

const outcome = (res: SendResult, overrides: { endpoint?: Endpoint; attemptsBefore?: number } = {}) =>
  decide({
    result: res,
    endpoint: overrides.endpoint ?? endpoint(),
    attemptsBefore: overrides.attemptsBefore ?? 0,
    trigger: 0,
    now: NOW,
    retryScheduleSeconds: [5, 300],
    endpointDisableAfterMs: 5 * 24 * HOUR,
    random: () => 0.5,
  });

describe("retry policy", () => {
  test("the schedule's delay for each retry, with jitter of ±20 %, then none", () => {
    assert.equal(
      retryDelayMs([5, 300], 1, () => 0.5),
      5_000,
    );
    assert.equal(
      retryDelayMs([5, 300], 1, () => 0),
      4_000,
    );
    assert.equal(
      retryDelayMs([5, 300], 1, () => 1),
      6_000,
    );
    assert.equal(
      retryDelayMs([5, 300], 2, () => 0.5),
      300_000,
    );
    assert.equal(
      retryDelayMs([5, 300], 3, () => 0.5),
      null,
    );
  });

  test("Retry-After as seconds or an HTTP date, capped at a day, and nothing for garbage", () => {
    assert.equal(parseRetryAfter("120", NOW), 120_000);
    assert.equal(parseRetryAfter(["7", "9"], NOW), 7_000);
    assert.equal(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW), 90_000);
    assert.equal(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW), 0);
    assert.equal(parseRetryAfter("99999999", NOW), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter("soon", NOW), null);
    assert.equal(parseRetryAfter(undefined, NOW), null);
  });
});

describe("an attempt's outcome", () => {
  test("2xx succeeds and clears the endpoint's failure streak", () => {
    const d = outcome(result(204), { endpoint: endpoint({ failingSince: NOW - HOUR }) });
    assert.equal(d.status, DeliveryStatus.Success);
    assert.equal(d.nextAttemptAt, null);
    assert.equal(d.endpointFailingSince, null);
  });

  test("a 2xx that carries an error (a refused handshake) is a failure", () => {
    const d = outcome(result(200, { errorKind: "handshake_refused" }));
    assert.notEqual(d.status, DeliveryStatus.Success);
  });

  test("5xx retries on the schedule and starts the failure streak now", () => {
    const d = outcome(result(500));
    assert.equal(d.status, DeliveryStatus.Sending);
    assert.equal(d.nextAttemptAt, NOW + 5_000);
    assert.equal(d.errorKind, "http_status");
    assert.equal(d.endpointFailingSince, NOW);
  });

  test("3xx is a redirect failure, not followed", () => {
    assert.equal(outcome(result(302)).errorKind, "redirect");
  });

  test("429 and 503 wait at least as long as Retry-After asks; other codes ignore it", () => {
    assert.equal(outcome(result(429, { headers: { "retry-after": "60" } })).nextAttemptAt, NOW + 60_000);
    assert.equal(outcome(result(503, { headers: { "retry-after": "1" } })).nextAttemptAt, NOW + 5_000);
    assert.equal(outcome(result(500, { headers: { "retry-after": "60" } })).nextAttemptAt, NOW + 5_000);
  });

  test("the schedule spent, the delivery fails for good", () => {
    const d = outcome(result(500), { attemptsBefore: 2 });
    assert.equal(d.status, DeliveryStatus.Fail);
    assert.equal(d.nextAttemptAt, null);
    assert.equal(d.disableEndpoint, false);
  });

  test("410 Gone disables the endpoint and fails the delivery at once", () => {
    const d = outcome(result(410));
    assert.equal(d.status, DeliveryStatus.Fail);
    assert.equal(d.errorKind, "endpoint_gone");
    assert.equal(d.disableEndpoint, true);
  });

  test("an endpoint failing for the whole disable window is disabled; a moment less is not", () => {
    const window = 5 * 24 * HOUR;
    assert.equal(outcome(result(500), { endpoint: endpoint({ failingSince: NOW - window }) }).disableEndpoint, true);
    assert.equal(
      outcome(result(500), { endpoint: endpoint({ failingSince: NOW - window + 1 }) }).disableEndpoint,
      false,
    );
  });

  test("an SSRF refusal fails for good and leaves the endpoint's health alone", () => {
    const d = outcome(result(0, { errorKind: "ssrf_blocked" }), { endpoint: endpoint({ failingSince: null }) });
    assert.equal(d.status, DeliveryStatus.Fail);
    assert.equal(d.endpointFailingSince, null);
    assert.equal(d.disableEndpoint, false);
  });

  test("a failure before any request follows the schedule and leaves the endpoint's health alone", () => {
    const input = { endpoint: endpoint(), now: NOW, retryScheduleSeconds: [5], random: () => 0.5 };
    const first = retryUncontacted({ ...input, attemptsBefore: 0 }, "transformation_timeout");
    assert.equal(first.nextAttemptAt, NOW + 5_000);
    assert.equal(first.endpointFailingSince, null);
    assert.equal(
      retryUncontacted({ ...input, attemptsBefore: 1 }, "transformation_timeout").status,
      DeliveryStatus.Fail,
    );
  });
});

describe("routing", () => {
  test("event-type filters: exact names, and * for any run of characters, dots included", () => {
    assert.equal(eventTypeMatches("invoice.paid", "invoice.paid"), true);
    assert.equal(eventTypeMatches("invoice.paid", "invoice.paid.late"), false);
    assert.equal(eventTypeMatches("invoice.*", "invoice.line.added"), true);
    assert.equal(eventTypeMatches("invoice.*", "invoicex"), false);
    assert.equal(eventTypeMatches("*.created", "user.created"), true);
    // Regular-expression characters in a filter are literal.
    assert.equal(eventTypeMatches("a+b.*", "aab.x"), false);
    assert.equal(eventTypeMatches("a+b.*", "a+b.x"), true);
  });

  test("a message goes to enabled endpoints whose types and channels it matches", () => {
    assert.equal(routesTo(endpoint(), "any.thing", null), true);
    assert.equal(routesTo(endpoint({ disabled: true }), "any.thing", null), false);
    assert.equal(routesTo(endpoint({ eventTypes: ["user.*"] }), "user.created", null), true);
    assert.equal(routesTo(endpoint({ eventTypes: ["user.*"] }), "order.placed", null), false);
    assert.equal(routesTo(endpoint({ eventTypes: [] }), "order.placed", null), true);
    assert.equal(routesTo(endpoint({ channels: ["eu"] }), "x", ["us", "eu"]), true);
    assert.equal(routesTo(endpoint({ channels: ["eu"] }), "x", ["us"]), false);
    assert.equal(routesTo(endpoint({ channels: ["eu"] }), "x", null), false);
    assert.equal(routesTo(endpoint(), "x", ["eu"]), true, "an endpoint without channels takes every channel");
  });
});

describe("bulk replay selection", () => {
  const row = { id: "dlv_1", msgId: "msg_1", status: 2, eventType: "a.b", channels: ["eu"], tags: ["vip"] };
  const params = { endpointId: "ep_1", since: 0, until: NOW };

  test("status code classes: none for no response, else the hundred", () => {
    assert.equal(statusCodeClass(null), 0);
    assert.equal(statusCodeClass(0), 0);
    assert.equal(statusCodeClass(204), 200);
    assert.equal(statusCodeClass(599), 500);
  });

  test("every filter given narrows the replay; none given takes everything", () => {
    const failed500 = { ...row, lastStatusCode: 500 };
    assert.equal(matchesReplay(failed500, params), true);
    assert.equal(matchesReplay(failed500, { ...params, eventTypes: ["a.b"] }), true);
    assert.equal(matchesReplay(failed500, { ...params, eventTypes: ["c.d"] }), false);
    assert.equal(matchesReplay(failed500, { ...params, channel: "us" }), false);
    assert.equal(matchesReplay(failed500, { ...params, tag: "vip" }), true);
    assert.equal(matchesReplay(failed500, { ...params, status: 0 }), false);
    assert.equal(matchesReplay(failed500, { ...params, statusCodeClass: 500 }), true);
    assert.equal(matchesReplay(failed500, { ...params, statusCodeClass: 400 }), false);
    assert.equal(matchesReplay({ ...row, lastStatusCode: null }, { ...params, statusCodeClass: 0 }), true);
  });
});
