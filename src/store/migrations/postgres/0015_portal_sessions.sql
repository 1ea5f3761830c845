-- Consumer portal sessions (docs/portal.md): what a token issued by app portal access may do.
-- A NULL `portal_capabilities` marks a token that is not a portal session (admin tokens and
-- integration keys), which the portal's capability table does not govern.
ALTER TABLE api_token ADD COLUMN portal_capabilities TEXT;      -- JSON array of capability names
ALTER TABLE api_token ADD COLUMN portal_read_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_token ADD COLUMN portal_feature_flags TEXT;     -- JSON array; NULL for none
ALTER TABLE api_token ADD COLUMN portal_session_id TEXT;
CREATE INDEX api_token_portal_session ON api_token (app_id, portal_session_id);

-- Portal tokens issued before this migration had every capability; they keep it.
UPDATE api_token
   SET portal_capabilities =
       '["ViewBase","ViewEndpointSecret","ManageEndpointSecret","ManageTransformations","CreateAttempts","ManageEndpoint"]'
 WHERE app_id IS NOT NULL
   AND name LIKE 'app portal access%'
   AND id NOT IN (SELECT token_id FROM integration);
