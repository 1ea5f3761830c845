-- When each periodic job last ran, so that processes sharing the database run it once per interval.
CREATE TABLE job_schedule (
  name        TEXT PRIMARY KEY,
  last_run_at INTEGER NOT NULL
);
