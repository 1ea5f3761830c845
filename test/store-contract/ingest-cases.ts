/** Contract cases: inbound sources, their acceptance with de-duplication, and their request log. */
import assert from "node:assert/strict";
import { DeliveryStatus } from "../../src/core/entities.ts";
import { application, endpoint, message, req, T0 } from "../support/store-fixtures.ts";
import { ingestLog, ingestSource } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

/** A source with its backing application and one destination endpoint. */
async function seedSource(s: Parameters<StoreCase["run"]>[0], t = T0) {
  const app = application(t, { id: fixedId("app", t) });
  const source = ingestSource(app.id, t);
  await s.ingest.insertSource(source, app);
  const destination = endpoint(app.id, t, { id: fixedId("ep", t) });
  await s.endpoints.insert(destination);
  return { app, source, destination };
}

export const ingestCases: StoreCase[] = [
  {
    name: "ingest sources: a record reads back equal (sealed config and tokens), by id or uid; list, by type, update, delete",
    async run(s) {
      const { app, source } = await seedSource(s);
      assert.deepEqual(await s.ingest.getSource(source.id), source);
      assert.deepEqual(await s.applications.get(app.id), app, "the backing application came with it");
      const second = ingestSource(fixedId("app", T0 + 1), T0 + 1, { uid: "stripe-live", type: "stripe" });
      await s.ingest.insertSource(second, application(T0 + 1, { id: fixedId("app", T0 + 1) }));
      assert.deepEqual(await s.ingest.getSource("stripe-live"), second);
      assert.equal(await s.ingest.getSource("nope"), undefined);
      const page = await s.ingest.listSources(req(1, "descending"));
      assert.deepEqual([page.data, page.done], [[second], false]);
      assert.deepEqual(await s.ingest.listSourcesOfType("github"), [source]);
      const changed = {
        ...source,
        uid: "gh",
        name: "renamed",
        config: { secret: "rotated" },
        options: { ...source.options, response: { status: 202, contentType: "text/plain", body: "ok" }, deniedIps: [] },
        token: "tok-new",
        previousTokens: [],
        updatedAt: T0 + 5,
      };
      await s.ingest.updateSource(changed);
      assert.deepEqual(await s.ingest.getSource("gh"), changed);
      await assert.rejects(
        s.ingest.insertSource(
          ingestSource(fixedId("app", T0 + 2), T0 + 2, { uid: "gh" }),
          application(T0 + 2, { id: fixedId("app", T0 + 2) }),
        ),
        "a uid is unique",
      );
      assert.equal(await s.applications.get(fixedId("app", T0 + 2)), undefined, "nothing of the refused source stays");
      await s.ingest.deleteSource(source.id);
      assert.equal(await s.ingest.getSource(source.id), undefined);
      assert.equal(await s.applications.get(app.id), undefined, "the backing application went with it");
    },
  },
  {
    name: "ingest: accept stores the event once per dedupe key while the claim lasts; duplicates are logged against the original",
    async run(s) {
      const { app, source, destination } = await seedSource(s);
      const event = (t: number) => message(app.id, t, { id: fixedId("msg", t), payload: '{"zen":"é"}' });
      const delivery = (t: number) => [
        { id: fixedId("dlv", t), endpointId: destination.id, leaseOwner: null, leaseUntil: null },
      ];
      const first = event(T0 + 10);
      const accepted = await s.ingest.accept(
        first,
        delivery(T0 + 10),
        { keys: ["d-1", "sha:x"], expiresAt: T0 + 1000 },
        ingestLog(source.id, T0 + 10, { msgId: first.id }),
      );
      assert.deepEqual(accepted, { duplicateOf: null });
      assert.deepEqual(await s.messages.get(app.id, first.id), first);
      assert.equal((await s.deliveries.get(app.id, first.id, destination.id))?.status, DeliveryStatus.Pending);
      const again = event(T0 + 20);
      const duplicate = await s.ingest.accept(
        again,
        delivery(T0 + 20),
        { keys: ["other", "sha:x"], expiresAt: T0 + 2000 },
        ingestLog(source.id, T0 + 20, { msgId: again.id }),
      );
      assert.deepEqual(duplicate, { duplicateOf: first.id });
      assert.equal(await s.messages.get(app.id, again.id), undefined);
      assert.deepEqual(
        await s.ingest.getLog(source.id, fixedId("ilog", T0 + 20)),
        ingestLog(source.id, T0 + 20, {
          msgId: first.id,
          outcome: "duplicate",
          errorText: `duplicate of ${first.id}: acknowledged, not forwarded again`,
        }),
      );
      const late = event(T0 + 1000);
      assert.deepEqual(
        await s.ingest.accept(
          late,
          delivery(T0 + 1000),
          { keys: ["d-1"], expiresAt: T0 + 5000 },
          ingestLog(source.id, T0 + 1000),
        ),
        { duplicateOf: null },
        "the claim expired at T0 + 1 s",
      );
      const plain = event(T0 + 1001);
      assert.deepEqual(await s.ingest.accept(plain, [], null, ingestLog(source.id, T0 + 1001)), { duplicateOf: null });
      assert.deepEqual(
        await s.ingest.accept(
          event(T0 + 1002),
          [],
          { keys: ["d-1"], expiresAt: T0 + 5000 },
          ingestLog(source.id, T0 + 1002),
        ),
        { duplicateOf: late.id },
        "the key now names the later message",
      );
    },
  },
  {
    name: "ingest log: entries read back equal, in pages per source; purge forgets old entries and expired claims",
    async run(s) {
      const { source } = await seedSource(s);
      const other = await seedSource(s, T0 + 1);
      const refused = ingestLog(source.id, T0 + 10, {
        statusCode: 401,
        outcome: "refused",
        errorText: "bad signature",
        clientIp: null,
      });
      await s.ingest.appendLog(refused);
      await s.ingest.appendLog(ingestLog(source.id, T0 + 11, { outcome: "replied" }));
      await s.ingest.appendLog(ingestLog(other.source.id, T0 + 12));
      assert.deepEqual(await s.ingest.getLog(source.id, refused.id), refused);
      assert.equal(await s.ingest.getLog(other.source.id, refused.id), undefined);
      const page = await s.ingest.listLogs(source.id, req(1, "descending"));
      assert.deepEqual([page.data.map((l) => l.id), page.done], [[fixedId("ilog", T0 + 11)], false]);
      await s.ingest.accept(
        message(other.app.id, T0 + 13, { id: fixedId("msg", T0 + 13) }),
        [],
        { keys: ["k"], expiresAt: T0 + 20 },
        ingestLog(other.source.id, T0 + 13),
      );
      assert.equal(await s.ingest.purge(T0 + 20, T0 + 12, 100), 3, "one claim and two log entries");
      assert.deepEqual((await s.ingest.listLogs(source.id, req(10))).data, []);
      assert.equal((await s.ingest.listLogs(other.source.id, req(10))).data.length, 2);
    },
  },
];
