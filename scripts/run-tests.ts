/**
 * Runs the test suite once per store: the embedded SQLite leg always, then the PostgreSQL leg
 * against a throwaway cluster this script starts on a free loopback port (and removes after).
 * The PostgreSQL leg is skipped, loudly, when no server binaries are installed, unless
 * HOOKLINE_REQUIRE_POSTGRES=1 (as in CI), where a missing server is a failure.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { findPostgresBin, startPostgresCluster } from "../test/support/postgres-cluster.ts";

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync("test")
      .filter((f) => f.endsWith(".test.ts"))
      .sort()
      .map((f) => `test/${f}`);

/**
 * Files that do not depend on which store the server runs on, so the PostgreSQL leg skips them:
 * pure unit tests, the OpenAPI drift check, CLI start-up checks (always on a data directory), the
 * API-client commands (they only call the HTTP API), and the PostgreSQL store's own tests (they
 * start their own cluster and already ran in the first leg).
 */
const STORE_INDEPENDENT = new Set([
  "test/config.test.ts",
  "test/openapi-drift.test.ts",
  "test/cli-config.test.ts",
  "test/cli-help.test.ts",
  "test/cli-token.test.ts",
  "test/cli-client-resources.test.ts",
  "test/cli-client-errors.test.ts",
  "test/cli-client-local.test.ts",
  "test/cli-background-tasks.test.ts",
  "test/cli-replay.test.ts",
  "test/progress-bar.test.ts",
  "test/config-reference.test.ts",
  "test/portal-options.test.ts",
  "test/store-postgres.test.ts",
  "test/store-contract.test.ts",
  "test/postgres-partitions.test.ts",
  "test/postgres-silent-server.test.ts",
  "test/postgres-failover.test.ts",
  "test/database-address.test.ts",
  "test/ssrf-addresses.test.ts",
  "test/write-batcher.test.ts",
  "test/write-lock.test.ts",
  "test/token-buckets.test.ts",
  "test/inbound-verifier-registry.test.ts",
  "test/inbound-verifiers-configurable.test.ts",
  "test/inbound-verifiers-github-stripe.test.ts",
  "test/inbound-verifiers-shopify-slack.test.ts",
  "test/inbound-verifiers-svix.test.ts",
  "test/inbound-verifiers-twilio.test.ts",
  "test/retention-pacer.test.ts",
  "test/pending-sends.test.ts",
  "test/config-as-code-file.test.ts",
  "test/config-as-code-refusals.test.ts",
  "test/unit-delivery-rules.test.ts",
  "test/unit-endpoint-lanes.test.ts",
  "test/unit-claim-scheduler.test.ts",
  "test/build-freshness.test.ts",
  "test/build-output.test.ts",
  "test/deployment-manifests.test.ts",
  "test/deployment-container.test.ts",
  "test/deployment-compose.test.ts",
  "test/deployment-cluster.test.ts",
]);

function runLeg(name: string, env: Record<string, string>, legFiles: string[]): boolean {
  console.log(`\n=== ${name} ===\n`);
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=180000", ...legFiles],
    { stdio: "inherit", env: { ...process.env, ...env } },
  );
  return result.status === 0;
}

let ok = runLeg("SQLite leg (embedded default)", { HOOKLINE_TEST_STORE: "sqlite" }, files);

if (findPostgresBin() === null) {
  const message =
    "PostgreSQL leg SKIPPED: no PostgreSQL server binaries found (install Debian's `postgresql` package to run it)";
  if (process.env.HOOKLINE_REQUIRE_POSTGRES === "1") {
    console.error(`\n${message}, but HOOKLINE_REQUIRE_POSTGRES=1 makes it mandatory.`);
    ok = false;
  } else {
    console.log(`\n${message}.`);
  }
} else {
  const cluster = await startPostgresCluster();
  try {
    const env = { HOOKLINE_TEST_STORE: "postgres", HOOKLINE_TEST_POSTGRES_URL: cluster.url("postgres") };
    const legFiles = files.filter((f) => !STORE_INDEPENDENT.has(f));
    ok = runLeg("PostgreSQL leg", env, legFiles) && ok;
  } finally {
    await cluster.stop();
  }
}
process.exit(ok ? 0 : 1);
