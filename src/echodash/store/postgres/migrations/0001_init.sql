-- EchoDash schema v1 (PostgreSQL). Times are timestamptz; JSON is jsonb.
CREATE TABLE workspaces (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    retention_days INTEGER,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE endpoints (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    options JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX endpoints_workspace ON endpoints(workspace_id, id);

CREATE TABLE endpoint_secrets (
    id BIGSERIAL PRIMARY KEY,
    endpoint_id BIGINT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    sealed TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);
CREATE INDEX endpoint_secrets_endpoint ON endpoint_secrets(endpoint_id, id);

CREATE TABLE rejections (
    endpoint_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    count BIGINT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (endpoint_id, reason)
);

CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL,
    endpoint_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    headers JSONB NOT NULL,
    body BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    secret_id BIGINT,
    duplicates INTEGER NOT NULL DEFAULT 0,
    processed BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (endpoint_id, key)
);
CREATE INDEX deliveries_pending ON deliveries(id) WHERE NOT processed;
-- Rows arrive in time order, so a block-range index finds old ones for pruning at almost no
-- cost per insert (a B-tree here cost the receive path ~15 % per group).
CREATE INDEX deliveries_age ON deliveries USING BRIN (received_at);
-- lz4 compresses a 3 KB body in a fraction of pglz's time; kept as is where the server was
-- built without it.
DO $$
BEGIN
    ALTER TABLE deliveries ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
    NULL;
END $$;

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL,
    endpoint_id BIGINT,
    delivery_id BIGINT,
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    actor TEXT,
    subject TEXT,
    url TEXT,
    occurred_at TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    severity TEXT NOT NULL,
    tags JSONB NOT NULL DEFAULT '[]',
    fields JSONB NOT NULL DEFAULT '{}',
    -- The words search matches, as EchoDash splits them (see echodash.search): lower-cased
    -- runs of letters and digits, every word matched as a prefix.
    search TSVECTOR NOT NULL
);
CREATE INDEX events_feed ON events(workspace_id, id);
CREATE INDEX events_source_type ON events(workspace_id, source, type, id);
CREATE INDEX events_type ON events(workspace_id, type, id);
CREATE INDEX events_severity ON events(workspace_id, severity, id);
CREATE INDEX events_endpoint ON events(workspace_id, endpoint_id, id);
CREATE INDEX events_delivery ON events(delivery_id);
CREATE INDEX events_age ON events USING BRIN (received_at);
CREATE INDEX events_search ON events USING GIN (search);

CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY,
    filler BYTEA NOT NULL
);

CREATE TABLE instance_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE job_schedule (
    name TEXT PRIMARY KEY,
    due_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE job_runs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    node TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX job_runs_name ON job_runs(name, id);
