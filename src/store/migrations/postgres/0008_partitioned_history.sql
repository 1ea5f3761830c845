-- Message history in time partitions, so that retention drops old data a partition at a time
-- instead of deleting it row by row (on a 2-core machine, deleting a million rows raised delivery
-- p99 4–5×: the deletes' CPU and WAL slow every commit; see docs/benchmarks.md, "Retention").
--
-- message, delivery and attempt are partitioned by RANGE of the message id. Ids begin with their
-- creation time (core/ids.ts), so a partition holds the messages created in one time window, with
-- all their deliveries and attempts: the three partitions of a window are created and dropped
-- together (store/postgres/partitions.ts creates them ahead of the clock).
--
-- What partitioning costs, and why:
--   * A unique index must include the partition key. delivery's and attempt's primary keys become
--     (id, msg_id); the per-app eventId uniqueness moves to its own table, message_event_key, whose
--     primary key keeps the name the store matches (message_event_id).
--   * No foreign keys to or from these tables. Detaching a referenced partition would scan the
--     referencing tables; and dropping a partition that references application or endpoint drops
--     the foreign key's triggers on those tables, which takes an ACCESS EXCLUSIVE lock on them:
--     every API request and delivery waited for each drop, and statements that had locked one of
--     the two deadlocked with it (the first benchmark run of this design: API p99 4.5 s, three
--     500s). Deliveries and attempts go with their message's partition, or are deleted with it
--     where rows are deleted one by one; deleting an application or an endpoint deletes its
--     messages, deliveries and attempts in the same statement (store/postgres/applications.ts).
--   * No DEFAULT partition: PostgreSQL refuses DETACH … CONCURRENTLY while one exists, and a plain
--     DETACH or DROP locks the whole table. A row with no partition for its id is refused, and the
--     store creates the partition and inserts again.
--
-- Existing rows are not copied: the old tables become one partition each, `*_legacy`, for every id
-- older than this migration, deleted row by row as before until the whole partition has expired.

-- The smallest id of `prefix` created at `ms`: core/ids.ts's idFloorAt, for bounds computed here.
CREATE FUNCTION hookline_id_floor(prefix TEXT, ms BIGINT) RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  alphabet CONSTANT TEXT := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  value NUMERIC := ms::NUMERIC * 5192296858534827628530496329220096; -- 2^112
  encoded TEXT := '';
BEGIN
  FOR i IN 1..27 LOOP
    encoded := substr(alphabet, (mod(value, 62))::INT + 1, 1) || encoded;
    value := div(value, 62);
  END LOOP;
  RETURN prefix || '_' || encoded;
END $$;

ALTER TABLE message DROP CONSTRAINT message_app_id_fkey;
ALTER TABLE delivery DROP CONSTRAINT delivery_msg_id_fkey;
ALTER TABLE delivery DROP CONSTRAINT delivery_app_id_fkey;
ALTER TABLE delivery DROP CONSTRAINT delivery_endpoint_id_fkey;
ALTER TABLE attempt DROP CONSTRAINT attempt_msg_id_fkey;
ALTER TABLE attempt DROP CONSTRAINT attempt_app_id_fkey;
ALTER TABLE attempt DROP CONSTRAINT attempt_endpoint_id_fkey;

ALTER TABLE message RENAME TO message_legacy;
ALTER INDEX message_pkey RENAME TO message_legacy_pkey;
ALTER INDEX message_by_app RENAME TO message_legacy_by_app;
ALTER INDEX message_event_id RENAME TO message_legacy_event_id;
ALTER INDEX message_payload_expiry RENAME TO message_legacy_payload_expiry;
ALTER TABLE delivery RENAME TO delivery_legacy;
ALTER INDEX delivery_pkey RENAME TO delivery_legacy_pkey;
ALTER INDEX delivery_due RENAME TO delivery_legacy_due;
ALTER INDEX delivery_by_msg RENAME TO delivery_legacy_by_msg;
ALTER INDEX delivery_by_endpoint RENAME TO delivery_legacy_by_endpoint;
ALTER INDEX delivery_unsettled_by_endpoint RENAME TO delivery_legacy_unsettled_by_endpoint;
ALTER TABLE attempt RENAME TO attempt_legacy;
ALTER INDEX attempt_pkey RENAME TO attempt_legacy_pkey;
ALTER INDEX attempt_by_msg RENAME TO attempt_legacy_by_msg;
ALTER INDEX attempt_by_endpoint RENAME TO attempt_legacy_by_endpoint;

-- Same columns, in the same order, as the tables they replace (ATTACH requires the same set).
CREATE TABLE message (
  id                 TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  app_id             TEXT COLLATE "C" NOT NULL,
  event_type         TEXT COLLATE "C" NOT NULL,
  event_id           TEXT COLLATE "C",
  payload            TEXT,
  channels           JSONB,
  tags               JSONB,
  created_at         BIGINT NOT NULL,
  payload_expires_at BIGINT,
  inbound            JSONB
) PARTITION BY RANGE (id);
CREATE INDEX message_by_app ON message (app_id, id);
CREATE INDEX message_by_event_id ON message (app_id, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX message_payload_expiry ON message (payload_expires_at) WHERE payload IS NOT NULL;

-- Partitions are created WITH (fillfactor = 80), as delivery was (0001_core.sql says why); the
-- setting cannot be put on a partitioned table itself.
CREATE TABLE delivery (
  id              TEXT COLLATE "C" NOT NULL,
  app_id          TEXT COLLATE "C" NOT NULL,
  msg_id          TEXT COLLATE "C" NOT NULL,
  endpoint_id     TEXT COLLATE "C" NOT NULL,
  status          SMALLINT NOT NULL,
  attempt_count   INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  next_trigger    SMALLINT NOT NULL DEFAULT 0,
  lease_owner     TEXT,
  lease_until     BIGINT,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  PRIMARY KEY (id, msg_id)
) PARTITION BY RANGE (msg_id);
CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE UNIQUE INDEX delivery_by_msg ON delivery (msg_id, endpoint_id);
CREATE INDEX delivery_by_endpoint ON delivery (endpoint_id, msg_id);
CREATE INDEX delivery_unsettled_by_endpoint ON delivery (endpoint_id, msg_id) WHERE next_attempt_at IS NOT NULL;

CREATE TABLE attempt (
  id                   TEXT COLLATE "C" NOT NULL,
  app_id               TEXT COLLATE "C" NOT NULL,
  msg_id               TEXT COLLATE "C" NOT NULL,
  endpoint_id          TEXT COLLATE "C" NOT NULL,
  url                  TEXT NOT NULL,
  status               SMALLINT NOT NULL,
  response_status_code INTEGER NOT NULL,
  response             TEXT,
  response_duration_ms INTEGER NOT NULL,
  trigger_type         SMALLINT NOT NULL,
  error_kind           TEXT,
  request_headers      JSONB NOT NULL,
  created_at           BIGINT NOT NULL,
  PRIMARY KEY (id, msg_id)
) PARTITION BY RANGE (msg_id);
CREATE INDEX attempt_by_msg ON attempt (msg_id, id);
CREATE INDEX attempt_by_endpoint ON attempt (endpoint_id, id);

-- eventId is unique per application across all partitions, so it needs a table of its own. Rows
-- are small and exist only for messages sent with an eventId; retention deletes those whose
-- message is gone.
CREATE TABLE message_event_key (
  app_id   TEXT COLLATE "C" NOT NULL REFERENCES application(id) ON DELETE CASCADE,
  event_id TEXT COLLATE "C" NOT NULL,
  msg_id   TEXT COLLATE "C" NOT NULL,
  CONSTRAINT message_event_id PRIMARY KEY (app_id, event_id)
);
CREATE INDEX message_event_key_by_msg ON message_event_key (msg_id);
INSERT INTO message_event_key (app_id, event_id, msg_id)
  SELECT app_id, event_id, id FROM message_legacy WHERE event_id IS NOT NULL;

-- The legacy partitions end a minute after now: a process still running the old code, or with its
-- clock slightly ahead, may add a few more rows to the old tables before this commits.
DO $$
DECLARE
  upper_bound TEXT := hookline_id_floor('msg', floor(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT + 60000);
BEGIN
  IF EXISTS (SELECT 1 FROM message_legacy) OR EXISTS (SELECT 1 FROM attempt_legacy) THEN
    -- Their primary keys become (id, msg_id), which ATTACH builds; a table has one primary key.
    ALTER TABLE delivery_legacy DROP CONSTRAINT delivery_legacy_pkey;
    ALTER TABLE attempt_legacy DROP CONSTRAINT attempt_legacy_pkey;
    EXECUTE format('ALTER TABLE message ATTACH PARTITION message_legacy FOR VALUES FROM (MINVALUE) TO (%L)', upper_bound);
    EXECUTE format('ALTER TABLE delivery ATTACH PARTITION delivery_legacy FOR VALUES FROM (MINVALUE) TO (%L)', upper_bound);
    EXECUTE format('ALTER TABLE attempt ATTACH PARTITION attempt_legacy FOR VALUES FROM (MINVALUE) TO (%L)', upper_bound);
  ELSE
    DROP TABLE attempt_legacy, delivery_legacy, message_legacy;
  END IF;
END $$;
