-- One token bucket per rate-limited endpoint, shared by every process: tokens refill at the
-- endpoint's rate (per second) up to one second's worth, and each delivery takes one.
CREATE TABLE rate_bucket (
  endpoint_id TEXT PRIMARY KEY,
  tokens      REAL NOT NULL,
  refilled_at INTEGER NOT NULL
);
