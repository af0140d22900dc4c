"""The alert rules the demo workspace starts with: what a team like Acme would watch. They
notify nobody (no actions): the alerts open in the feed and on the Alerts page."""

from __future__ import annotations

from typing import Any

RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "Errors in production (demo)",
        "match": {"source": "sentry", "severity": "error"},
        "condition": {"kind": "every"},
        "group_by": "service",
        "resolve_after_seconds": 300,
    },
    {
        "name": "Failed production deploys (demo)",
        "match": {"category": "deployment", "environment": "production", "outcome": "failure"},
        "condition": {"kind": "every"},
    },
    {
        "name": "Incidents opened (demo)",
        "match": {"category": "incident", "outcome": "started"},
        "condition": {"kind": "every"},
    },
    {
        "name": "Failed payments burst (demo)",
        "match": {"source": "stripe", "type": "invoice.payment_failed"},
        "condition": {"kind": "count", "threshold": 3, "window_seconds": 3600},
    },
    {
        "name": "Origin down (demo)",
        "match": {"source": "cloudflare", "severity": "critical"},
        "condition": {"kind": "every"},
    },
)
