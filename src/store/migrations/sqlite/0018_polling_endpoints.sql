-- Polling endpoints (docs/api.md, "Polling endpoints"): an endpoint whose URL is `polling://…` is
-- never dialled; the messages routed to it form a stream its consumers read by polling.
--
-- The stream is the endpoint's deliveries, read in message-id order through delivery_by_endpoint
-- (endpoint_id, msg_id), so a poll is an index range scan and retention removes stream entries
-- with their messages. A polling delivery is written settled (status 0, nothing due) with an
-- offset: a number the v2 poller API hands out and takes back in a commit, unique across the store.
ALTER TABLE delivery ADD COLUMN stream_offset INTEGER;
CREATE INDEX delivery_stream_offset ON delivery (endpoint_id, stream_offset) WHERE stream_offset IS NOT NULL;

-- Offsets count up from one counter row (SQLite has no sequences; writes are serial anyway).
CREATE TABLE poller_offset_counter (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  last INTEGER NOT NULL
);
INSERT INTO poller_offset_counter (id, last) VALUES (1, 0);

-- Each consumer of a polling endpoint: where its committed position is (the stream goes on after
-- this message id; '' is the start), and what it was last handed under a lease (v2 poller API).
CREATE TABLE poller_consumer (
  app_id          TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  endpoint_id     TEXT NOT NULL REFERENCES endpoint(id) ON DELETE CASCADE,
  consumer_id     TEXT NOT NULL,
  position        TEXT NOT NULL,
  leased_position TEXT,
  lease_until     INTEGER,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, consumer_id)
);

-- A poller token may call only the poller routes of this endpoint (src/api/poller-token-access.ts).
ALTER TABLE api_token ADD COLUMN poller_endpoint_id TEXT;

-- The endpoint's current poller token, sealed with the master key so GET …/token can show it again.
CREATE TABLE poller_token (
  endpoint_id TEXT PRIMARY KEY REFERENCES endpoint(id) ON DELETE CASCADE,
  app_id      TEXT NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  token_id    TEXT NOT NULL,
  token       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER
);
