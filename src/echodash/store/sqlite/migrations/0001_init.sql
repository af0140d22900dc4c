-- EchoDash schema v1 (SQLite). Times are integer microseconds since the Unix epoch, UTC.
CREATE TABLE workspaces (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE endpoints (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    options TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX endpoints_workspace ON endpoints(workspace_id, id);

CREATE TABLE endpoint_secrets (
    id INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX endpoint_secrets_endpoint ON endpoint_secrets(endpoint_id, id);

CREATE TABLE rejections (
    endpoint_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, reason)
);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    endpoint_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    secret_id INTEGER,
    duplicates INTEGER NOT NULL DEFAULT 0,
    processed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (endpoint_id, key)
);
CREATE INDEX deliveries_pending ON deliveries(id) WHERE processed = 0;

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    endpoint_id INTEGER,
    delivery_id INTEGER,
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    actor TEXT,
    subject TEXT,
    url TEXT,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    severity TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    fields TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_feed ON events(workspace_id, id);
CREATE INDEX events_source_type ON events(workspace_id, source, type, id);
CREATE INDEX events_type ON events(workspace_id, type, id);
CREATE INDEX events_severity ON events(workspace_id, severity, id);
CREATE INDEX events_endpoint ON events(workspace_id, endpoint_id, id);
CREATE INDEX events_delivery ON events(delivery_id);

CREATE VIRTUAL TABLE events_fts USING fts5(
    title, summary, actor, subject, type, source,
    content='events', content_rowid='id', tokenize='unicode61'
);
CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
    INSERT INTO events_fts(rowid, title, summary, actor, subject, type, source)
    VALUES (new.id, new.title, new.summary, new.actor, new.subject, new.type, new.source);
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    INSERT INTO events_fts(events_fts, rowid, title, summary, actor, subject, type, source)
    VALUES ('delete', old.id, old.title, old.summary, old.actor, old.subject, old.type, old.source);
END;
