-- Alert rules set through the API (/api/v1/alert-rule, docs/operations.md "Alert rules") and the
-- state that de-duplicates their notices: one row per rule and subject (an endpoint, an
-- application or the whole instance) holding the consecutive-failure count, the level last
-- notified and when. Deleting a rule deletes its state.
CREATE TABLE alert_rule (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  kind           TEXT NOT NULL,
  app_id         TEXT,
  endpoint_id    TEXT,
  params         TEXT NOT NULL,
  dedupe_seconds INTEGER NOT NULL,
  disabled       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);

CREATE TABLE alert_state (
  rule_id     TEXT NOT NULL REFERENCES alert_rule(id) ON DELETE CASCADE,
  subject     TEXT NOT NULL,
  failures    INTEGER NOT NULL DEFAULT 0,
  level       INTEGER,
  notified_at INTEGER,
  PRIMARY KEY (rule_id, subject)
);
