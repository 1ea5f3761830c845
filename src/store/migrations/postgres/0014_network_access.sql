-- Network access control (docs/inbound-sources.md, "Address rules"): the client address each ingest
-- log and audit entry was recorded for, why an audit entry was a refusal, the addresses an API token
-- may be used from, and named address lists shared by sources and tokens.
ALTER TABLE ingest_log ADD COLUMN client_ip TEXT;
ALTER TABLE audit_log ADD COLUMN client_ip TEXT;
ALTER TABLE audit_log ADD COLUMN detail TEXT;
ALTER TABLE api_token ADD COLUMN allowed_ips JSONB; -- array of entries; NULL: any address

CREATE TABLE ip_list (
  name        TEXT COLLATE "C" PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  entries     JSONB NOT NULL, -- array of addresses and CIDRs
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
