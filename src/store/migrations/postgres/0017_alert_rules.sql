-- Alert rules set through the API (/api/v1/alert-rule, docs/operations.md "Alert rules") and the
-- state that de-duplicates their notices: one row per rule and subject (an endpoint, an
-- application or the whole instance) holding the consecutive-failure count, the level last
-- notified and when. Deleting a rule deletes its state.
CREATE TABLE alert_rule (
  id             TEXT COLLATE "C" PRIMARY KEY,
  name           TEXT NOT NULL,
  kind           TEXT NOT NULL,
  app_id         TEXT,
  endpoint_id    TEXT,
  params         JSONB NOT NULL,
  dedupe_seconds INTEGER NOT NULL,
  disabled       BOOLEAN NOT NULL DEFAULT FALSE,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);

CREATE TABLE alert_state (
  rule_id     TEXT COLLATE "C" NOT NULL REFERENCES alert_rule(id) ON DELETE CASCADE,
  subject     TEXT NOT NULL,
  failures    INTEGER NOT NULL DEFAULT 0,
  level       INTEGER,
  notified_at BIGINT,
  PRIMARY KEY (rule_id, subject)
);
