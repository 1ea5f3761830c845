-- Remembered idempotent responses are sealed under the master key from this version on
-- (docs/operations.md#secrets-at-rest). Rows written before it hold whole response bodies in the
-- clear, among them tokens shown only once (admin tokens, app-portal access, ingest source URL
-- tokens). A migration has no key to seal them with, so they are deleted: at worst a client
-- retrying a request it sent before the upgrade has it carried out a second time.
DELETE FROM idempotency_key WHERE body NOT LIKE 'enc:%';

-- Endpoint custom headers are sealed too (the column is TEXT already). Existing rows are sealed
-- in place at start-up, where the key is known (src/main/hookline.ts).
