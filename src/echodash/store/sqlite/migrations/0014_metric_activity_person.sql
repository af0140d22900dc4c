-- Each person's moments of one event, in order, read from the index alone: first moments
-- (retention cohorts, time to value), each person's return events (retention) and the next
-- step of a funnel are a seek and a short range here instead of a scan of the table.
CREATE INDEX metric_activity_person ON metric_activity(workspace_id, name, distinct_id, at);
