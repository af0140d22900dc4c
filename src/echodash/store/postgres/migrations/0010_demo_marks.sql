-- What the demo company (echodash/demo) added to a workspace, so that "Remove demo data" takes
-- exactly that: `kind` is endpoint, rule or token (`ref` its id), custom (`ref` the key prefix
-- of the demo's custom events, which share the workspace's custom endpoint) or name (`ref` the
-- workspace's name before the demo renamed it).
CREATE TABLE demo_marks (
    workspace_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    PRIMARY KEY (workspace_id, kind, ref)
);
