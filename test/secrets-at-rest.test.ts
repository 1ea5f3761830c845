import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { startHookline, type Hookline } from "../src/main/hookline.ts";
import { after, before, describe, it } from "node:test";
import { Svix } from "svix";
import { databaseDump, databaseFileBytes, sql } from "./support/database-dump.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/** Is `secret` anywhere in the store: any table value, and on SQLite any byte of its files? */
async function stored(h: TestHookline, secret: string): Promise<boolean> {
  return (await databaseDump(h)).includes(secret) || databaseFileBytes(h).includes(secret);
}

describe("idempotent responses at rest", () => {
  let h: TestHookline;
  let appId: string;

  before(async () => {
    h = await startTestHookline();
    const app = await h.api("POST", "/api/v1/app", { name: "sealed" });
    appId = app.body.id;
  });
  after(async () => {
    const dataDir = h?.dataDir;
    await h?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A POST with an idempotency key, then its replay: the same status and body, and the token nowhere in the store. */
  async function replayedWithoutTrace(path: string, body: unknown, tokenOf: (body: any) => string) {
    const key = `key-${Math.random()}`;
    const first = await h.api("POST", path, body, { "idempotency-key": key });
    assert.ok(first.status < 300, first.text);
    const token = tokenOf(first.body);
    assert.ok(token.length >= 16, `a token in ${first.text}`);
    const replay = await h.api("POST", path, body, { "idempotency-key": key });
    assert.equal(replay.status, first.status);
    assert.equal(replay.text, first.text, "the replay answers the first response, token included");
    assert.ok(!(await stored(h, token)), `${path}: the token is not in the database`);
  }

  it("seals admin tokens, app-portal access and ingest source tokens, and still replays them", async () => {
    await replayedWithoutTrace("/api/v1/auth/token", { name: "ci" }, (b) => b.token);
    await replayedWithoutTrace(`/api/v1/auth/app-portal-access/${appId}`, {}, (b) => b.token);
    const tokenOfUrl = (b: { ingestUrl: string }) => b.ingestUrl.split("/").pop()!;
    await replayedWithoutTrace(
      "/ingest/api/v1/source",
      { name: "gh", type: "github", config: { secret: "gh-secret-value" } },
      tokenOfUrl,
    );
    const source = (await h.api("GET", "/ingest/api/v1/source")).body.data[0].id as string;
    await replayedWithoutTrace(`/ingest/api/v1/source/${source}/token/rotate`, {}, tokenOfUrl);
  });

  it("seals what the official SDK's automatic idempotency keys remember", async () => {
    const svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
    const { token } = await svix.authentication.appPortalAccess(appId, {});
    const rows = await sql<{ body: string }>(h, "SELECT body FROM idempotency_key WHERE key LIKE 'auto_%'");
    assert.ok(rows.length >= 1, "the SDK sent an idempotency key");
    for (const row of rows) assert.match(row.body, /^enc:v1:/);
    assert.ok(!(await stored(h, token)));
  });

  it("seals a message's remembered response, written in the message's own transaction", async () => {
    const key = "msg-key";
    const body = { eventType: "a.b", payload: { marker: "payload-in-the-response" } };
    const first = await h.api("POST", `/api/v1/app/${appId}/msg`, body, { "idempotency-key": key });
    assert.equal(first.status, 202, first.text);
    const again = await h.api("POST", `/api/v1/app/${appId}/msg`, body, { "idempotency-key": key });
    assert.equal(again.text, first.text);
    const rows = await sql<{ body: string }>(h, "SELECT body FROM idempotency_key WHERE key = ?", [key]);
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.body, /^enc:v1:/);
  });

  it("purges responses an older version stored in the clear (the migration), keeping sealed ones", async () => {
    const dataDir = h.dataDir;
    const sealedKey = "sealed-before-upgrade";
    const first = await h.api("POST", "/api/v1/app", { name: "kept" }, { "idempotency-key": sealedKey });
    const scope = (await sql<{ scope: string }>(h, "SELECT scope FROM idempotency_key WHERE key = ?", [sealedKey]))[0]!
      .scope;
    await sql(h, "INSERT INTO idempotency_key (scope, key, status_code, body, created_at) VALUES (?, ?, ?, ?, ?)", [
      scope,
      "written-in-the-clear",
      201,
      '{"token":"hk_cleartext_token_from_an_old_version"}',
      Date.now(),
    ]);
    // As if the database had been written by the version before the migration.
    const migration = h.ctx.config.databaseUrl ? "0009_sealed_secrets.sql" : "0008_sealed_secrets.sql";
    await sql(h, "DELETE FROM schema_migration WHERE name = ?", [migration]);
    await h.stop();
    h = await startTestHookline({}, { dataDir });
    assert.ok(!(await databaseDump(h)).includes("hk_cleartext_token_from_an_old_version"));
    const again = await h.api("POST", "/api/v1/app", { name: "kept" }, { "idempotency-key": sealedKey });
    assert.equal(again.text, first.text, "sealed responses survive the migration");
  });
});

describe("files in the data directory", () => {
  const modeOf = (file: string) => statSync(file).mode & 0o777;
  let root: string;

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), "hookline-modes-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A server on SQLite in `dataDir` with a generated admin token and master key; its warnings land in `warnings`. */
  async function start(dataDir: string, warnings: string[] = []): Promise<Hookline> {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        warnings.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({
      HOOKLINE_PORT: "0",
      HOOKLINE_DATA_DIR: dataDir,
      HOOKLINE_SQLITE_SYNCHRONOUS: "NORMAL",
    });
    return startHookline(config, { logger: pino({ level: "warn" }, sink) });
  }

  it("creates the directory 0700 and the database, its -wal and -shm, the admin token and the master key 0600", async () => {
    const dataDir = path.join(root, "fresh", "data");
    const warnings: string[] = [];
    const hookline = await start(dataDir, warnings);
    try {
      // A write, so the write-ahead log holds something.
      const app = await fetch(`${hookline.url}/api/v1/app`, {
        method: "POST",
        headers: { authorization: `Bearer ${hookline.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "modes" }),
      });
      assert.equal(app.status, 201);
      assert.equal(modeOf(dataDir).toString(8), "700");
      for (const file of [
        "hookline.sqlite3",
        "hookline.sqlite3-wal",
        "hookline.sqlite3-shm",
        "admin-token",
        "master-key",
      ])
        assert.equal(modeOf(path.join(dataDir, file)).toString(8), "600", file);
      assert.deepEqual(warnings, [], "a directory Hookline created is not warned about");
    } finally {
      await hookline.stop();
    }
  });

  it("narrows database files an older version left readable, and warns about a directory others may enter", async () => {
    const dataDir = path.join(root, "older");
    mkdirSync(dataDir);
    await (await start(dataDir)).stop();
    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, "hookline.sqlite3"), 0o644);
    const warnings: string[] = [];
    const hookline = await start(dataDir, warnings);
    try {
      for (const file of ["hookline.sqlite3", "hookline.sqlite3-wal", "hookline.sqlite3-shm"])
        assert.equal(modeOf(path.join(dataDir, file)).toString(8), "600", file);
      const warning = warnings.map((line) => JSON.parse(line)).find((entry) => entry.dataDir === dataDir);
      assert.ok(warning, `a warning naming the directory, got ${warnings.join("")}`);
      assert.equal(warning.mode, "0755");
      assert.match(warning.msg, /chmod 700/);
      assert.equal(modeOf(dataDir).toString(8), "755", "the operator's directory mode is reported, not changed");
    } finally {
      await hookline.stop();
    }
  });
});
