import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { distIsFresh } from "../bin/build-freshness.js";
import { ManualClock } from "../src/core/clock.ts";
import { VERSION } from "../src/main/version.ts";
import { REPO_ROOT, removeDir, runCli, ServerProcess, tempDataDir } from "./support/server-process.ts";

/**
 * The JavaScript that `npm run build` compiles into dist/ (docs/architecture.md, "Compiled ahead of
 * time") runs on its own: the processes and threads it starts by path (the sandbox process, the
 * SQLite retention thread) load dist/'s modules with plain Node, the SQL migrations and the web
 * console resolve from there, and bin/hookline.js runs it when it is fresh. The test builds
 * dist/ first if the sources changed since the last build.
 */
const DIST = path.join(REPO_ROOT, "dist");
const fromDist = <T>(module: string): Promise<T> => import(pathToFileURL(path.join(DIST, module)).href) as Promise<T>;

/** The command lines of a process's children. */
function childCommandLines(pid: number): string[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  return children.map((child) => readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").join(" "));
}

before(() => {
  if (distIsFresh(REPO_ROOT)) return;
  const build = spawnSync(process.execPath, ["--import", "tsx", "scripts/build.ts"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    timeout: 600_000,
  });
  assert.equal(build.status, 0, "npm run build");
  assert.ok(distIsFresh(REPO_ROOT), "the build is fresh right after building");
});

describe("the compiled build (dist/)", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));

  it("starts sandbox processes from dist/ with plain Node and evaluates in them", async () => {
    const { SandboxPool } = await fromDist<typeof import("../src/sandbox/sandbox-pool.ts")>("sandbox/sandbox-pool.js");
    const pool = new SandboxPool({ processes: 1 });
    try {
      await pool.started();
      const result = await pool.evaluate({
        language: "jsonata",
        filter: null,
        transformation: { code: "$uppercase(payload.name)", variables: {} },
        input: { eventType: "a", channels: [], msgId: "msg_1", payloadJson: '{"name":"ada"}' },
      });
      assert.deepEqual(result, { ok: true, passed: true, body: '"ADA"' });
      const [command = ""] = childCommandLines(process.pid).filter((c) => c.includes("sandbox-process"));
      assert.ok(command.includes(path.join(DIST, "sandbox", "sandbox-process.js")), command);
      assert.ok(!command.includes("tsx"), command);
    } finally {
      await pool.close();
    }
  });

  it("runs a SQLite store from dist/: its migrations, and a retention pass on the retention thread", async () => {
    const { SqliteStore } =
      await fromDist<typeof import("../src/store/sqlite/sqlite-store.ts")>("store/sqlite/sqlite-store.js");
    const { SqliteRetention } =
      await fromDist<typeof import("../src/store/sqlite/retention.ts")>("store/sqlite/retention.js");
    const { runRetention } =
      await fromDist<typeof import("../src/retention/run-retention.ts")>("retention/run-retention.js");
    const dir = tempDataDir();
    dirs.push(dir);
    const store = SqliteStore.open(dir, { synchronous: "NORMAL" });
    try {
      assert.equal(
        await runRetention(new SqliteRetention(store), new ManualClock(Date.now()), { retentionDays: 1 }),
        0,
      );
    } finally {
      await store.close();
    }
  });

  it("is what bin/hookline.js runs when fresh: serve answers, its sandbox runs dist/, --version reads package.json", async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const server = await ServerProcess.start({ dataDir: dir });
    try {
      const health = await fetch(server.url + "/api/v1/health");
      assert.equal(health.status, 204);
      // A function call is not evaluated in process: the simulation starts the sandbox.
      const app = await server.api("POST", "/api/v1/app", { name: "dist" });
      const endpoint = await server.api("POST", `/api/v1/app/${app.body.id}/endpoint`, {
        url: "http://127.0.0.1:9/hook",
      });
      const simulated = await server.api(
        "POST",
        `/api/v1/app/${app.body.id}/endpoint/${endpoint.body.id}/transformation/simulate`,
        { code: '{"name": $uppercase(payload.name)}', eventType: "user.created", payload: { name: "ada" } },
      );
      assert.equal(simulated.status, 200, JSON.stringify(simulated.body));
      assert.deepEqual(JSON.parse(simulated.body.payload), { name: "ADA" });
      const commands = childCommandLines(server.pid!).filter((c) => c.includes("sandbox-process"));
      assert.ok(commands.length > 0, "the server started its sandbox processes");
      for (const command of commands) assert.ok(command.includes(path.join(DIST, "sandbox")), command);
    } finally {
      await server.stop();
    }
    const version = await runCli(["--version"]);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), `hookline ${VERSION}`);
  });
});
