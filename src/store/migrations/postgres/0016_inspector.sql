-- The consumer portal's inspector (docs/portal.md): a Hookline-hosted test URL that keeps the last
-- requests it received, so a consumer without a server can watch deliveries arrive.
CREATE TABLE inspector (
  id          TEXT COLLATE "C" PRIMARY KEY,
  app_id      TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  url         TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX inspector_by_app ON inspector (app_id, id);

CREATE TABLE inspector_request (
  id            TEXT COLLATE "C" PRIMARY KEY,
  inspector_id  TEXT COLLATE "C" NOT NULL REFERENCES inspector(id) ON DELETE CASCADE,
  received_at   BIGINT NOT NULL,
  method        TEXT NOT NULL,
  headers       TEXT NOT NULL,  -- JSON object
  body          TEXT NOT NULL,  -- at most the body cap, as UTF-8
  body_bytes    INTEGER NOT NULL,
  truncated     INTEGER NOT NULL
);
CREATE INDEX inspector_request_by_inspector ON inspector_request (inspector_id, id);
