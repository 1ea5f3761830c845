-- An endpoint's due deliveries, found without reading anyone else's: a bulk replay or recover
-- re-arms a batch only while fewer than a batch of the endpoint's deliveries wait to be sent
-- (src/core/background-tasks/task-step.ts). Without that pacing a replay made 100,000 deliveries
-- due at once, and every claim of a worker whose lanes for that endpoint were full read past all
-- of them in delivery_due to find anyone else's work (docs/benchmarks.md, "Background tasks").
CREATE INDEX delivery_due_by_endpoint ON delivery (endpoint_id, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
