import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

/** A pino logger that keeps every record it writes, parsed. */
function capturingLogger() {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "info", base: undefined }, sink), records };
}

/**
 * What the API writes through `request.log` reaches the process's own log (the operator's only view
 * of an ingest flood), while ordinary requests write no per-request lines.
 */
describe("request logging", () => {
  let h: TestHookline;
  const { logger, records } = capturingLogger();

  before(async () => {
    h = await startTestHookline({ HOOKLINE_INGEST_RATE_LIMIT: "1" }, { logger, pollIntervalMs: 3_600_000 });
  });
  after(async () => {
    await h?.close();
  });

  it("writes the ingest flood warning to the process log, with the source's id", async () => {
    const created = await h.api("POST", "/ingest/api/v1/source", { name: "flood", type: "generic-webhook" });
    assert.equal(created.status, 201, created.text);
    const statuses: number[] = [];
    for (let n = 0; n < 4; n++) {
      const res = await fetch(created.body.ingestUrl, { method: "POST", body: "{}" });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.ok(statuses.includes(429), `the flood was refused: ${statuses.join(",")}`);
    const warning = records.find((r) => r.msg === "ingest rate limit reached");
    assert.ok(warning, `no flood warning in ${JSON.stringify(records.map((r) => r.msg))}`);
    assert.equal(warning.level, 40, "at warn");
    assert.equal(warning.sourceId, created.body.id);
  });

  it("does not log every request at info", async () => {
    for (let n = 0; n < 5; n++) assert.equal((await h.api("GET", "/api/v1/app")).status, 200);
    const perRequest = records.filter((r) => r.msg === "incoming request" || r.msg === "request completed");
    assert.deepEqual(perRequest, []);
  });
});
