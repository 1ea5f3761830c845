import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  binOf,
  DURATION_BOUNDS_MS,
  outcomeClassOf,
  quantileOf,
  sampleOf,
  type OutcomeClass,
} from "../src/core/attempt-stats.ts";
import { DeliveryStatus, type Attempt, type ErrorKind } from "../src/core/entities.ts";
import { idFloorAt, newId } from "../src/core/ids.ts";
import { partsOf, statsRowsOf, STATS_BUCKET_MS } from "../src/store/rows/attempt-stats.ts";

const failed = (errorKind: ErrorKind, responseStatusCode = 0) => ({
  status: DeliveryStatus.Fail as Attempt["status"],
  errorKind,
  responseStatusCode,
});

describe("attempt stats classes and histograms", () => {
  it("puts every error kind in one documented class", () => {
    const expected: Record<ErrorKind, OutcomeClass> = {
      http_status: "http5xx",
      redirect: "otherError",
      timeout: "timeout",
      connection_refused: "network",
      connection_reset: "network",
      dns: "network",
      tls: "network",
      network: "network",
      endpoint_gone: "http4xx",
      endpoint_disabled: "otherError",
      invalid_url: "otherError",
      payload_expunged: "otherError",
      filtered: "otherError",
      filter_error: "otherError",
      transformation_error: "otherError",
      transformation_timeout: "otherError",
      handshake_refused: "otherError",
      ssrf_blocked: "ssrfBlocked",
    };
    for (const [kind, cls] of Object.entries(expected) as [ErrorKind, OutcomeClass][])
      assert.equal(outcomeClassOf(failed(kind, kind === "endpoint_gone" ? 410 : 503)), cls, kind);
    assert.equal(outcomeClassOf(failed("http_status", 404)), "http4xx");
    assert.equal(outcomeClassOf(failed("http_status", 429)), "http4xx");
    assert.equal(outcomeClassOf(failed("http_status", 500)), "http5xx");
    assert.equal(
      outcomeClassOf(failed("handshake_refused", 403)),
      "otherError",
      "a status alone is not an HTTP failure",
    );
    assert.equal(
      outcomeClassOf({ status: DeliveryStatus.Success, errorKind: null, responseStatusCode: 204 }),
      "success",
    );
    assert.equal(
      outcomeClassOf({ status: DeliveryStatus.Canceled, errorKind: "filtered", responseStatusCode: 0 }),
      "canceled",
    );
  });

  it("bins durations by inclusive upper bounds, with an overflow bin", () => {
    assert.equal(binOf(DURATION_BOUNDS_MS, 0), 0);
    assert.equal(binOf(DURATION_BOUNDS_MS, 1), 0);
    assert.equal(binOf(DURATION_BOUNDS_MS, 2), 1);
    assert.equal(binOf(DURATION_BOUNDS_MS, 100), DURATION_BOUNDS_MS.indexOf(100));
    assert.equal(binOf(DURATION_BOUNDS_MS, 101), DURATION_BOUNDS_MS.indexOf(200));
    assert.equal(binOf(DURATION_BOUNDS_MS, 60_001), DURATION_BOUNDS_MS.length);
  });

  it("reports a quantile as its bin's bound, capped by the largest value, and the largest in the overflow bin", () => {
    const bins = new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0);
    bins[binOf(DURATION_BOUNDS_MS, 40)] = 90;
    bins[DURATION_BOUNDS_MS.length] = 10;
    assert.equal(quantileOf(bins, DURATION_BOUNDS_MS, 95_000, 0.5), 50);
    assert.equal(quantileOf(bins, DURATION_BOUNDS_MS, 95_000, 0.9), 50);
    assert.equal(quantileOf(bins, DURATION_BOUNDS_MS, 95_000, 0.91), 95_000);
    assert.equal(
      quantileOf(
        bins.map(() => 0),
        DURATION_BOUNDS_MS,
        0,
        0.5,
      ),
      null,
    );
    const one = bins.map(() => 0);
    one[binOf(DURATION_BOUNDS_MS, 42)] = 1;
    assert.equal(quantileOf(one, DURATION_BOUNDS_MS, 42, 0.99), 42, "never above the largest value seen");
  });

  it("times only requests, and end to end only scheduled successes", () => {
    const t = Date.parse("2026-03-01T10:00:00Z");
    const base: Attempt = {
      id: newId("atmpt", t),
      appId: "app_a",
      msgId: idFloorAt("msg", t - 250),
      endpointId: "ep_a",
      url: "",
      status: DeliveryStatus.Success,
      responseStatusCode: 200,
      response: null,
      responseDurationMs: 30,
      triggerType: 0,
      errorKind: null,
      requestHeaders: {},
      responseHeaders: null,
      createdAt: t,
    };
    assert.equal(sampleOf(base).endToEndMs, 280);
    assert.equal(sampleOf({ ...base, triggerType: 1 }).endToEndMs, null, "a manual resend");
    assert.equal(sampleOf({ ...base, status: DeliveryStatus.Fail, errorKind: "ssrf_blocked" }).durationMs, null);
    assert.equal(sampleOf({ ...base, status: DeliveryStatus.Fail, errorKind: "timeout" }).durationMs, 30);

    // Rolled up three ways: the endpoint's minute, the application's, the instance's.
    const rows = statsRowsOf([base, { ...base, endpointId: "ep_b" }, { ...base, createdAt: t + STATS_BUCKET_MS }]);
    const key = (r: (typeof rows)[number]) => `${r.appId}/${r.endpointId}/${r.bucketStart - t}`;
    assert.deepEqual(rows.map(key), [
      "/" + "/0",
      "/" + "/60000",
      "app_a//0",
      "app_a//60000",
      "app_a/ep_a/0",
      "app_a/ep_a/60000",
      "app_a/ep_b/0",
    ]);
    assert.equal(partsOf(rows[0]!).outcomes.success, 2);
    assert.equal(partsOf(rows[2]!).outcomes.success, 2);
    assert.equal(partsOf(rows[4]!).outcomes.success, 1);
  });
});
