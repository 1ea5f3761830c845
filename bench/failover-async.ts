/**
 * What a failover to a standby loses, by replication mode (`npm run bench:failover`).
 *
 * For each mode: a primary and a streaming-replication standby on loopback, one Hookline process
 * (role `api`) on the multi-host URL, open-loop load. The primary is SIGKILLed, the standby
 * promoted, and every message the API had acknowledged (202) is looked for on the promoted server:
 * the ones missing are what the failover lost.
 *
 * Modes:
 * - async: asynchronous replication (PostgreSQL's default), killed under load as it comes;
 *   loopback lag is well under a millisecond, so this is the best case.
 * - async, sender stalled: the primary's WAL sender stopped (SIGSTOP) for STALL_MS before the
 *   kill, as a slow network or a busy standby would; the lag is then STALL_MS of commits.
 * - sync, sender stalled: synchronous_standby_names set, the same stall: commits wait for the
 *   standby instead of being acknowledged, so nothing acknowledged can be lost.
 *
 * Writes a Markdown table to stdout. Needs PostgreSQL's server binaries.
 */
import pg from "pg";
import { LoadGenerator } from "../test/reliability/support/load.ts";
import { startReplicatedPair } from "../test/support/postgres-replication.ts";
import { killAllServers, removeDir, ServerProcess, tempDataDir } from "../test/support/server-process.ts";
import { sleep } from "../test/support/wait.ts";

const RATE = Number(process.env.FAILOVER_RATE ?? 200);
const WARMUP_MS = 2000;
const STALL_MS = Number(process.env.FAILOVER_STALL_MS ?? 1000);

interface Mode {
  name: string;
  synchronous: boolean;
  stall: boolean;
}

const MODES: Mode[] = [
  { name: "async", synchronous: false, stall: false },
  { name: `async, sender stalled ${STALL_MS / 1000} s`, synchronous: false, stall: true },
  { name: `sync, sender stalled ${STALL_MS / 1000} s`, synchronous: true, stall: true },
];

interface Result {
  mode: string;
  acknowledged: number;
  acknowledgedInWindow: number;
  lost: number;
  lagBytes: number | null;
}

async function runMode(mode: Mode): Promise<Result> {
  const pair = await startReplicatedPair({ synchronous: mode.synchronous });
  const dataDir = tempDataDir("hookline-failover-bench-");
  try {
    const db = await pair.createDatabase();
    const api = await ServerProcess.start({
      dataDir,
      env: {
        HOOKLINE_DATABASE_URL: pair.multiHostUrl(db),
        HOOKLINE_ROLE: "api",
        HOOKLINE_DATABASE_CONNECT_TIMEOUT: "5",
      },
    });
    const app = await api.api("POST", "/api/v1/app", { name: "failover-bench" });
    if (app.status !== 201) throw new Error(app.text);
    const load = new LoadGenerator({
      target: () => api.url,
      token: api.token!,
      appFor: () => app.body.id as string,
      ratePerSecond: RATE,
      maxInFlight: 64,
    });
    load.start();
    await sleep(WARMUP_MS);
    let lagBytes: number | null = null;
    const windowStart = Date.now();
    if (mode.stall) {
      pair.pauseSender(true);
      await sleep(STALL_MS);
    }
    const admin = new pg.Client({ connectionString: pair.primaryUrl("postgres") });
    await admin.connect();
    try {
      const row = (
        await admin.query<{ lag: string | null }>(
          "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::text AS lag FROM pg_stat_replication",
        )
      ).rows[0];
      lagBytes = row?.lag === null || row?.lag === undefined ? null : Number(row.lag);
    } finally {
      await admin.end().catch(() => undefined);
    }
    pair.killPrimary();
    await pair.promoteStandby();
    await load.stop();
    const acked = load.seqs("acked");
    const ids = acked.map((seq) => (load.outcomes.get(seq) as { msgId: string }).msgId);
    const promoted = new pg.Client({ connectionString: pair.standbyUrl(db) });
    await promoted.connect();
    let found: Set<string>;
    try {
      const { rows } = await promoted.query<{ id: string }>("SELECT id FROM message WHERE id = ANY($1::text[])", [ids]);
      found = new Set(rows.map((r) => r.id));
    } finally {
      await promoted.end();
    }
    const acknowledgedInWindow = acked.filter((seq) => load.sentAt[seq]! >= windowStart).length;
    await load.close();
    return {
      mode: mode.name,
      acknowledged: acked.length,
      acknowledgedInWindow,
      lost: ids.filter((id) => !found.has(id)).length,
      lagBytes,
    };
  } finally {
    await killAllServers();
    removeDir(dataDir);
    await pair.stop();
  }
}

const results: Result[] = [];
for (const mode of MODES) {
  console.error(`running: ${mode.name}`);
  results.push(await runMode(mode));
}
console.log(`\nFailover loss by replication mode (${RATE} msg/s offered, ${new Date().toISOString().slice(0, 10)})\n`);
console.log(
  "| mode | acknowledged | of which sent from the stall (or the kill) on | WAL not flushed on the standby at the kill | lost |",
);
console.log("|---|--:|--:|--:|--:|");
for (const r of results)
  console.log(
    `| ${r.mode} | ${r.acknowledged} | ${r.acknowledgedInWindow} | ${r.lagBytes === null ? "?" : `${r.lagBytes} B`} | ${r.lost} |`,
  );
process.exit(0);
