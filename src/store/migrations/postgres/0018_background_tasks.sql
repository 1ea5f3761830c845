-- Background tasks (docs/api.md, "Background tasks"): bulk replays, recovers and expunges that run
-- in batches after the request that asked for them. `cursor` is the last key a batch handled, so a
-- task resumes where it stopped; `lease_owner`/`lease_until` lease it to one process at a time, as
-- deliveries are (claimed with FOR UPDATE SKIP LOCKED). No foreign key to application: a task's
-- record outlives the application it worked on (a task whose application is gone fails).
CREATE TABLE background_task (
  id          TEXT COLLATE "C" PRIMARY KEY,
  app_id      TEXT COLLATE "C",
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL,
  params      JSONB NOT NULL,
  cursor      TEXT COLLATE "C",
  data        JSONB NOT NULL,
  lease_owner TEXT,
  lease_until BIGINT,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
-- Only running tasks are ever claimed; finished ones stay for the list.
CREATE INDEX background_task_running ON background_task (id) WHERE status = 'running';
CREATE INDEX background_task_by_app ON background_task (app_id, id);
