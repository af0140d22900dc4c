-- History read from a tool's API (backfill/): one row per run, with the cursor it resumes
-- from and the lease of the process working on it. `token_sealed` is the token sealed like
-- endpoint secrets, forgotten when the run is done.
CREATE TABLE backfills (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    endpoint_id BIGINT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    params JSONB NOT NULL,
    status TEXT NOT NULL,
    items BIGINT NOT NULL DEFAULT 0,
    events_added BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    cursor JSONB NOT NULL DEFAULT '{}',
    token_sealed TEXT,
    background BOOLEAN NOT NULL DEFAULT false,
    node TEXT,
    lease_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX backfills_endpoint ON backfills (endpoint_id, provider, id);

-- The provider's own id of the thing a delivery reports (a deployment status, a pushed head,
-- a merged pull request…), per endpoint, and whether the first delivery of it came from a
-- backfill: a backfilled delivery of a thing a webhook reported gets no events, nor does a
-- webhook of a thing a backfill brought (webhooks among themselves keep their own dedup).
CREATE TABLE delivery_things (
    endpoint_id BIGINT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    thing TEXT NOT NULL,
    delivery_id BIGINT NOT NULL,
    backfilled BOOLEAN NOT NULL,
    PRIMARY KEY (endpoint_id, thing)
);
