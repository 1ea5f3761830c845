-- Core schema: applications, event types, endpoints, messages, deliveries and attempts.
-- The PostgreSQL twin of migrations/sqlite/0001_core.sql; differences, and why:
--   * Times are BIGINT Unix milliseconds (INTEGER is 32-bit here and would overflow in 1970).
--   * Ids, uids and event-type names are TEXT COLLATE "C": keyset pagination compares and orders
--     them bytewise, as SQLite's BINARY collation does, whatever locale the database was created
--     with (under en-US "a" < "B", which would break base62 creation order).
--   * Flags are BOOLEAN, small enums SMALLINT; JSON columns are JSONB, except the message payload
--     (its exact bytes are signed, and JSONB would reorder keys and respace it) and the attempt
--     response (arbitrary text from the receiver).
--   * delivery has UNIQUE (msg_id, endpoint_id): one delivery per message and endpoint is the model
--     SQLite relies on by serialising writers; here concurrent resends need the index to upsert.

CREATE TABLE application (
  id            TEXT COLLATE "C" PRIMARY KEY,
  uid           TEXT COLLATE "C" UNIQUE,
  name          TEXT NOT NULL,
  throttle_rate INTEGER,
  metadata      JSONB NOT NULL DEFAULT '{}',
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE event_type (
  name          TEXT COLLATE "C" PRIMARY KEY,
  description   TEXT NOT NULL,
  archived      BOOLEAN NOT NULL DEFAULT FALSE,
  deprecated    BOOLEAN NOT NULL DEFAULT FALSE,
  schemas       JSONB,
  group_name    TEXT,
  feature_flags JSONB,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE endpoint (
  id               TEXT COLLATE "C" PRIMARY KEY,
  app_id           TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  uid              TEXT COLLATE "C",
  url              TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  version          INTEGER NOT NULL DEFAULT 1,
  disabled         BOOLEAN NOT NULL DEFAULT FALSE,
  throttle_rate    INTEGER,
  event_types      JSONB,
  channels         JSONB,
  metadata         JSONB NOT NULL DEFAULT '{}',
  headers          JSONB NOT NULL DEFAULT '{}',
  secret           TEXT NOT NULL,
  -- [{"key": "whsec_…", "expiresAt": ms}]: old secrets still signing during a rotation's grace period
  previous_secrets JSONB NOT NULL DEFAULT '[]',
  -- first failure of the current unbroken run of failures; NULL while healthy
  failing_since    BIGINT,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  UNIQUE (app_id, uid)
);
CREATE INDEX endpoint_by_app ON endpoint (app_id, id);

CREATE TABLE message (
  id         TEXT COLLATE "C" PRIMARY KEY,
  app_id     TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  event_type TEXT COLLATE "C" NOT NULL,
  event_id   TEXT COLLATE "C",
  payload    TEXT, -- compact JSON exactly as signed; NULL once expunged
  channels   JSONB,
  tags       JSONB,
  created_at BIGINT NOT NULL
);
CREATE INDEX message_by_app ON message (app_id, id);
-- The name is matched in code: a violation of it is the API's 409 "eventId already exists".
CREATE UNIQUE INDEX message_event_id ON message (app_id, event_id) WHERE event_id IS NOT NULL;

-- One row per (message, endpoint): the unit of work the workers claim. Claims and lease renewals
-- rewrite rows several times per attempt without touching indexed columns; fillfactor 80 leaves
-- ~1.6 kB per 8 kB page free so those updates stay on-page (HOT) instead of adding index entries.
CREATE TABLE delivery (
  id              TEXT COLLATE "C" PRIMARY KEY,
  app_id          TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  msg_id          TEXT COLLATE "C" NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  endpoint_id     TEXT COLLATE "C" NOT NULL REFERENCES endpoint(id) ON DELETE CASCADE,
  status          SMALLINT NOT NULL,           -- 0 success, 1 pending, 2 fail, 3 sending (retrying)
  attempt_count   INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,                      -- NULL unless an attempt is due or scheduled
  next_trigger    SMALLINT NOT NULL DEFAULT 0, -- 0 scheduled, 1 manual
  lease_owner     TEXT,
  lease_until     BIGINT,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
) WITH (fillfactor = 80);
-- Partial: finished deliveries (the vast majority) stay out of the index claimDue scans.
CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE UNIQUE INDEX delivery_by_msg ON delivery (msg_id, endpoint_id);
CREATE INDEX delivery_by_endpoint ON delivery (endpoint_id, msg_id);

CREATE TABLE attempt (
  id                   TEXT COLLATE "C" PRIMARY KEY,
  app_id               TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  msg_id               TEXT COLLATE "C" NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  endpoint_id          TEXT COLLATE "C" NOT NULL REFERENCES endpoint(id) ON DELETE CASCADE,
  url                  TEXT NOT NULL,
  status               SMALLINT NOT NULL,    -- 0 success, 2 fail
  response_status_code INTEGER NOT NULL,     -- 0 when no response arrived
  response             TEXT,                 -- first 20 kB; NULL once expunged
  response_duration_ms INTEGER NOT NULL,
  trigger_type         SMALLINT NOT NULL,    -- 0 scheduled, 1 manual
  error_kind           TEXT,
  request_headers      JSONB NOT NULL,
  created_at           BIGINT NOT NULL
);
CREATE INDEX attempt_by_msg ON attempt (msg_id, id);
CREATE INDEX attempt_by_endpoint ON attempt (endpoint_id, id);

CREATE TABLE idempotency_key (
  scope       TEXT NOT NULL,
  key         TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  body        TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
-- purge() runs every minute and deletes by age; without this it would scan the whole table.
CREATE INDEX idempotency_key_by_age ON idempotency_key (created_at);
