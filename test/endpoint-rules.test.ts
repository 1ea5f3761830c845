import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Endpoint } from "../src/core/entities.ts";
import { FieldError } from "../src/core/errors.ts";
import { checkUrl } from "../src/core/endpoints/endpoint-url.ts";
import { checkEventTypesExist, checkRequestedEventTypes } from "../src/core/endpoints/event-type-filter.ts";
import { examplePayload } from "../src/core/endpoints/example-payload.ts";
import { checkHeaders, patchedHeaders } from "../src/core/endpoints/header-rules.ts";
import { newEndpoint, patchedEndpoint, replacedEndpoint } from "../src/core/endpoints/merge-rules.ts";
import { checkSecret, DEFAULT_GRACE_SECONDS, secretsAfterRotation } from "../src/core/endpoints/secret-rules.ts";
import { patchedTransformation } from "../src/core/endpoints/transformation-rules.ts";

/** The endpoint rules of src/core/endpoints/, on their own (the API tests drive them end to end). */

const NOW = 1_800_000_000_000;
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const existing: Endpoint = {
  id: "ep_1",
  appId: "app_1",
  uid: "billing",
  url: "https://example.com/hook",
  description: "billing events",
  version: 3,
  disabled: true,
  throttleRate: 10,
  eventTypes: ["invoice.paid"],
  channels: ["eu"],
  metadata: { team: "billing" },
  headers: { "X-Region": "eu" },
  secret: SECRET,
  previousSecrets: [],
  failingSince: NOW - 60_000,
  options: {
    filter: "payload.amount > 10",
    format: "cloudevents-binary",
    ordered: true,
    cloudEventsHandshake: true,
    transformation: { code: "payload", enabled: true, variables: null, updatedAt: NOW - 1 },
  },
  handshakeValidatedAt: null,
  createdAt: NOW - 3_600_000,
  updatedAt: NOW - 3_600_000,
};

/** A validator for assert.throws: a 422 on this field (and of this type). */
const refusal = (loc: (string | number)[], type?: string) => (error: unknown) => {
  assert.ok(error instanceof FieldError, String(error));
  assert.deepEqual(error.loc, loc);
  if (type) assert.equal(error.type, type);
  return true;
};

