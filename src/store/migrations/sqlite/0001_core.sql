-- Core schema: applications, event types, endpoints, messages, deliveries and attempts.
-- Times are Unix milliseconds. JSON columns hold compact JSON text.

CREATE TABLE application (
  id            TEXT PRIMARY KEY,
  uid           TEXT UNIQUE,
  name          TEXT NOT NULL,
  throttle_rate INTEGER,
  metadata      TEXT NOT NULL DEFAULT '{}',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE event_type (
  name          TEXT PRIMARY KEY,
  description   TEXT NOT NULL,
  archived      INTEGER NOT NULL DEFAULT 0,
  deprecated    INTEGER NOT NULL DEFAULT 0,
  schemas       TEXT,
  group_name    TEXT,
  feature_flags TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE endpoint (
  id               TEXT PRIMARY KEY,
  app_id           TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  uid              TEXT,
  url              TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  version          INTEGER NOT NULL DEFAULT 1,
  disabled         INTEGER NOT NULL DEFAULT 0,
  throttle_rate    INTEGER,
  event_types      TEXT,
  channels         TEXT,
  metadata         TEXT NOT NULL DEFAULT '{}',
  headers          TEXT NOT NULL DEFAULT '{}',
  secret           TEXT NOT NULL,
  -- [{"key": "whsec_…", "expiresAt": ms}]: old secrets still signing during a rotation's grace period
  previous_secrets TEXT NOT NULL DEFAULT '[]',
  -- first failure of the current unbroken run of failures; NULL while healthy
  failing_since    INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  UNIQUE (app_id, uid)
);
CREATE INDEX endpoint_by_app ON endpoint (app_id, id);

CREATE TABLE message (
  id         TEXT PRIMARY KEY,
  app_id     TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  event_id   TEXT,
  payload    TEXT, -- NULL once expunged
  channels   TEXT,
  tags       TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX message_by_app ON message (app_id, id);
CREATE UNIQUE INDEX message_event_id ON message (app_id, event_id) WHERE event_id IS NOT NULL;

-- One row per (message, endpoint): the unit of work the workers claim.
CREATE TABLE delivery (
  id              TEXT PRIMARY KEY,
  app_id          TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  msg_id          TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  endpoint_id     TEXT NOT NULL REFERENCES endpoint(id) ON DELETE CASCADE,
  status          INTEGER NOT NULL,          -- 0 success, 1 pending, 2 fail, 3 sending (retrying)
  attempt_count   INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,                   -- NULL unless an attempt is due or scheduled
  next_trigger    INTEGER NOT NULL DEFAULT 0,-- 0 scheduled, 1 manual
  lease_owner     TEXT,
  lease_until     INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX delivery_by_msg ON delivery (msg_id, endpoint_id);
CREATE INDEX delivery_by_endpoint ON delivery (endpoint_id, msg_id);

CREATE TABLE attempt (
  id                   TEXT PRIMARY KEY,
  app_id               TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  msg_id               TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  endpoint_id          TEXT NOT NULL REFERENCES endpoint(id) ON DELETE CASCADE,
  url                  TEXT NOT NULL,
  status               INTEGER NOT NULL,     -- 0 success, 2 fail
  response_status_code INTEGER NOT NULL,     -- 0 when no response arrived
  response             TEXT,                 -- first 20 kB; NULL once expunged
  response_duration_ms INTEGER NOT NULL,
  trigger_type         INTEGER NOT NULL,     -- 0 scheduled, 1 manual
  error_kind           TEXT,
  request_headers      TEXT NOT NULL,
  created_at           INTEGER NOT NULL
);
CREATE INDEX attempt_by_msg ON attempt (msg_id, id);
CREATE INDEX attempt_by_endpoint ON attempt (endpoint_id, id);

CREATE TABLE idempotency_key (
  scope       TEXT NOT NULL,
  key         TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  body        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
