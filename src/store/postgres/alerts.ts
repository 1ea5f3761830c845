import type pg from "pg";
import type { AlertRule } from "../../core/alert-rule.ts";
import { ruleInsertValues, ruleUpdateValues, toRule, type RuleRow } from "../rows/alerts.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import type { AlertRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { Params } from "./sql.ts";

export class PostgresAlerts implements AlertRepository {
  constructor(private readonly pool: pg.Pool) {}

  async insertRule(r: AlertRule): Promise<void> {
    await this.pool.query(
      `INSERT INTO alert_rule (id, name, kind, app_id, endpoint_id, params, dedupe_seconds, disabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)`,
      ruleInsertValues(r, POSTGRES_COLUMNS),
    );
  }

  async getRule(id: string): Promise<AlertRule | undefined> {
    const { rows } = await this.pool.query<RuleRow>("SELECT * FROM alert_rule WHERE id = $1", [id]);
    return rows[0] && toRule(rows[0], POSTGRES_COLUMNS);
  }

  async listRules(page: PageRequest): Promise<Page<AlertRule>> {
    return paginate<RuleRow, AlertRule>(
      this.pool,
      { from: "alert_rule", where: [], params: new Params(), key: "id" },
      page,
      (r) => toRule(r, POSTGRES_COLUMNS),
      (r) => r.id,
    );
  }

  async allRules(): Promise<AlertRule[]> {
    const { rows } = await this.pool.query<RuleRow>("SELECT * FROM alert_rule ORDER BY id");
    return rows.map((r) => toRule(r, POSTGRES_COLUMNS));
  }

  async updateRule(r: AlertRule): Promise<void> {
    await this.pool.query(
      `UPDATE alert_rule SET name = $1, kind = $2, app_id = $3, endpoint_id = $4, params = $5::jsonb,
         dedupe_seconds = $6, disabled = $7, updated_at = $8 WHERE id = $9`,
      ruleUpdateValues(r, POSTGRES_COLUMNS),
    );
  }

  async deleteRule(id: string): Promise<void> {
    await this.pool.query("DELETE FROM alert_rule WHERE id = $1", [id]);
  }

  async countFailure(ruleId: string, subject: string): Promise<number> {
    const { rows } = await this.pool.query<{ failures: number }>(
      `INSERT INTO alert_state (rule_id, subject, failures) VALUES ($1, $2, 1)
       ON CONFLICT (rule_id, subject) DO UPDATE SET failures = alert_state.failures + 1
       RETURNING failures`,
      [ruleId, subject],
    );
    return rows[0]!.failures;
  }

  async claimNotice(ruleId: string, subject: string, level: number, now: number, dedupeMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO alert_state (rule_id, subject, level, notified_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (rule_id, subject) DO UPDATE SET level = excluded.level, notified_at = excluded.notified_at
       WHERE alert_state.level IS NULL OR alert_state.level <> excluded.level OR alert_state.notified_at <= $5`,
      [ruleId, subject, level, now, now - dedupeMs],
    );
    return rowCount === 1;
  }

  async clearState(ruleId: string, subject: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ level: number | null }>(
      "DELETE FROM alert_state WHERE rule_id = $1 AND subject = $2 RETURNING level",
      [ruleId, subject],
    );
    return rows[0]?.level ?? null;
  }
}
