/**
 * Start-up time (`npm run bench:startup`): from launching `node bin/hookline.js serve` on a fresh
 * data directory until `GET /api/v1/health` answers, and the wall time of `hookline --version`,
 * each the median of several runs one after another. With `--sources` it also runs the same two
 * commands from the TypeScript sources through tsx (what bin/hookline.js falls back to when dist/
 * is missing or older than src/), for comparison. Results and how to read them: docs/benchmarks.md.
 *
 * `--checkout DIR` measures another checkout's bin/hookline.js instead (an older version, for a
 * before-and-after on the same machine at the same time).
 *
 *   npm run bench:startup -- [--runs 7] [--sources] [--checkout DIR]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { distIsFresh } from "../bin/build-freshness.js";
import { cpuSeconds } from "./lib/proc.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    sources: { type: "boolean", default: false },
    checkout: { type: "string" },
  },
});
const runs = Number(values.runs);
const REPO = values.checkout ? path.resolve(values.checkout) : fileURLToPath(new URL("..", import.meta.url));
const BIN = path.join(REPO, "bin/hookline.js");
/** Runs the CLI from src/ through tsx, as bin/hookline.js does when dist/ is stale. */
const FROM_SOURCES = [
  "--import",
  "tsx",
  "--input-type=module",
  "-e",
  `const { main } = await import(${JSON.stringify(path.join(REPO, "src/main/cli.ts"))});
   process.exitCode = await main(process.argv.slice(1));`,
  "--",
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/**
 * Milliseconds from spawning `serve` until the health check answers 204, and the CPU time the
 * server process used until then: on a busy machine the wall time grows with the load, the CPU
 * time much less, so it tells what a quiet machine would take.
 */
async function serveToHealth(nodeArgs: string[]): Promise<{ wallMs: number; cpuMs: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hookline-startup-"));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, "serve"], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? "",
      HOOKLINE_DATA_DIR: dataDir,
      HOOKLINE_HOST: "127.0.0.1",
      HOOKLINE_PORT: String(port),
      HOOKLINE_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`hookline serve exited with code ${child.exitCode}`);
      const status = await fetch(`http://127.0.0.1:${port}/api/v1/health`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 204) return { wallMs: performance.now() - started, cpuMs: (cpuSeconds(child.pid) ?? NaN) * 1000 };
      if (performance.now() - started > 60_000) throw new Error("no health answer within 60 s");
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill("SIGTERM");
    await exited(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Milliseconds `hookline --version` takes from spawn to exit. */
async function versionMs(nodeArgs: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, "--version"], { cwd: REPO, stdio: "ignore" });
  await exited(child);
  if (child.exitCode !== 0) throw new Error(`hookline --version exited with code ${child.exitCode}`);
  return performance.now() - started;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}, n=${sorted.length})`;
}

const binRuns = values.checkout ? `bin of ${REPO}` : distIsFresh(REPO) ? "bin (dist/)" : "bin (dist/ stale: sources)";
const variants: [string, string[]][] = [[binRuns, [BIN]]];
if (values.sources) variants.push(["sources through tsx", FROM_SOURCES]);

console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, ${os.cpus().length} CPUs`,
);
for (const [name, nodeArgs] of variants) {
  const serve: number[] = [];
  const serveCpu: number[] = [];
  const version: number[] = [];
  // One unmeasured run of each warms the page cache.
  await serveToHealth(nodeArgs);
  await versionMs(nodeArgs);
  for (let i = 0; i < runs; i++) {
    const { wallMs, cpuMs } = await serveToHealth(nodeArgs);
    serve.push(wallMs);
    serveCpu.push(cpuMs);
    version.push(await versionMs(nodeArgs));
  }
  console.log(`${name}:`);
  console.log(`  serve → health        ${summary(serve)}`);
  console.log(`  its CPU until health  ${summary(serveCpu)}`);
  console.log(`  --version             ${summary(version)}`);
}
