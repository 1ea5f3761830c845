-- Integrations: named keys for one application (Svix's /app/{app_id}/integration). The key is an
-- API token confined to the application; its hash is in api_token like every token's, and the key
-- itself is kept here, sealed with the master key, so that it can be shown again.
CREATE TABLE integration (
  id            TEXT PRIMARY KEY,
  app_id        TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  feature_flags TEXT,
  key           TEXT NOT NULL,
  token_id      TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX integration_by_app ON integration (app_id, id);
