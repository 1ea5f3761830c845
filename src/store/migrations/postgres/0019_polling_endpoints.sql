-- Polling endpoints (docs/api.md, "Polling endpoints"): an endpoint whose URL is `polling://…` is
-- never dialled; the messages routed to it form a stream its consumers read by polling.
--
-- The stream is the endpoint's deliveries, read in message-id order through delivery_by_endpoint
-- (endpoint_id, msg_id), so a poll is an index range scan, and retention removes stream entries
-- with their messages (row by row or with their time partition). A polling delivery is written
-- settled (status 0, nothing due) with an offset from one sequence: a number the v2 poller API
-- hands out and takes back in a commit.
ALTER TABLE delivery ADD COLUMN stream_offset BIGINT;
CREATE INDEX delivery_stream_offset ON delivery (endpoint_id, stream_offset) WHERE stream_offset IS NOT NULL;
CREATE SEQUENCE poller_offset_seq;

-- Each consumer of a polling endpoint: its committed position (the stream goes on after this
-- message id; '' is the start), and what it was last handed under a lease (v2 poller API).
CREATE TABLE poller_consumer (
  app_id          TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  endpoint_id     TEXT COLLATE "C" NOT NULL REFERENCES endpoint(id) ON DELETE CASCADE,
  consumer_id     TEXT COLLATE "C" NOT NULL,
  position        TEXT COLLATE "C" NOT NULL,
  leased_position TEXT COLLATE "C",
  lease_until     BIGINT,
  updated_at      BIGINT NOT NULL,
  PRIMARY KEY (endpoint_id, consumer_id)
);

-- A poller token may call only the poller routes of this endpoint (src/api/poller-token-access.ts).
ALTER TABLE api_token ADD COLUMN poller_endpoint_id TEXT COLLATE "C";

-- The endpoint's current poller token, sealed with the master key so GET …/token can show it again.
CREATE TABLE poller_token (
  endpoint_id TEXT COLLATE "C" PRIMARY KEY REFERENCES endpoint(id) ON DELETE CASCADE,
  app_id      TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  token_id    TEXT COLLATE "C" NOT NULL,
  token       TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT
);
