-- Tracing: the W3C trace context (traceparent, tracestate) a message was accepted in, which its
-- deliveries continue (docs/operations.md, "Tracing"). NULL for a message posted without one while
-- tracing is off, and for every message accepted before this migration. Added to the partitioned
-- parent, the columns reach every partition; partitions created later copy them (LIKE message).
ALTER TABLE message ADD COLUMN traceparent TEXT;
ALTER TABLE message ADD COLUMN tracestate TEXT;
