-- The receiver's response headers on each attempt (docs/api.md, "Response headers"): a JSON
-- object of lower-case names to values, at most 50 headers and 8 KiB, with credentials redacted
-- (src/delivery/response-headers.ts). NULL when no response came, for attempts recorded before
-- this migration, and after the attempt's content was deleted. Added to the partitioned parent,
-- the column reaches every partition; a nullable column without a default rewrites nothing.
ALTER TABLE attempt ADD COLUMN response_headers JSONB;
