-- History read from a tool's API (backfill/): one row per run, with the cursor it resumes
-- from and the lease of the process working on it. `params` is JSON (repo, since, api_url);
-- `token_sealed` the token sealed like endpoint secrets, forgotten when the run is done.
-- Times in microseconds (UTC).
CREATE TABLE backfills (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    endpoint_id INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    items INTEGER NOT NULL DEFAULT 0,
    events_added INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    cursor TEXT NOT NULL DEFAULT '{}',
    token_sealed TEXT,
    background INTEGER NOT NULL DEFAULT 0,
    node TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX backfills_endpoint ON backfills (endpoint_id, provider, id);

-- The provider's own id of the thing a delivery reports (a deployment status, a pushed head,
-- a merged pull request…), per endpoint, and whether the first delivery of it came from a
-- backfill: a backfilled delivery of a thing a webhook reported gets no events, nor does a
-- webhook of a thing a backfill brought (webhooks among themselves keep their own dedup).
CREATE TABLE delivery_things (
    endpoint_id INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    thing TEXT NOT NULL,
    delivery_id INTEGER NOT NULL,
    backfilled INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, thing)
) WITHOUT ROWID;
