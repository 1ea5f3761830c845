-- The consumer portal's inspector (docs/portal.md): a Hookline-hosted test URL that keeps the last
-- requests it received, so a consumer without a server can watch deliveries arrive.
CREATE TABLE inspector (
  id          TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  url         TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX inspector_by_app ON inspector (app_id, id);

CREATE TABLE inspector_request (
  id            TEXT PRIMARY KEY,
  inspector_id  TEXT NOT NULL REFERENCES inspector(id) ON DELETE CASCADE,
  received_at   INTEGER NOT NULL,
  method        TEXT NOT NULL,
  headers       TEXT NOT NULL,  -- JSON object
  body          TEXT NOT NULL,  -- at most the body cap, as UTF-8
  body_bytes    INTEGER NOT NULL,
  truncated     INTEGER NOT NULL
);
CREATE INDEX inspector_request_by_inspector ON inspector_request (inspector_id, id);
