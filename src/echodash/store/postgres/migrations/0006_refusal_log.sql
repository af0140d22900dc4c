-- Refused deliveries over time: one row per endpoint, reason and flush of the in-memory
-- counts (about once a second while refusals come in), for the endpoint page's list and chart.
CREATE TABLE refusal_log (
    id BIGSERIAL PRIMARY KEY,
    endpoint_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    count BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX refusal_log_endpoint ON refusal_log(endpoint_id, at);
