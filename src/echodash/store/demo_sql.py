"""The demo removal's statements, shared by both backends: `{w}` is the workspace id's
placeholder, `{demo_deliveries}` and `{demo_events}` the scratch tables of ids."""

from __future__ import annotations

# The name a workspace filled by `serve --demo` gets (given back on removal).
DEMO_WORKSPACE_NAME = "Acme (demo)"

FACT_TABLES = (
    "metric_deployments",
    "metric_commits",
    "metric_push_heads",
    "metric_snapshots",
    "metric_activity",
)
