-- Scheduled messages: the delivery time the sender asked for (ms), echoed by the API. NULL for
-- "at once". The deliveries of a scheduled message carry the same time as their next_attempt_at,
-- which is what the workers claim by; this column only records what was asked. Added to the
-- partitioned parent, it reaches every partition; partitions created later copy it (LIKE message).
ALTER TABLE message ADD COLUMN deliver_at BIGINT;
