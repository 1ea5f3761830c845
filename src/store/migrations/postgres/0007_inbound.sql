-- Inbound gateway: sources that receive third-party webhooks, their request log and the
-- provider delivery ids seen recently (de-duplication). Each source owns a backing application
-- whose endpoints are the source's destinations, so forwarding reuses the outbound engine.

CREATE TABLE ingest_source (
  id         TEXT COLLATE "C" PRIMARY KEY,
  uid        TEXT COLLATE "C" UNIQUE,
  app_id     TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES application(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  type       TEXT NOT NULL,
  config     TEXT NOT NULL, -- JSON, sealed with the master key (it holds the provider's secrets)
  options    JSONB NOT NULL DEFAULT '{}', -- Hookline settings: dedupe window, forwarded headers, response
  metadata   JSONB NOT NULL DEFAULT '{}',
  token      TEXT NOT NULL, -- sealed; part of the ingest URL, rotatable
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE ingest_dedupe (
  source_id  TEXT NOT NULL REFERENCES ingest_source(id) ON DELETE CASCADE,
  dedupe_key TEXT NOT NULL,
  msg_id     TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (source_id, dedupe_key)
);
CREATE INDEX ingest_dedupe_by_expiry ON ingest_dedupe (expires_at);

CREATE TABLE ingest_log (
  id          TEXT COLLATE "C" PRIMARY KEY,
  source_id   TEXT COLLATE "C" NOT NULL REFERENCES ingest_source(id) ON DELETE CASCADE,
  status_code INTEGER NOT NULL,
  outcome     TEXT NOT NULL, -- accepted | duplicate | refused | replied | rejected
  error_text  TEXT NOT NULL DEFAULT '',
  headers     JSONB NOT NULL DEFAULT '{}',
  payload     TEXT NOT NULL DEFAULT '',
  msg_id      TEXT,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE INDEX ingest_log_by_source ON ingest_log (source_id, id);
CREATE INDEX ingest_log_by_time ON ingest_log (created_at);

-- How an inbound message is forwarded: original content type, chosen original headers, and
-- whether `payload` holds the body as text or (for bytes that are not UTF-8) as base64.
ALTER TABLE message ADD COLUMN inbound JSONB;
