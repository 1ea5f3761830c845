-- Per-endpoint routing and shaping options (payload filter, transformation, format, ordering,
-- CloudEvents handshake) as one JSON document: they are read together by the worker and change
-- together through the API. The handshake result is written by workers, so it has its own column.
ALTER TABLE endpoint ADD COLUMN options JSONB NOT NULL DEFAULT '{}';
ALTER TABLE endpoint ADD COLUMN handshake_validated_at BIGINT;
-- Per-event-type retry schedule (seconds), overriding HOOKLINE_RETRY_SCHEDULE.
ALTER TABLE event_type ADD COLUMN retry_schedule JSONB;
-- Ordered endpoints ask "which delivery of this endpoint is the oldest still unsettled?" before
-- every attempt; only unsettled rows are indexed, so the answer does not scan the history.
CREATE INDEX delivery_unsettled_by_endpoint ON delivery (endpoint_id, msg_id) WHERE next_attempt_at IS NOT NULL;
