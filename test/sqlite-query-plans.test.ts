/**
 * Query plans SQLite must keep on the paths whose cost would otherwise grow with an endpoint's
 * history. The planner has no statistics on a fresh database (no ANALYZE) and picks between
 * indexes that serve the same ORDER BY by its own guesses, so the plan is pinned and checked here.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openSqlite } from "../src/store/sqlite/open-database.ts";
import { SCAN_ENDPOINT_SQL } from "../src/store/sqlite/deliveries.ts";

const skip = process.env.HOOKLINE_TEST_STORE === "postgres" ? "SQLite only (runs in the SQLite leg)" : false;

describe("SQLite query plans", { skip }, () => {
  it("the bulk tasks' endpoint scan finds each delivery's last attempt through the message, not the endpoint", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hookline-plans-"));
    const db = openSqlite(dir, { synchronous: "NORMAL" });
    after(() => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const plan = (
      db.prepare(`EXPLAIN QUERY PLAN ${SCAN_ENDPOINT_SQL}`).all("ep", "app", "", "~", 500) as {
        detail: string;
      }[]
    ).map((r) => r.detail);
    // With attempt_by_endpoint, each row walked back through all of the endpoint's attempts:
    // a recover of 100,000 failed deliveries held the event loop for 41 s a batch.
    assert.ok(
      plan.some((d) => /SEARCH a USING (COVERING )?INDEX attempt_by_msg \(msg_id=\?\)/.test(d)),
      plan.join("\n"),
    );
    assert.ok(
      plan.some((d) =>
        /SEARCH d USING INDEX delivery_by_endpoint \(endpoint_id=\? AND msg_id>\? AND msg_id<\?\)/.test(d),
      ),
      plan.join("\n"),
    );
  });
});
