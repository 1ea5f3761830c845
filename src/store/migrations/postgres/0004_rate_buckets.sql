-- One token bucket per rate-limited endpoint, shared by every process: tokens refill at the
-- endpoint's rate (per second) up to one second's worth, and each delivery takes one.
CREATE TABLE rate_bucket (
  endpoint_id TEXT COLLATE "C" PRIMARY KEY,
  tokens      DOUBLE PRECISION NOT NULL,
  refilled_at BIGINT NOT NULL
);
