-- Each workspace's metric settings (metrics/settings.py; docs/metrics.md#settings). No row:
-- the defaults. `label_version` counts changes of the incident label; `facts_version` is the
-- label_version the workspace's incident facts were last rebuilt for (jobs/relabel.py), so a
-- rebuild interrupted by a restart is resumed. Times in microseconds (UTC).
CREATE TABLE metric_settings (
    workspace_id INTEGER PRIMARY KEY,
    production_environment TEXT NOT NULL,
    incident_label TEXT NOT NULL,
    timezone TEXT NOT NULL,
    currency TEXT,
    label_version INTEGER NOT NULL DEFAULT 0,
    facts_version INTEGER NOT NULL DEFAULT 0,
    label_changed_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
