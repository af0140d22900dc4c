-- Facts a running server records for other processes sharing the database (e.g. the CLI):
-- such as the base URL receive URLs are served under.
CREATE TABLE instance_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
