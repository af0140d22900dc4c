-- Per-workspace retention, and the schedule and log of cluster-wide background jobs.
ALTER TABLE workspaces ADD COLUMN retention_days INTEGER;

CREATE INDEX deliveries_age ON deliveries(workspace_id, received_at);
CREATE INDEX events_age ON events(workspace_id, received_at);

CREATE TABLE job_schedule (
    name TEXT PRIMARY KEY,
    due_at INTEGER NOT NULL
);

CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    node TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX job_runs_name ON job_runs(name, id);
