-- Background tasks (docs/api.md, "Background tasks"): bulk replays, recovers and expunges that run
-- in batches after the request that asked for them. `cursor` is the last key a batch handled, so a
-- task resumes where it stopped; `lease_owner`/`lease_until` lease it to one process at a time, as
-- deliveries are. No foreign key to application: a task's record outlives the application it
-- worked on (a task whose application is gone fails).
CREATE TABLE background_task (
  id          TEXT PRIMARY KEY,
  app_id      TEXT,
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL,
  params      TEXT NOT NULL,
  cursor      TEXT,
  data        TEXT NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
-- Only running tasks are ever claimed; finished ones stay for the list.
CREATE INDEX background_task_running ON background_task (id) WHERE status = 'running';
CREATE INDEX background_task_by_app ON background_task (app_id, id);
