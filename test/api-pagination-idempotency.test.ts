import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestHookline, type ApiResponse, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";

/** Keyset pagination (`iterator`, `prevIterator`, `done`) and the `idempotency-key` header, over raw HTTP. */

interface Page {
  data: { id: string; name?: string }[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

async function ok(res: Promise<ApiResponse>, status = 200): Promise<ApiResponse> {
  const r = await res;
  assert.equal(r.status, status, r.text);
  return r;
}

const withQuery = (p: string, query: Record<string, string | number | null | undefined>): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${p}${p.includes("?") ? "&" : "?"}${qs}` : p;
};

describe("pagination", () => {
  let hookline: TestHookline;
  const appIds: string[] = [];
  let msgAppId: string;
  const msgIds: string[] = [];

  before(async () => {
    hookline = await startTestHookline();
    for (let i = 0; i < 25; i++) {
      appIds.push((await ok(hookline.api("POST", "/api/v1/app", { name: `app-${i}` }), 201)).body.id);
    }
    msgAppId = appIds[0]!;
    for (let i = 0; i < 25; i++) {
      const channels = [i % 2 === 0 ? "even" : "odd"];
      const res = await ok(
        hookline.api("POST", `/api/v1/app/${msgAppId}/msg`, { eventType: "t.e", payload: { i }, channels }),
        202,
      );
      msgIds.push(res.body.id);
    }
  });

  after(async () => {
    await hookline?.close();
  });

  const list = async (p: string, query: Record<string, string | number | null | undefined>): Promise<Page> =>
    (await ok(hookline.api("GET", withQuery(p, query)))).body as Page;

  /** Follows `iterator` until `done`, checking each page's shape; returns the pages. */
  async function forward(p: string, query: Record<string, string | number>, limit: number): Promise<Page[]> {
    const pages: Page[] = [];
    let iterator: string | null = null;
    for (;;) {
      assert.ok(pages.length < 100, "pagination does not terminate");
      const page = await list(p, { ...query, limit, iterator });
      assert.ok(page.data.length <= limit);
      pages.push(page);
      if (page.done) return pages;
      assert.equal(page.data.length, limit, "only the last page may be short");
      assert.ok(page.iterator, "a page that is not done has an iterator");
      iterator = page.iterator;
    }
  }

  test("applications: oldest first, 10 at a time forwards, then back with prevIterator", async () => {
    const pages = await forward("/api/v1/app", {}, 10);
    assert.deepEqual(
      pages.map((p) => p.data.length),
      [10, 10, 5],
    );
    assert.deepEqual(
      pages.map((p) => p.done),
      [false, false, true],
    );
    const ids = pages.flatMap((p) => p.data.map((a) => a.id));
    assert.deepEqual(ids, appIds, "every application once, in creation order");
    assert.equal(new Set(ids).size, 25);
    for (const p of pages) {
      assert.equal(p.iterator, p.data.at(-1)!.id);
      assert.equal(p.prevIterator, `-${p.data[0]!.id}`);
    }

    // Backwards from the last page gives back exactly the pages seen going forwards.
    const second = await list("/api/v1/app", { limit: 10, iterator: pages[2]!.prevIterator });
    assert.deepEqual(second.data, pages[1]!.data);
    assert.equal(second.done, false, "more items follow a page reached backwards");
    const firstAgain = await list("/api/v1/app", { limit: 10, iterator: second.prevIterator });
    assert.deepEqual(firstAgain.data, pages[0]!.data);
    // …and its iterator continues forwards where the first page did.
    assert.equal(firstAgain.iterator, pages[0]!.iterator);

    // A partial step back: 3 before the third page are the last 3 of the second.
    const three = await list("/api/v1/app", { limit: 3, iterator: pages[2]!.prevIterator });
    assert.deepEqual(three.data, pages[1]!.data.slice(7));

    // Past the end: nothing, and done.
    const beyond = await list("/api/v1/app", { limit: 10, iterator: pages[2]!.iterator });
    assert.deepEqual(beyond.data, []);
    assert.equal(beyond.done, true);
  });

  test("applications: descending order and the default page size", async () => {
    const pages = await forward("/api/v1/app", { order: "descending" }, 10);
    const ids = pages.flatMap((p) => p.data.map((a) => a.id));
    assert.deepEqual(ids, [...appIds].reverse());
    const back = await list("/api/v1/app", { order: "descending", limit: 10, iterator: pages[1]!.prevIterator });
    assert.deepEqual(back.data, pages[0]!.data);

    const all = await list("/api/v1/app", {});
    assert.equal(all.data.length, 25, "the default limit (50) holds all 25");
    assert.equal(all.done, true);
    const exact = await list("/api/v1/app", { limit: 25 });
    assert.equal(exact.data.length, 25);
    assert.equal(exact.done, true, "a page that ends exactly at the last item is done");
  });

  test("messages: newest first, forwards and back, no duplicates or gaps", async () => {
    const p = `/api/v1/app/${msgAppId}/msg`;
    const pages = await forward(p, {}, 10);
    assert.deepEqual(
      pages.map((pg) => [pg.data.length, pg.done]),
      [
        [10, false],
        [10, false],
        [5, true],
      ],
    );
    const ids = pages.flatMap((pg) => pg.data.map((m) => m.id));
    assert.deepEqual(ids, [...msgIds].reverse(), "every message once, newest first");

    const middle = await list(p, { limit: 10, iterator: pages[2]!.prevIterator });
    assert.deepEqual(
      middle.data.map((m) => m.id),
      pages[1]!.data.map((m) => m.id),
    );
    const newest = await list(p, { limit: 10, iterator: middle.prevIterator });
    assert.deepEqual(
      newest.data.map((m) => m.id),
      pages[0]!.data.map((m) => m.id),
    );
    const onward = await list(p, { limit: 10, iterator: newest.iterator });
    assert.deepEqual(
      onward.data.map((m) => m.id),
      pages[1]!.data.map((m) => m.id),
    );
  });

  test("messages: a filter holds across pages", async () => {
    const p = `/api/v1/app/${msgAppId}/msg`;
    const even = (await forward(p, { channel: "even" }, 5)).flatMap((pg) => pg.data.map((m) => m.id));
    const odd = (await forward(p, { channel: "odd" }, 5)).flatMap((pg) => pg.data.map((m) => m.id));
    assert.deepEqual(even, msgIds.filter((_, i) => i % 2 === 0).reverse());
    assert.deepEqual(odd, msgIds.filter((_, i) => i % 2 === 1).reverse());
  });

  test("event types page by name", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `type.${String(i).padStart(2, "0")}`);
    for (const name of [...names].reverse()) {
      await ok(hookline.api("POST", "/api/v1/event-type", { name, description: name }), 201);
    }
    const pages = await forward("/api/v1/event-type", {}, 5);
    assert.deepEqual(
      pages.flatMap((pg) => pg.data.map((e) => e.name)),
      names,
    );
    const back = await list("/api/v1/event-type", { limit: 5, iterator: pages[2]!.prevIterator });
    assert.deepEqual(
      back.data.map((e) => e.name),
      names.slice(5, 10),
    );
  });

  test("stepping back past the first page and then forwards again loses nothing", async () => {
    const first = await list("/api/v1/app", { limit: 10 });
    const before = await list("/api/v1/app", { limit: 10, iterator: first.prevIterator });
    assert.deepEqual(before.data, []);
    const again = await list("/api/v1/app", { limit: 10, iterator: before.iterator });
    assert.deepEqual(
      again.data.map((a) => a.id),
      appIds.slice(0, 10),
    );
  });
});

describe("idempotency-key", () => {
  let hookline: TestHookline;
  let receiver: Receiver;
  let appId: string;
  let endpointId: string;

  before(async () => {
    hookline = await startTestHookline();
    receiver = await Receiver.start();
    appId = (await ok(hookline.api("POST", "/api/v1/app", { name: "idem" }), 201)).body.id;
    endpointId = (await ok(hookline.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/in` }), 201))
      .body.id;
  });

  after(async () => {
    await hookline?.close();
    await receiver?.close();
  });

  const post = (p: string, body: unknown, key?: string) =>
    hookline.api("POST", p, body, key === undefined ? {} : { "idempotency-key": key });

  test("a repeated application POST returns the first response and creates one application", async () => {
    const first = await post("/api/v1/app", { name: "once", metadata: { n: "1" } }, "app-key-1");
    assert.equal(first.status, 201);
    const second = await post("/api/v1/app", { name: "once", metadata: { n: "1" } }, "app-key-1");
    assert.equal(second.status, 201);
    assert.equal(second.text, first.text, "byte-identical replay");
    assert.match(second.headers.get("content-type") ?? "", /application\/json/);

    const other = await post("/api/v1/app", { name: "once", metadata: { n: "1" } }, "app-key-2");
    assert.equal(other.status, 201);
    assert.notEqual(other.body.id, first.body.id);

    const apps = (await ok(hookline.api("GET", "/api/v1/app"))).body.data as { id: string; name: string }[];
    assert.deepEqual(
      apps.filter((a) => a.name === "once").map((a) => a.id),
      [first.body.id, other.body.id],
    );

    // Keys are scoped to the path: the same key on another endpoint is a different request.
    const eventType = await post("/api/v1/event-type", { name: "idem.type", description: "x" }, "app-key-1");
    assert.equal(eventType.status, 201);
    assert.equal(eventType.body.name, "idem.type");
  });

  test("a repeated message POST returns the first response and is stored and delivered once", async () => {
    const body = { eventType: "order.created", payload: { order: 1 } };
    const first = await post(`/api/v1/app/${appId}/msg`, body, "msg-key-1");
    assert.equal(first.status, 202);
    const second = await post(`/api/v1/app/${appId}/msg`, body, "msg-key-1");
    assert.equal(second.status, 202);
    assert.equal(second.text, first.text);
    await receiver.waitFor(1);
    await hookline.dispatcher.idle();

    const third = await post(`/api/v1/app/${appId}/msg`, body, "msg-key-2");
    assert.equal(third.status, 202);
    assert.notEqual(third.body.id, first.body.id);
    await receiver.waitFor(2);
    await hookline.dispatcher.idle();

    const messages = (await ok(hookline.api("GET", `/api/v1/app/${appId}/msg`))).body.data as { id: string }[];
    assert.deepEqual(
      messages.map((m) => m.id),
      [third.body.id, first.body.id],
    );
    assert.equal(receiver.requests.length, 2);
    assert.deepEqual(
      receiver.requests.map((r) => r.headers["webhook-id"]),
      [first.body.id, third.body.id],
    );
  });

  test("concurrent duplicates create one message", async () => {
    const body = { eventType: "order.created", payload: { order: "concurrent" } };
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post(`/api/v1/app/${appId}/msg`, body, "msg-key-concurrent")),
    );
    const accepted = responses.filter((r) => r.status === 202);
    assert.ok(accepted.length >= 1);
    for (const r of responses) assert.ok(r.status === 202 || r.status === 409, `${r.status} ${r.text}`);
    assert.equal(new Set(accepted.map((r) => r.text)).size, 1, "every accepted answer is the same message");
    // Once the first has finished, a retry gets the stored answer.
    const retry = await post(`/api/v1/app/${appId}/msg`, body, "msg-key-concurrent");
    assert.equal(retry.status, 202);
    assert.equal(retry.text, accepted[0]!.text);
    await hookline.dispatcher.idle();
    const messages = (await ok(hookline.api("GET", `/api/v1/app/${appId}/msg?limit=250`))).body.data as {
      payload: { order: unknown };
    }[];
    assert.equal(messages.filter((m) => m.payload.order === "concurrent").length, 1);
  });

  test("a replayed 204 does not act again (secret rotation)", async () => {
    const secretPath = `/api/v1/app/${appId}/endpoint/${endpointId}/secret`;
    const before = (await ok(hookline.api("GET", secretPath))).body.key;
    const first = await post(`${secretPath}/rotate`, {}, "rotate-key");
    assert.equal(first.status, 204);
    const rotated = (await ok(hookline.api("GET", secretPath))).body.key;
    assert.notEqual(rotated, before);
    const second = await post(`${secretPath}/rotate`, {}, "rotate-key");
    assert.equal(second.status, 204);
    assert.equal(second.text, "");
    assert.equal((await ok(hookline.api("GET", secretPath))).body.key, rotated, "rotated only once");
    await ok(post(`${secretPath}/rotate`, {}, "rotate-key-2"), 204);
    assert.notEqual((await ok(hookline.api("GET", secretPath))).body.key, rotated);
  });

  test("a replayed resend does not send again", async () => {
    const msgId = receiver.requests[0]!.headers["webhook-id"] as string;
    const resend = `/api/v1/app/${appId}/msg/${msgId}/endpoint/${endpointId}/resend`;
    const count = receiver.requests.length;
    const first = await post(resend, undefined, "resend-key");
    assert.equal(first.status, 202);
    await receiver.waitFor(count + 1);
    await hookline.dispatcher.idle();
    const second = await post(resend, undefined, "resend-key");
    assert.equal(second.status, 202);
    assert.equal(second.text, first.text);
    // Had the replay re-armed the delivery, this claim would send it.
    await hookline.dispatcher.pollNow();
    await hookline.dispatcher.idle();
    assert.equal(receiver.requests.length, count + 1);
  });

  test("keys survive a restart", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "hookline-idem-"));
    try {
      const one = await startTestHookline({}, { dataDir });
      const first = await one.api("POST", "/api/v1/app", { name: "durable" }, { "idempotency-key": "durable-key" });
      assert.equal(first.status, 201);
      await one.close();
      const two = await startTestHookline({}, { dataDir });
      try {
        const again = await two.api("POST", "/api/v1/app", { name: "durable" }, { "idempotency-key": "durable-key" });
        assert.equal(again.status, 201);
        assert.equal(again.text, first.text);
        const apps = (await two.api("GET", "/api/v1/app")).body.data as unknown[];
        assert.equal(apps.length, 1);
      } finally {
        await two.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
