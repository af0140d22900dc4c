"""What a notification says: the alert as GET /api/v1/alerts shows it, and its rule.

Payloads are built when evaluation queues a notification and stored in the outbox, so a
notification sent after a retry still says what was true when it was queued. The rule's
secrets are never in them (`Rule.to_json` masks them): the sender reads the rule again for
the URL and the secret it needs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from echodash.alerts.rules import Rule
from echodash.events import iso

Kind = Literal["alert.firing", "alert.resolved"]
# The store fills the new alert's id into this key of an opening alert's notifications.
ALERT_ID = "alert_id"


def alert_json(
    *,
    alert_id: int | None,
    rule_id: int,
    group: str,
    status: str,
    reason: str,
    opened_at: datetime,
    resolved_at: datetime | None,
    event_ids: tuple[int, ...],
    event_count: int,
    suspects: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": alert_id,
        "rule_id": rule_id,
        "group": group,
        "status": status,
        "reason": reason,
        "opened_at": iso(opened_at),
        "resolved_at": None if resolved_at is None else iso(resolved_at),
        "event_count": event_count,
        "events": list(event_ids),
        "suspects": suspects,
    }


def rule_json(rule_id: int, rule: Rule) -> dict[str, Any]:
    """The rule as shown to a receiver: secrets masked."""
    return {"id": rule_id, **rule.to_json()}


def payload(kind: Kind, alert: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"type": kind, "alert": alert, "rule": rule}
    if alert.get("id") is None:
        found[ALERT_ID] = None  # filled by the store with the new alert's id
    return found


def as_sent(payload: dict[str, Any], alert_id: int) -> dict[str, Any]:
    """The body a receiver gets: the alert's id in place (whichever key the store filled),
    the store's placeholder gone, so every notification has the same shape."""
    alert = dict(payload.get("alert") or {})
    alert["id"] = alert_id
    return {"type": payload.get("type"), "alert": alert, "rule": payload.get("rule") or {}}


def title_of(payload: dict[str, Any]) -> str:
    """A one-line subject for chat and e-mail."""
    alert = payload.get("alert") or {}
    rule = payload.get("rule") or {}
    name = rule.get("name") or "a rule"
    group = f" ({alert['group']})" if alert.get("group") else ""
    if payload.get("type") == "alert.resolved":
        return f"Resolved: {name}{group}"
    return f"Firing: {name}{group}"


def text_of(payload: dict[str, Any]) -> str:
    """The plain-text body for chat and e-mail: why, when, and the best suspects."""
    alert = payload.get("alert") or {}
    lines = [title_of(payload)]
    if alert.get("reason"):
        lines.append(f"Why: {alert['reason']}")
    lines.append(f"Opened: {alert.get('opened_at')}")
    if alert.get("resolved_at"):
        lines.append(f"Resolved: {alert['resolved_at']}")
    lines.append(f"Events: {alert.get('event_count', 0)}")
    suspects = alert.get("suspects") or []
    if suspects:
        lines.append("Suspect changes:")
        lines += [f"- {s.get('reason', '')}" for s in suspects[:3]]
    return "\n".join(lines)
