import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { closedBodySchema } from "../src/api/unknown-fields.ts";
import { startTestHookline, type ApiResponse, type TestHookline } from "./support/hookline.ts";

/**
 * A request body names only fields its schema lists: a misspelt field is refused with 422 naming
 * it and the closest known field, instead of being dropped (src/api/unknown-fields.ts). Objects
 * whose keys are the caller's own (payloads, metadata, headers, configs) stay open, and every field
 * of Svix's schemas is accepted, used or not.
 */
describe("unknown fields in request bodies", () => {
  let h: TestHookline;
  let appId: string;

  before(async () => {
    h = await startTestHookline();
    const app = await h.api("POST", "/api/v1/app", { name: "Acme", uid: "acme" });
    assert.equal(app.status, 201, app.text);
    appId = app.body.id;
  });
  after(async () => {
    await h?.close();
  });

  function refused(res: ApiResponse): { loc: string[]; msg: string; type: string }[] {
    assert.equal(res.status, 422, res.text);
    return res.body.detail;
  }

  it("refuses a misspelt endpoint field with the known one suggested, and creates nothing", async () => {
    const res = await h.api("POST", `/api/v1/app/${appId}/endpoint`, {
      url: "http://127.0.0.1:9/hook",
      filtertypes: ["invoice.paid"],
    });
    assert.deepEqual(refused(res), [
      {
        loc: ["body", "filtertypes"],
        msg: 'unknown field "filtertypes" (did you mean filterTypes?)',
        type: "extra_forbidden",
      },
    ]);
    const list = await h.api("GET", `/api/v1/app/${appId}/endpoint`);
    assert.equal(list.body.data.length, 0, "no endpoint subscribed to every event type");
  });

  it("names every unknown field of the object at once, and lists the known ones when nothing is close", async () => {
    const res = await h.api("POST", "/api/v1/event-type", {
      name: "a.b",
      description: "x",
      groupname: "g",
      colour: "red",
    });
    const detail = refused(res);
    assert.deepEqual(
      detail.map((d) => d.loc),
      [
        ["body", "groupname"],
        ["body", "colour"],
      ],
    );
    assert.match(detail[0]!.msg, /did you mean groupName\?/);
    assert.match(detail[1]!.msg, /unknown field "colour"; the known fields here are: name, description, archived/);
  });

  it("names a misspelt required field beside the missing one", async () => {
    const detail = refused(await h.api("POST", "/api/v1/event-type", { name: "a.b", descripton: "x" }));
    assert.deepEqual(
      detail.map((d) => [d.loc, d.type]),
      [
        [["body", "description"], "required"],
        [["body", "descripton"], "extra_forbidden"],
      ],
    );
    assert.match(detail[1]!.msg, /did you mean description\?/);
  });

  it("checks nested objects and nullable objects, on create, replace and patch", async () => {
    const nested = await h.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "a.b",
      payload: {},
      application: { name: "x", nmae: "y" },
    });
    assert.deepEqual(refused(nested)[0]!.loc, ["body", "application", "nmae"]);

    const source = await h.api("POST", "/ingest/api/v1/source", {
      name: "GitHub",
      type: "github",
      config: { secret: "s3cret-s3cret" },
      response: { status: 202, bdy: "thanks" },
    });
    const [problem] = refused(source);
    assert.deepEqual(problem!.loc, ["body", "response", "bdy"]);
    assert.match(problem!.msg, /did you mean body\?/);

    const put = await h.api("PUT", `/api/v1/app/${appId}`, { name: "Acme", metdata: {} });
    assert.match(refused(put)[0]!.msg, /did you mean metadata\?/);
    const patch = await h.api("PATCH", `/api/v1/app/${appId}`, { Name: "Acme" });
    assert.match(refused(patch)[0]!.msg, /did you mean name\?/);
  });

  it("leaves the caller's own keys alone: payload, metadata, headers, provider config, variables", async () => {
    const endpoint = await h.api("POST", `/api/v1/app/${appId}/endpoint`, {
      url: "http://127.0.0.1:9/hook",
      metadata: { anyKey: "v" },
      headers: { "X-Anything": "v" },
    });
    assert.equal(endpoint.status, 201, endpoint.text);
    const message = await h.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "a.b",
      payload: { filtertypes: 1, nested: { whatever: true } },
    });
    assert.equal(message.status, 202, message.text);
    const transformation = await h.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpoint.body.id}/transformation`, {
      // No code: checking an expression needs a sandbox process, which this test does not.
      variables: { anyName: "1" },
    });
    assert.equal(transformation.status, 204, transformation.text);
    const source = await h.api("POST", "/ingest/api/v1/source", {
      name: "GitHub",
      type: "github",
      config: { secret: "s3cret-s3cret" },
    });
    assert.equal(source.status, 201, source.text);
  });

  it("accepts the fields of Svix's schemas that Hookline does not use", async () => {
    const message = await h.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "a.b",
      payload: {},
      transformationsParams: { anything: 1 },
    });
    assert.equal(message.status, 202, message.text);
    const portal = await h.api("POST", "/api/v1/auth/app-portal-access/new-app", {
      application: { name: "New", throttleRate: 10 },
      capabilities: ["ViewBase", "ViewEndpointSecret"],
    });
    assert.equal(portal.status, 200, portal.text);
    const created = await h.api("GET", "/api/v1/app/new-app");
    assert.equal(created.body.throttleRate, 10, "the nested application's rate is used");
    const endpoint = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url: "http://127.0.0.1:9/v1" });
    // The v1 SDK's EndpointPatch carries `secret`; a secret changes only by rotation.
    const secretBefore = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpoint.body.id}/secret`);
    const patched = await h.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpoint.body.id}`, {
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    });
    assert.equal(patched.status, 200, patched.text);
    const secretAfter = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpoint.body.id}/secret`);
    assert.equal(secretAfter.body.key, secretBefore.body.key);
  });
});

describe("closing a body schema", () => {
  it("closes objects that list fields, at every depth, and leaves records, empty objects and allOf parts open", () => {
    const closed = closedBodySchema(
      Type.Object({
        nested: Type.Object({ a: Type.String() }),
        maybe: Type.Union([Type.Object({ b: Type.String() }), Type.Null()]),
        record: Type.Record(Type.String(), Type.String()),
        anything: Type.Object({}),
        both: Type.Intersect([Type.Object({ c: Type.String() }), Type.Object({ d: Type.String() })]),
      }),
    ) as any;
    assert.equal(closed.additionalProperties, false);
    assert.equal(closed.properties.nested.additionalProperties, false);
    assert.equal(closed.properties.maybe.anyOf[0].additionalProperties, false);
    assert.equal(closed.properties.record.additionalProperties, undefined);
    assert.equal(closed.properties.anything.additionalProperties, undefined);
    for (const part of closed.properties.both.allOf) assert.equal(part.additionalProperties, undefined);
  });

  it("copies: the route's own schema, which the OpenAPI document also reads, is unchanged", () => {
    const schema = Type.Object({ a: Type.String() });
    closedBodySchema(schema);
    assert.equal((schema as { additionalProperties?: unknown }).additionalProperties, undefined);
  });
});
