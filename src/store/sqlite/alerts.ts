import type Database from "better-sqlite3";
import type { AlertRule } from "../../core/alert-rule.ts";
import { ruleInsertValues, ruleUpdateValues, toRule, type RuleRow } from "../rows/alerts.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import type { AlertRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export class SqliteAlerts implements AlertRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insertRule(r: AlertRule): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO alert_rule (id, name, kind, app_id, endpoint_id, params, dedupe_seconds, disabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...ruleInsertValues(r, SQLITE_COLUMNS)),
    );
  }

  async getRule(id: string): Promise<AlertRule | undefined> {
    const row = prepared(this.db, "SELECT * FROM alert_rule WHERE id = ?").get(id) as RuleRow | undefined;
    return row && toRule(row, SQLITE_COLUMNS);
  }

  async listRules(page: PageRequest): Promise<Page<AlertRule>> {
    return paginate<RuleRow, AlertRule>(
      this.db,
      { from: "alert_rule", where: [], params: [], key: "id" },
      page,
      (r) => toRule(r, SQLITE_COLUMNS),
      (r) => r.id,
    );
  }

  async allRules(): Promise<AlertRule[]> {
    return (prepared(this.db, "SELECT * FROM alert_rule ORDER BY id").all() as RuleRow[]).map((r) =>
      toRule(r, SQLITE_COLUMNS),
    );
  }

  async updateRule(r: AlertRule): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `UPDATE alert_rule SET name = ?, kind = ?, app_id = ?, endpoint_id = ?, params = ?, dedupe_seconds = ?,
           disabled = ?, updated_at = ? WHERE id = ?`,
      ).run(...ruleUpdateValues(r, SQLITE_COLUMNS)),
    );
  }

  async deleteRule(id: string): Promise<void> {
    await this.writer.run(() => prepared(this.db, "DELETE FROM alert_rule WHERE id = ?").run(id));
  }

  async countFailure(ruleId: string, subject: string): Promise<number> {
    return this.writer.run(
      () =>
        prepared(
          this.db,
          `INSERT INTO alert_state (rule_id, subject, failures) VALUES (?, ?, 1)
           ON CONFLICT (rule_id, subject) DO UPDATE SET failures = alert_state.failures + 1
           RETURNING failures`,
        )
          .pluck()
          .get(ruleId, subject) as number,
    );
  }

  async claimNotice(ruleId: string, subject: string, level: number, now: number, dedupeMs: number): Promise<boolean> {
    return this.writer.run(() => {
      const claimed = prepared(
        this.db,
        `INSERT INTO alert_state (rule_id, subject, level, notified_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (rule_id, subject) DO UPDATE SET level = excluded.level, notified_at = excluded.notified_at
         WHERE alert_state.level IS NULL OR alert_state.level <> excluded.level OR alert_state.notified_at <= ?
         RETURNING 1`,
      )
        .pluck()
        .get(ruleId, subject, level, now, now - dedupeMs);
      return claimed !== undefined;
    });
  }

  async clearState(ruleId: string, subject: string): Promise<number | null> {
    return this.writer.run(() => {
      const level = prepared(this.db, "DELETE FROM alert_state WHERE rule_id = ? AND subject = ? RETURNING level")
        .pluck()
        .get(ruleId, subject) as number | null | undefined;
      return level ?? null;
    });
  }
}
