-- One row rewritten by health checks after a failed commit, to see whether writing works
-- again: about the size of a large delivery, so "it fits" means deliveries fit too.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY,
    filler BLOB NOT NULL
);
