-- Metric facts (store/base/metrics.py): small tables kept in the transaction that stores the
-- events they come from, keyed by the providers' own ids. Times are timestamptz.
CREATE TABLE metric_deployments (
    workspace_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    service TEXT NOT NULL,
    environment TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    sha TEXT,
    ref TEXT,
    event_id BIGINT,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX metric_deployments_at ON metric_deployments(workspace_id, at);
CREATE TABLE metric_commits (
    workspace_id BIGINT NOT NULL,
    service TEXT NOT NULL,
    ref TEXT NOT NULL,
    sha TEXT NOT NULL,
    committed_at TIMESTAMPTZ NOT NULL,
    pushed_at TIMESTAMPTZ NOT NULL,
    event_id BIGINT,
    PRIMARY KEY (workspace_id, service, ref, sha)
);
CREATE INDEX metric_commits_pushed ON metric_commits(workspace_id, pushed_at);
CREATE TABLE metric_push_heads (
    workspace_id BIGINT NOT NULL,
    service TEXT NOT NULL,
    ref TEXT NOT NULL,
    head TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    event_id BIGINT,
    PRIMARY KEY (workspace_id, service, ref, head)
);
CREATE INDEX metric_push_heads_at ON metric_push_heads(workspace_id, at);
CREATE TABLE metric_incidents (
    workspace_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    service TEXT NOT NULL,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ,
    root_cause TEXT,
    event_ids TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX metric_incidents_start ON metric_incidents(workspace_id, start_at);
CREATE TABLE metric_snapshots (
    workspace_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    subscription TEXT NOT NULL,
    customer TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    items TEXT NOT NULL,
    discount TEXT,
    event_id BIGINT,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX metric_snapshots_created ON metric_snapshots(workspace_id, created);
CREATE TABLE metric_activity (
    workspace_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    distinct_id TEXT NOT NULL,
    name TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    day TEXT NOT NULL,
    score DOUBLE PRECISION,
    event_id BIGINT,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX metric_activity_at ON metric_activity(workspace_id, at);
CREATE INDEX metric_activity_name ON metric_activity(workspace_id, name, at);