describe("endpoint merge rules", () => {
  it("a new endpoint takes the defaults of what it leaves out", () => {
    const e = newEndpoint(
      { id: "ep_2", appId: "app_1", uid: null },
      { url: "https://a.example" },
      {
        url: "https://a.example",
        secret: SECRET,
      },
      NOW,
    );
    assert.equal(e.description, "");
    assert.equal(e.version, 1);
    assert.equal(e.disabled, false);
    assert.equal(e.throttleRate, null);
    assert.equal(e.eventTypes, null);
    assert.deepEqual(e.headers, {});
    assert.deepEqual(e.options, { filter: null, format: "standard", ordered: false, cloudEventsHandshake: false });
    assert.equal(e.createdAt, NOW);
  });

  it("accepts both generations of Svix names, the v2 name first", () => {
    const ids = { id: "ep_2", appId: "app_1", uid: null };
    const checked = { url: "https://a.example", secret: SECRET };
    const v1 = newEndpoint(ids, { url: "x", filterTypes: ["a", "a", "b"], rateLimit: 5 }, checked, NOW);
    assert.deepEqual([v1.eventTypes, v1.throttleRate], [["a", "b"], 5]);
    const both = newEndpoint(
      ids,
      { url: "x", eventTypes: ["v2"], filterTypes: ["v1"], throttleRate: 7, rateLimit: 5 },
      checked,
      NOW,
    );
    assert.deepEqual([both.eventTypes, both.throttleRate], [["v2"], 7]);
    assert.equal(newEndpoint(ids, { url: "x", eventTypes: [] }, checked, NOW).eventTypes, null, "[] is no filter");
  });

  it("PUT resets what it leaves out, but keeps the uid, version, headers, secret and transformation", () => {
    const put = replacedEndpoint(existing, { url: "https://b.example" }, { url: "https://b.example" }, NOW);
    assert.equal(put.url, "https://b.example");
    assert.equal(put.description, "");
    assert.equal(put.disabled, false);
    assert.equal(put.failingSince, existing.failingSince, "only an explicit disabled: false resets the streak");
    assert.equal(put.throttleRate, null);
    assert.equal(put.eventTypes, null);
    assert.equal(put.channels, null);
    assert.deepEqual(put.metadata, {});
    assert.deepEqual(
      [put.uid, put.version, put.headers, put.secret],
      [existing.uid, existing.version, existing.headers, existing.secret],
    );
    assert.deepEqual(put.options, {
      transformation: existing.options.transformation,
      filter: null,
      format: "standard",
      ordered: false,
      cloudEventsHandshake: false,
    });
    assert.equal(put.updatedAt, NOW);
    const enabled = replacedEndpoint(existing, { url: "x", disabled: false }, { url: "x" }, NOW);
    assert.equal(enabled.failingSince, null);
  });

  it("PATCH changes only what it names; null clears, and re-enabling starts the failure streak afresh", () => {
    const same = patchedEndpoint(existing, {}, { url: existing.url }, NOW);
    assert.deepEqual({ ...same, updatedAt: existing.updatedAt }, existing);
    const cleared = patchedEndpoint(
      existing,
      { throttleRate: null, filterTypes: null, channels: null },
      { url: existing.url },
      NOW,
    );
    assert.deepEqual([cleared.throttleRate, cleared.eventTypes, cleared.channels], [null, null, null]);
    const v1 = patchedEndpoint(existing, { rateLimit: 3, filterTypes: ["x"] }, { url: existing.url }, NOW);
    assert.deepEqual([v1.throttleRate, v1.eventTypes], [3, ["x"]]);
    const enabled = patchedEndpoint(existing, { disabled: false, ordered: false }, { url: existing.url }, NOW);
    assert.equal(enabled.failingSince, null);
    assert.deepEqual(enabled.options, { ...existing.options, ordered: false });
  });
});

describe("endpoint secret rules", () => {
  it("keeps the outgoing secret for the grace period, 24 hours unless asked otherwise", () => {
    assert.deepEqual(secretsAfterRotation(existing, NOW, undefined), [
      { key: SECRET, expiresAt: NOW + DEFAULT_GRACE_SECONDS * 1000 },
    ]);
    assert.deepEqual(secretsAfterRotation(existing, NOW, 60), [{ key: SECRET, expiresAt: NOW + 60_000 }]);
    assert.deepEqual(secretsAfterRotation(existing, NOW, 0), [], "no grace: the old secret stops at once");
  });

  it("drops earlier secrets whose grace ran out and keeps the others", () => {
    const endpoint = {
      secret: SECRET,
      previousSecrets: [
        { key: "whsec_old", expiresAt: NOW },
        { key: "whsec_live", expiresAt: NOW + 1 },
      ],
    };
    assert.deepEqual(
      secretsAfterRotation(endpoint, NOW, 10).map((p) => p.key),
      ["whsec_live", SECRET],
    );
  });

  it("stores a bare base64 secret with its whsec_ prefix and refuses a malformed one", () => {
    assert.equal(checkSecret(SECRET.slice("whsec_".length), "secret"), SECRET);
    assert.equal(checkSecret(null, "secret"), null);
    assert.throws(() => checkSecret("whsec_short", "key"), refusal(["key"], "secret"));
  });
});

