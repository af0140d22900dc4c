-- The shared vocabulary of changes and incidents on every event (docs/events.md): what kind
-- of thing happened, the service and environment it is about, how it went, the commits it
-- names, and how the event reached EchoDash. Columns with defaults: no row is rewritten here.
ALTER TABLE events ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE events ADD COLUMN service TEXT;
ALTER TABLE events ADD COLUMN environment TEXT;
ALTER TABLE events ADD COLUMN outcome TEXT;
ALTER TABLE events ADD COLUMN commits TEXT NOT NULL DEFAULT '[]';
ALTER TABLE events ADD COLUMN origin TEXT NOT NULL DEFAULT 'webhook';
-- How each delivery arrived (its events' origin): set by EchoDash, never by a sender.
ALTER TABLE deliveries ADD COLUMN origin TEXT NOT NULL DEFAULT 'webhook';

-- `category=` and `service=` walk the feed's order (workspace, then id descending).
CREATE INDEX events_category ON events(workspace_id, category, id);
CREATE INDEX events_service ON events(workspace_id, service, id);

-- Events stored before this version get their vocabulary from a background re-parse of their
-- deliveries (echodash.jobs.vocabulary): every event up to `until`, oldest first, resuming
-- after `after`.
INSERT INTO instance_meta (key, value)
SELECT 'vocabulary_fill', '{"after": 0, "until": ' || coalesce(max(id), 0) || '}' FROM events
WHERE true
ON CONFLICT (key) DO NOTHING;
