-- Refused deliveries over time: one row per endpoint, reason and flush of the in-memory
-- counts (about once a second while refusals come in), for the endpoint page's list and chart.
CREATE TABLE refusal_log (
    id INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX refusal_log_endpoint ON refusal_log(endpoint_id, at);
