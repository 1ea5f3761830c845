import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { databaseDump, databaseFileBytes, sql } from "./support/database-dump.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, sendMessage } from "./support/setup.ts";

/**
 * Endpoint custom headers: sealed at rest, left out of the attempt log, sensitive ones reported
 * by name only, and hop-by-hop headers refused.
 */
describe("endpoint custom headers", () => {
  let h: TestHookline;
  let receiver: Receiver;

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline();
  });
  after(async () => {
    const dataDir = h?.dataDir;
    await h?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await receiver?.close();
  });

  const inStore = async (value: string) =>
    (await databaseDump(h)).includes(value) || databaseFileBytes(h).includes(value);

  it("sends them, but neither the database nor the attempt log holds their values", async () => {
    const headers = { Authorization: "Bearer receiver-credential-1", "X-Tenant": "tenant-value-2" };
    const { appId } = await appWithEndpoint(h, `${receiver.url}/sealed`, { headers });
    const before = receiver.requests.length;
    const msgId = await sendMessage(h, appId);
    await receiver.waitFor(before + 1);
    await h.dispatcher.idle();
    const req = receiver.requests[before]!;
    assert.equal(req.headers["authorization"], "Bearer receiver-credential-1");
    assert.equal(req.headers["x-tenant"], "tenant-value-2");

    const [attempt] = await attempts(h, appId, msgId);
    assert.equal(attempt!.requestHeaders["authorization"], "(redacted)");
    assert.equal(attempt!.requestHeaders["x-tenant"], "(redacted)");
    assert.equal(attempt!.requestHeaders["webhook-signature"], "(redacted)");
    assert.equal(attempt!.requestHeaders["webhook-id"], msgId, "Hookline's own headers are logged as sent");

    for (const value of ["receiver-credential-1", "tenant-value-2"])
      assert.ok(!(await inStore(value)), `${value} is not in the database`);
  });

  it("reports sensitive headers by name only, as Svix does, and keeps them through a PATCH", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/sensitive`);
    const path = `/api/v1/app/${appId}/endpoint/${endpointId}/headers`;
    const put = await h.api("PUT", path, {
      headers: { Authorization: "Bearer a", "x-auth-token": "b", Cookie: "c=d", "X-Region": "eu" },
    });
    assert.equal(put.status, 204, put.text);
    const got = await h.api("GET", path);
    assert.deepEqual(got.body.headers, { "X-Region": "eu" });
    assert.deepEqual([...got.body.sensitive].sort(), ["Authorization", "Cookie", "x-auth-token"]);

    assert.equal((await h.api("PATCH", path, { headers: { "X-Region": "us" } })).status, 204);
    const patched = await h.api("GET", path);
    assert.deepEqual(patched.body.headers, { "X-Region": "us" });
    assert.equal(patched.body.sensitive.length, 3, "a PATCH of other headers keeps the sensitive ones");

    const before = receiver.requests.length;
    await sendMessage(h, appId);
    await receiver.waitFor(before + 1);
    assert.equal(receiver.requests[before]!.headers["authorization"], "Bearer a");
    assert.equal(receiver.requests[before]!.headers["cookie"], "c=d");
  });

  it("refuses hop-by-hop and connection headers with 422 wherever headers are set", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/hop`);
    const ep = `/api/v1/app/${appId}/endpoint`;
    const names = [
      "Connection",
      "keep-alive",
      "UPGRADE",
      "Expect",
      "te",
      "Trailer",
      "Transfer-Encoding",
      "Proxy-Authorization",
      "proxy-connection",
    ];
    for (const name of names) {
      const headers = { [name]: "x" };
      const attemptsToSet: [string, string, unknown][] = [
        ["POST", ep, { url: `${receiver.url}/hop`, headers }],
        ["PUT", `${ep}/${endpointId}`, { url: `${receiver.url}/hop`, headers }],
        ["PUT", `${ep}/${endpointId}/headers`, { headers }],
        ["PATCH", `${ep}/${endpointId}/headers`, { headers }],
      ];
      for (const [method, path, body] of attemptsToSet) {
        const res = await h.api(method, path, body);
        assert.equal(res.status, 422, `${method} ${path} with ${name}: ${res.text}`);
        assert.deepEqual(res.body.detail[0].loc, ["body", "headers", name], res.text);
      }
    }
    const headers = await h.api("GET", `${ep}/${endpointId}/headers`);
    assert.deepEqual(headers.body, { headers: {}, sensitive: [] }, "nothing was stored");
  });

  it("seals headers an older version stored in the clear at start-up, and never sends a stored hop-by-hop header", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/legacy`);
    // As an older version wrote them: JSON in the clear, and a header that version accepted.
    await sql(h, "UPDATE endpoint SET headers = ? WHERE id = ?", [
      JSON.stringify({ "X-Legacy-Key": "legacy-credential-3", Upgrade: "websocket" }),
      endpointId,
    ]);
    assert.ok(await inStore("legacy-credential-3"), "planted in the clear");
    const dataDir = h.dataDir;
    await h.stop();
    h = await startTestHookline({}, { dataDir });

    const got = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/headers`);
    assert.equal(got.body.headers["X-Legacy-Key"], "legacy-credential-3", "read back after sealing");
    const [row] = await sql<{ headers: string }>(h, "SELECT headers FROM endpoint WHERE id = ?", [endpointId]);
    assert.match(row!.headers, /^enc:v1:/);
    assert.ok(!(await databaseDump(h)).includes("legacy-credential-3"));

    const before = receiver.requests.length;
    await sendMessage(h, appId);
    await receiver.waitFor(before + 1);
    const req = receiver.requests[before]!;
    assert.equal(req.headers["x-legacy-key"], "legacy-credential-3");
    assert.equal(req.headers["upgrade"], undefined, "a hop-by-hop header is not sent");

    // Removing it is still allowed.
    const path = `/api/v1/app/${appId}/endpoint/${endpointId}/headers`;
    assert.equal((await h.api("PATCH", path, { headers: { Upgrade: null } })).status, 204);
    assert.deepEqual((await h.api("GET", path)).body.headers, { "X-Legacy-Key": "legacy-credential-3" });
  });
});
