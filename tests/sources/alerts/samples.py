"""Alert changes as EchoDash stores them in the feed: built by the code that builds them
(alerts/notices.py for what evaluation queues, alerts/feed_items.py for a change by hand) from
real stored records — a grouped count rule with a suspect, and a rule on critical events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from echodash.alerts.evaluation import rule_of
from echodash.alerts.feed_items import status_payload
from echodash.alerts.notices import (
    Kind,
    alert_json,
    as_sent,
    payload,
    rule_json,
    with_suspect_events,
)
from echodash.events import Category, Event, Severity
from echodash.store.base.alerts import AlertRecord, RuleRecord

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
_HEADERS = {"content-type": "application/json"}

DEPLOYS = RuleRecord(
    id=7,
    workspace_id=1,
    name="Failed deploys",
    document={
        "name": "Failed deploys",
        "match": {"category": "deployment", "outcome": "failure"},
        "condition": {"kind": "count", "threshold": 5, "window_seconds": 600},
        "group_by": "service",
        "actions": [
            {
                "kind": "webhook",
                "url": "https://hooks.example.com/T000/secret-path",
                "secret": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            }
        ],
    },
    enabled=True,
    created_at=T0 - timedelta(days=3),
    updated_at=T0 - timedelta(days=3),
)
OUTAGE = RuleRecord(
    id=8,
    workspace_id=1,
    name="Critical errors",
    document={
        "name": "Critical errors",
        "match": {"source": "sentry", "severity": "critical"},
        "condition": {"kind": "every"},
        "actions": [{"kind": "browser"}],
    },
    enabled=True,
    created_at=T0 - timedelta(days=3),
    updated_at=T0 - timedelta(days=3),
)

# The push suspected of the failed deploys.
PUSH = Event(
    id=90,
    workspace_id=1,
    endpoint_id=1,
    delivery_id=None,
    source="github",
    type="push",
    title="ada pushed 2 commits to acme/web main",
    summary="",
    actor="ada",
    subject="acme/web",
    url=None,
    occurred_at=T0 - timedelta(minutes=12),
    received_at=T0 - timedelta(minutes=12),
    severity=Severity.INFO,
    tags=(),
    fields={},
    category=Category.CHANGE,
    service="github:acme/web",
    environment=None,
    outcome=None,
    commits=("9f2c1ab4e7d3",),
)

FIRING = AlertRecord(
    id=42,
    workspace_id=1,
    rule_id=DEPLOYS.id,
    group="github:acme/web",
    status="firing",
    reason="5 or more within 10 min",
    opened_at=T0,
    resolved_at=None,
    acknowledged_at=None,
    acknowledged_by=None,
    event_ids=(101, 102, 103, 104, 105),
    event_count=5,
    suspects=[
        {"event_id": PUSH.id, "reason": "pushed to the same service 12 min before", "score": 0.8}
    ],
    last_notified_at=None,
)
CRITICAL = AlertRecord(
    id=43,
    workspace_id=1,
    rule_id=OUTAGE.id,
    group="",
    status="firing",
    reason="a matching event (muted until 2026-11-26T12:00:00Z: nobody notified)",
    opened_at=T0 + timedelta(minutes=1),
    resolved_at=None,
    acknowledged_at=None,
    acknowledged_by=None,
    event_ids=(200,),
    event_count=1,
    suspects=[],
    last_notified_at=None,
)


def queued(
    kind: Kind, rule: RuleRecord, alert: AlertRecord, status: str, at: datetime | None
) -> dict[str, Any]:
    """What evaluation queues for the feed (and the notifications), as the sender stores it."""
    parsed, _ = rule_of(rule.document)
    body = alert_json(
        alert_id=None if kind == "alert.firing" else alert.id,
        rule_id=rule.id,
        rule_name=parsed.name,
        group=alert.group,
        status=status,
        reason=alert.reason,
        opened_at=alert.opened_at,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=at,
        event_ids=alert.event_ids,
        event_count=alert.event_count,
        suspects=[dict(s) for s in alert.suspects],
    )
    with_suspect_events(body, {PUSH.id: PUSH})
    return as_sent(payload(kind, body, rule_json(rule.id, parsed)), alert.id)


RESOLVED_AT = T0 + timedelta(minutes=25)
ACKNOWLEDGED = replace(
    FIRING, status="acknowledged", acknowledged_at=T0 + timedelta(minutes=3), acknowledged_by=1
)
RESOLVED_BY_HAND = replace(CRITICAL, status="resolved", resolved_at=T0 + timedelta(minutes=9))

DOCUMENTS: list[dict[str, Any]] = [
    queued("alert.firing", DEPLOYS, FIRING, "firing", None),
    queued("alert.resolved", DEPLOYS, FIRING, "resolved", RESOLVED_AT),
    queued("alert.firing", OUTAGE, CRITICAL, "firing", None),
    status_payload(ACKNOWLEDGED, DEPLOYS, "acknowledged", "Ada"),
    status_payload(RESOLVED_BY_HAND, OUTAGE, "resolved", "Grace"),
    status_payload(ACKNOWLEDGED, None, "acknowledged", None),  # the rule deleted since
]

SAMPLES: list[tuple[dict[str, str], bytes]] = [(_HEADERS, orjson.dumps(d)) for d in DOCUMENTS]
