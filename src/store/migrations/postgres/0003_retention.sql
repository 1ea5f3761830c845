-- Per-message payload retention: the payload is purged at this time (ms), the row itself lives on
-- until the global retention period ends. Partial index: only payloads still present are looked up.
ALTER TABLE message ADD COLUMN payload_expires_at BIGINT;
CREATE INDEX message_payload_expiry ON message (payload_expires_at) WHERE payload IS NOT NULL;
