-- API tokens beyond the bootstrap admin token: admin tokens and tokens confined to one
-- application (app portal access). Only a SHA-256 of each token is stored.
CREATE TABLE api_token (
  id           TEXT PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,
  app_id       TEXT REFERENCES application(id) ON DELETE CASCADE, -- NULL for admin tokens
  name         TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX api_token_by_app ON api_token (app_id);

-- Who changed what, when: one row per successful configuration change made through the API.
CREATE TABLE audit_log (
  id         TEXT PRIMARY KEY,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  path       TEXT NOT NULL,
  app_id     TEXT,
  status     INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

-- Small facts about the installation, e.g. a fingerprint of the master key the secrets are encrypted with.
CREATE TABLE setting (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
