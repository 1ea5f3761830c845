/**
 * The reliability suite (`npm run test:reliability`): the fault scenarios of test/reliability/ on
 * the embedded SQLite store, then the SIGKILL scenario again on a throwaway PostgreSQL cluster,
 * then one summary table of load held, faults injected, messages acknowledged, delivered, lost and
 * duplicated. Exits non-zero if a scenario failed or lost a message.
 *
 * The scenarios run one at a time (they measure timings and would disturb each other on two
 * cores). Each has its own time limit; a leg that still runs after LEG_LIMIT_MS is killed with its
 * whole process group, servers included, so the suite always ends by itself.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findPostgresBin, startPostgresCluster } from "../test/support/postgres-cluster.ts";
import type { ScenarioSummary } from "../test/reliability/support/report.ts";

const DIR = "test/reliability";
const LEG_LIMIT_MS = { sqlite: 300_000, postgres: 420_000 };
/**
 * On PostgreSQL the kill scenario runs again, and the database restart, the failover and the
 * partition (which start servers of their own) run only there; the others exercise the worker and
 * SQLite's disk, the same code.
 */
const POSTGRES_FILES = [
  `${DIR}/sigkill.test.ts`,
  `${DIR}/database-restart.test.ts`,
  `${DIR}/failover.test.ts`,
  `${DIR}/partition.test.ts`,
];

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(DIR)
      .filter((f) => f.endsWith(".test.ts"))
      .sort()
      .map((f) => `${DIR}/${f}`);
const work = mkdtempSync(path.join(tmpdir(), "hookline-reliability-"));
const reportFile = path.join(work, "summary.jsonl");

function runLeg(name: string, env: Record<string, string>, legFiles: string[], limitMs: number): Promise<boolean> {
  console.log(`\n=== ${name} ===\n`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--test", "--test-concurrency=1", `--test-timeout=${limitMs}`, ...legFiles],
      {
        stdio: "inherit",
        env: { ...process.env, ...env, HOOKLINE_RELIABILITY_REPORT: reportFile },
        // Its own process group, so the watchdog can take down the servers the tests started too.
        detached: true,
      },
    );
    const watchdog = setTimeout(() => {
      console.error(`\n${name}: still running after ${limitMs / 1000} s; killing it`);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, limitMs + 30_000);
    child.once("exit", (code) => {
      clearTimeout(watchdog);
      resolve(code === 0);
    });
  });
}

function printSummary(seconds: number): number {
  const lines = existsSync(reportFile) ? readFileSync(reportFile, "utf8").split("\n").filter(Boolean) : [];
  const rows = lines.map((l) => JSON.parse(l) as ScenarioSummary);
  const faults = (f: Record<string, number>) =>
    Object.entries(f)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  console.log(`\n=== Reliability summary (${Math.round(seconds)} s) ===\n`);
  console.log("| scenario | store | s | load msg/s | faults injected | acknowledged | delivered | lost | duplicates |");
  console.log("|---|---|--:|--:|---|--:|--:|--:|--:|");
  for (const r of rows) {
    if (r.skipped) console.log(`| ${r.scenario} | ${r.store} | | | SKIPPED: ${r.skipped} | | | | |`);
    else
      console.log(
        `| ${r.scenario} | ${r.store} | ${r.seconds} | ${r.loadMsgPerS} | ${faults(r.faults)} | ` +
          `${r.acknowledged} | ${r.delivered} | ${r.lost} | ${r.duplicates} |`,
      );
  }
  for (const r of rows) if (r.notes.length) console.log(`\n${r.scenario} (${r.store}):\n  - ${r.notes.join("\n  - ")}`);
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  console.log(`\nmessages lost: ${lost}${lost === 0 ? "" : "  <-- must be 0"}`);
  return lost;
}

const started = Date.now();
let ok = await runLeg("Reliability: embedded SQLite", { HOOKLINE_TEST_STORE: "sqlite" }, files, LEG_LIMIT_MS.sqlite);

const postgresFiles = files.filter((f) => POSTGRES_FILES.includes(f));
if (postgresFiles.length > 0) {
  if (findPostgresBin() === null) {
    const message = "PostgreSQL leg SKIPPED: no PostgreSQL server binaries (Debian package `postgresql`)";
    if (process.env.HOOKLINE_REQUIRE_POSTGRES === "1") {
      console.error(`\n${message}, but HOOKLINE_REQUIRE_POSTGRES=1 makes it mandatory.`);
      ok = false;
    } else console.log(`\n${message}.`);
  } else {
    const cluster = await startPostgresCluster();
    try {
      const env = { HOOKLINE_TEST_STORE: "postgres", HOOKLINE_TEST_POSTGRES_URL: cluster.url("postgres") };
      ok = (await runLeg("Reliability: PostgreSQL", env, postgresFiles, LEG_LIMIT_MS.postgres)) && ok;
    } finally {
      await cluster.stop();
    }
  }
}

const lost = printSummary((Date.now() - started) / 1000);
rmSync(work, { recursive: true, force: true });
process.exit(ok && lost === 0 ? 0 : 1);
