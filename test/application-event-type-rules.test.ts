import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newApplication, patchedApplication, replacedApplication } from "../src/core/applications/application-rules.ts";
import type { Application, EventType } from "../src/core/entities.ts";
import { eventTypeFields, patchedEventType } from "../src/core/event-types/event-type-rules.ts";

/** The merge rules of applications and event types (src/core/applications/, src/core/event-types/), on their own. */

const NOW = 1_800_000_000_000;

describe("application merge rules", () => {
  const existing: Application = {
    id: "app_1",
    uid: "acme",
    name: "Acme",
    throttleRate: 50,
    metadata: { plan: "pro" },
    createdAt: NOW - 1000,
    updatedAt: NOW - 1000,
  };

  it("takes Svix's v1 rateLimit and its v2 throttleRate, which wins", () => {
    assert.equal(newApplication("app_2", { name: "a", rateLimit: 5 }, NOW).throttleRate, 5);
    assert.equal(newApplication("app_2", { name: "a", rateLimit: 5, throttleRate: 7 }, NOW).throttleRate, 7);
    assert.deepEqual(newApplication("app_2", { name: "a" }, NOW), {
      id: "app_2",
      uid: null,
      name: "a",
      throttleRate: null,
      metadata: {},
      createdAt: NOW,
      updatedAt: NOW,
    });
  });

  it("PUT resets what it leaves out but the uid; PATCH keeps it, and a null rate limit clears", () => {
    const put = replacedApplication(existing, { name: "Acme 2" }, NOW);
    assert.deepEqual([put.uid, put.throttleRate, put.metadata, put.createdAt], ["acme", null, {}, existing.createdAt]);
    const patch = patchedApplication(existing, { name: "Acme 3" }, NOW);
    assert.deepEqual({ ...patch, name: existing.name, updatedAt: existing.updatedAt }, existing);
    assert.equal(patchedApplication(existing, { rateLimit: null }, NOW).throttleRate, null);
    assert.equal(patchedApplication(existing, { throttleRate: 9, rateLimit: 3 }, NOW).throttleRate, 9);
  });
});

describe("event-type merge rules", () => {
  const existing: EventType = {
    name: "invoice.paid",
    description: "paid",
    archived: true,
    deprecated: true,
    schemas: { "1": { type: "object" } },
    groupName: "billing",
    featureFlags: ["beta"],
    retrySchedule: [5],
    createdAt: NOW - 1000,
    updatedAt: NOW - 1000,
  };

  it("a create or replace takes defaults, and the single featureFlag when featureFlags is absent", () => {
    assert.deepEqual(eventTypeFields("a.b", { description: "d", featureFlag: "beta" }), {
      name: "a.b",
      description: "d",
      archived: false,
      deprecated: false,
      schemas: null,
      groupName: null,
      featureFlags: ["beta"],
      retrySchedule: null,
    });
    assert.deepEqual(eventTypeFields("a.b", { description: "d", featureFlags: ["x"], featureFlag: "y" }).featureFlags, [
      "x",
    ]);
  });

  it("PATCH keeps what it leaves out and clears what it sets to null", () => {
    assert.deepEqual({ ...patchedEventType(existing, {}, NOW), updatedAt: existing.updatedAt }, existing);
    const cleared = patchedEventType(existing, { schemas: null, groupName: null, featureFlags: null }, NOW);
    assert.deepEqual([cleared.schemas, cleared.groupName, cleared.featureFlags], [null, null, null]);
    assert.deepEqual(patchedEventType(existing, { featureFlag: "ga" }, NOW).featureFlags, ["ga"]);
    assert.equal(patchedEventType(existing, { archived: false }, NOW).archived, false);
  });
});