describe("endpoint header rules", () => {
  it("PATCH sets, removes with null and with deleteHeaders, and keeps the rest", () => {
    const headers = patchedHeaders({ A: "1", B: "2", C: "3" }, { A: "one", B: null, D: "4" }, ["C"]);
    assert.deepEqual(headers, { A: "one", D: "4" });
  });

  it("refuses reserved names, but lets a reserved prefix be removed", () => {
    assert.throws(() => checkHeaders({ "webhook-id": "x" }), refusal(["headers", "webhook-id"], "header_reserved"));
    assert.throws(() => checkHeaders({ "x-amz-date": "x" }), refusal(["headers", "x-amz-date"], "header_reserved"));
    assert.doesNotThrow(() => checkHeaders({ "x-amz-date": null }));
    assert.throws(() => checkHeaders({ upgrade: "h2c" }), refusal(["headers", "upgrade"], "header_hop_by_hop"));
  });
});

describe("endpoint URL form", () => {
  it("takes absolute http(s) URLs without credentials, https only when the server says so", () => {
    assert.equal(checkUrl("http://example.com/x", false), "http://example.com/x");
    assert.throws(() => checkUrl("http://example.com/x", true), refusal(["url"], "url"));
    assert.throws(() => checkUrl("ftp://example.com", false), refusal(["url"], "url"));
    assert.throws(() => checkUrl("https://u:p@example.com", false), refusal(["url"], "url"));
    assert.throws(() => checkUrl("/relative", false, "endpoints"), refusal(["endpoints"], "url"));
  });
});

describe("endpoint event-type filter", () => {
  const catalog = (names: string[], hidden: string[] = []) => ({
    get: async (name: string) =>
      names.includes(name) ? ({ name, featureFlags: hidden.includes(name) ? ["beta"] : null } as never) : undefined,
    shows: (t: { name: string }) => !hidden.includes(t.name),
  });

  it("refuses names that do not exist or that the caller cannot see, but not patterns or names already there", async () => {
    const view = catalog(["invoice.paid", "beta.thing"], ["beta.thing"]);
    await checkEventTypesExist(view, "eventTypes", ["invoice.paid", "invoice.*"]);
    await assert.rejects(
      checkEventTypesExist(view, "eventTypes", ["invoice.paid", "invoice.typo"]),
      refusal(["eventTypes", "1"], "event_type_unknown"),
    );
    await assert.rejects(checkEventTypesExist(view, "eventTypes", ["beta.thing"]), refusal(["eventTypes", "0"]));
    await checkEventTypesExist(view, "eventTypes", ["gone.type"], ["gone.type"]);
  });

  it("reports the field the caller used", async () => {
    await assert.rejects(
      checkRequestedEventTypes(catalog([]), { filterTypes: ["nope"] }),
      refusal(["filterTypes", "0"]),
    );
    await assert.rejects(
      checkRequestedEventTypes(catalog([]), { eventTypes: ["nope"], filterTypes: ["x"] }),
      refusal(["eventTypes", "0"]),
    );
  });
});

describe("endpoint transformation and example rules", () => {
  it("a patch keeps what it leaves out, guesses the language of new code, and needs code to enable", () => {
    const current = existing.options.transformation;
    const js = patchedTransformation(current, { code: "function handler(webhook) { return webhook; }" }, NOW);
    assert.deepEqual([js.language, js.enabled, js.updatedAt], ["javascript", true, NOW]);
    const off = patchedTransformation(current, { enabled: false }, NOW);
    assert.deepEqual([off.code, off.language], ["payload", "jsonata"]);
    assert.throws(() => patchedTransformation(undefined, { enabled: true }, NOW), refusal(["code"], "missing"));
  });

  it("sends the event type's example, or a placeholder, and refuses an example that is not an object", () => {
    const schemas = { "1": { examples: [{ id: "in_1" }, [1, 2]] } };
    assert.deepEqual(examplePayload({ schemas }, "invoice.paid", 0, "2027-01-15T08:00:00.000Z"), { id: "in_1" });
    assert.deepEqual(examplePayload({ schemas: null }, "invoice.paid", 0, "t"), {
      type: "invoice.paid",
      example: true,
      timestamp: "t",
    });
    assert.throws(() => examplePayload({ schemas }, "invoice.paid", 1, "t"), refusal(["eventType"], "value_error"));
  });
});
