-- Alerts: rules, their saved state, the evaluation queue, alerts and their history, and the
-- notification outbox with every attempt. Times are integer microseconds, JSON is text.
CREATE TABLE alert_rules (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);
-- Asked on every stored event ("does its workspace have an enabled rule?"): a small index.
CREATE INDEX alert_rules_enabled ON alert_rules(workspace_id) WHERE enabled = 1;

CREATE TABLE alert_states (
    rule_id INTEGER NOT NULL,
    group_key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (rule_id, group_key)
) WITHOUT ROWID;

-- Events waiting for evaluation, oldest (lowest id) first.
CREATE TABLE alert_queue (
    event_id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    rule_id INTEGER NOT NULL,
    group_key TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    resolved_at INTEGER,
    acknowledged_at INTEGER,
    acknowledged_by INTEGER,
    event_ids TEXT NOT NULL,
    event_count INTEGER NOT NULL,
    suspects TEXT NOT NULL,
    last_notified_at INTEGER
);
CREATE INDEX alerts_workspace ON alerts(workspace_id, id);
CREATE INDEX alerts_status ON alerts(workspace_id, status, id);
CREATE INDEX alerts_rule ON alerts(workspace_id, rule_id, id);
-- Open alerts of the rules being evaluated, and of a rule being deleted.
CREATE INDEX alerts_open ON alerts(rule_id, group_key) WHERE status IN ('firing', 'acknowledged');

CREATE TABLE alert_timeline (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX alert_timeline_alert ON alert_timeline(alert_id, id);

-- status: pending (to send, at next_attempt_at), sent, failed (given up).
CREATE TABLE alert_outbox (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    alert_id INTEGER NOT NULL,
    rule_id INTEGER NOT NULL,
    action_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX alert_outbox_due ON alert_outbox(next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX alert_outbox_pending ON alert_outbox(workspace_id, rule_id) WHERE status = 'pending';

CREATE TABLE alert_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL,
    workspace_id INTEGER NOT NULL,
    alert_id INTEGER NOT NULL,
    rule_id INTEGER NOT NULL,
    action_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    status_code INTEGER,
    detail TEXT NOT NULL,
    seconds REAL NOT NULL
);
CREATE INDEX alert_attempts_workspace ON alert_attempts(workspace_id, id);
CREATE INDEX alert_attempts_rule ON alert_attempts(workspace_id, rule_id, id);

-- Linked services for suspect ranking, one JSON list per workspace.
CREATE TABLE alert_services (
    workspace_id INTEGER PRIMARY KEY,
    services TEXT NOT NULL
);
