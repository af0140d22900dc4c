-- Alerts: rules, their saved state, the evaluation queue, alerts and their history, and the
-- notification outbox with every attempt.
CREATE TABLE alert_rules (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    document JSONB NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, name)
);
-- Asked with every batch of stored events ("does its workspace have an enabled rule?").
CREATE INDEX alert_rules_enabled ON alert_rules(workspace_id) WHERE enabled;

CREATE TABLE alert_states (
    rule_id BIGINT NOT NULL,
    group_key TEXT NOT NULL,
    state JSONB NOT NULL,
    PRIMARY KEY (rule_id, group_key)
);

-- Events waiting for evaluation, oldest (lowest id) first.
CREATE TABLE alert_queue (
    event_id BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL
);

CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL,
    rule_id BIGINT NOT NULL,
    group_key TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by BIGINT,
    event_ids BIGINT[] NOT NULL,
    event_count BIGINT NOT NULL,
    suspects JSONB NOT NULL,
    last_notified_at TIMESTAMPTZ
);
CREATE INDEX alerts_workspace ON alerts(workspace_id, id);
CREATE INDEX alerts_status ON alerts(workspace_id, status, id);
CREATE INDEX alerts_rule ON alerts(workspace_id, rule_id, id);
-- Open alerts of the rules being evaluated, and of a rule being deleted.
CREATE INDEX alerts_open ON alerts(rule_id, group_key) WHERE status IN ('firing', 'acknowledged');

CREATE TABLE alert_timeline (
    id BIGSERIAL PRIMARY KEY,
    alert_id BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL,
    detail JSONB NOT NULL
);
CREATE INDEX alert_timeline_alert ON alert_timeline(alert_id, id);

-- status: pending (to send, at next_attempt_at), sent, failed (given up).
CREATE TABLE alert_outbox (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL,
    alert_id BIGINT NOT NULL,
    rule_id BIGINT NOT NULL,
    action_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    next_attempt_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX alert_outbox_due ON alert_outbox(next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX alert_outbox_pending ON alert_outbox(workspace_id, rule_id) WHERE status = 'pending';

CREATE TABLE alert_attempts (
    id BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL,
    workspace_id BIGINT NOT NULL,
    alert_id BIGINT NOT NULL,
    rule_id BIGINT NOT NULL,
    action_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    ok BOOLEAN NOT NULL,
    status_code INTEGER,
    detail TEXT NOT NULL,
    seconds DOUBLE PRECISION NOT NULL
);
CREATE INDEX alert_attempts_workspace ON alert_attempts(workspace_id, id);
CREATE INDEX alert_attempts_rule ON alert_attempts(workspace_id, rule_id, id);

-- Linked services for suspect ranking, one JSON list per workspace.
CREATE TABLE alert_services (
    workspace_id BIGINT PRIMARY KEY,
    services JSONB NOT NULL
);
