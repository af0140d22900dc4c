-- Each workspace's metric settings (metrics/settings.py; docs/metrics.md#settings). No row:
-- the defaults. `label_version` counts changes of the incident label; `facts_version` is the
-- label_version the workspace's incident facts were last rebuilt for (jobs/relabel.py), so a
-- rebuild interrupted by a restart is resumed.
CREATE TABLE metric_settings (
    workspace_id BIGINT PRIMARY KEY,
    production_environment TEXT NOT NULL,
    incident_label TEXT NOT NULL,
    timezone TEXT NOT NULL,
    currency TEXT,
    label_version BIGINT NOT NULL DEFAULT 0,
    facts_version BIGINT NOT NULL DEFAULT 0,
    label_changed_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
    updated_at TIMESTAMPTZ NOT NULL
);
