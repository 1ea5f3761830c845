import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RESPONSE_HEADERS_MAX_BYTES, RESPONSE_HEADERS_MAX_COUNT } from "../src/delivery/response-headers.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver, type Reply } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

type AttemptBody = { id: string; responseHeaders: Record<string, string> | null; response: string };

describe("response headers on attempts", () => {
  let h: TestHookline;
  let receiver: Receiver;

  before(async () => {
    receiver = await Receiver.start();
    // One attempt per message: a failed one is not retried while the test looks at it.
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "86400" });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  /** Sends one message to a new endpoint answered by `reply`; returns the attempt as listed and as got alone. */
  async function deliverOnce(reply: Reply, endpoint: Record<string, unknown> = {}) {
    receiver.respond(() => reply);
    const { appId } = await appWithEndpoint(h, `${receiver.url}/hook`, endpoint);
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    const list = await h.api("GET", `/api/v1/app/${appId}/attempt/msg/${msgId}`);
    assert.equal(list.status, 200, list.text);
    const listed = list.body.data[0] as AttemptBody;
    assert.ok(listed, "one attempt recorded");
    const one = await h.api("GET", `/api/v1/app/${appId}/msg/${msgId}/attempt/${listed.id}`);
    assert.equal(one.status, 200, one.text);
    return { appId, msgId, listed, one: one.body as AttemptBody, oneText: one.text };
  }

  it("records the receiver's headers, with cookies and echoed credentials redacted", async () => {
    const { listed, one, oneText } = await deliverOnce(
      {
        status: 200,
        body: "ok",
        headers: {
          "X-Receipt-Id": "rcpt_42",
          "Set-Cookie": "session=abc123secret; HttpOnly",
          Authorization: "Bearer receiver-token-xyz",
          // The endpoint's own custom header, echoed back: its value is the endpoint's credential.
          "X-Tenant-Key": "tenant-key-value",
        },
      },
      { headers: { "X-Tenant-Key": "tenant-key-value" } },
    );
    const headers = one.responseHeaders;
    assert.ok(headers, oneText);
    assert.equal(headers["x-receipt-id"], "rcpt_42");
    assert.equal(headers["set-cookie"], "(redacted)");
    assert.equal(headers["authorization"], "(redacted)");
    assert.equal(headers["x-tenant-key"], "(redacted)");
    for (const secret of ["abc123secret", "receiver-token-xyz", "tenant-key-value"])
      assert.ok(!oneText.includes(secret), `${secret} is not in the attempt`);
    assert.deepEqual(listed.responseHeaders, headers, "lists show the same headers");
  });

  it(`keeps at most ${RESPONSE_HEADERS_MAX_COUNT} headers`, async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 80; i++) many[`x-filler-${String(i).padStart(2, "0")}`] = `v${i}`;
    const { one } = await deliverOnce({ status: 200, body: "ok", headers: many });
    const names = Object.keys(one.responseHeaders ?? {});
    assert.equal(names.length, RESPONSE_HEADERS_MAX_COUNT);
    assert.ok(names.includes("x-filler-00"), "the first ones are kept, in order");
    assert.ok(!names.includes("x-filler-79"), "the last ones are dropped");
  });

  it(`keeps at most ${RESPONSE_HEADERS_MAX_BYTES} bytes of names and values`, async () => {
    const big: Record<string, string> = {};
    for (let i = 0; i < 12; i++) big[`x-big-${String(i).padStart(2, "0")}`] = "z".repeat(1000);
    const { one } = await deliverOnce({ status: 503, body: "busy", headers: big });
    const kept = Object.entries(one.responseHeaders ?? {});
    const bytes = kept.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
    assert.ok(bytes <= RESPONSE_HEADERS_MAX_BYTES, `${bytes} bytes kept`);
    assert.ok(
      kept.some(([name]) => name === "x-big-00"),
      "headers within the cap are kept",
    );
    assert.ok(!kept.some(([name]) => name === "x-big-11"), "headers past the cap are dropped");
  });

  it("records none when no response came", async () => {
    const { one } = await deliverOnce({ reset: true });
    assert.equal(one.responseHeaders, null);
  });

  it("deleting the attempt's content clears them", async () => {
    const { appId, msgId, one } = await deliverOnce({ status: 200, body: "ok", headers: { "X-Receipt-Id": "r1" } });
    assert.equal(one.responseHeaders?.["x-receipt-id"], "r1");
    const del = await h.api("DELETE", `/api/v1/app/${appId}/msg/${msgId}/attempt/${one.id}/content`);
    assert.equal(del.status, 204, del.text);
    const after = await h.api("GET", `/api/v1/app/${appId}/msg/${msgId}/attempt/${one.id}`);
    assert.equal(after.body.response, "");
    assert.equal(after.body.responseHeaders, null);
  });
});
