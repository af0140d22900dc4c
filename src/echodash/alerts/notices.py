"""What a notification says: the alert as GET /api/v1/alerts shows it, and its rule.

Payloads are built when evaluation queues a notification and stored in the outbox, so a
notification sent after a retry still says what was true when it was queued. The rule's
secrets and its destinations' addresses are never in them: the sender reads the rule again for
the URL and the secret it needs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from echodash.alerts.rules import Action, Rule
from echodash.events import Event, iso, utcnow
from echodash.store.base.alerts import RuleRecord

Kind = Literal["alert.firing", "alert.resolved", "alert.test"]
# The store fills the new alert's id into this key of an opening alert's notifications.
ALERT_ID = "alert_id"


def alert_json(
    *,
    alert_id: int | None,
    rule_id: int,
    rule_name: str,
    group: str,
    status: str,
    reason: str,
    opened_at: datetime,
    acknowledged_at: datetime | None = None,
    resolved_at: datetime | None = None,
    event_ids: tuple[int, ...],
    event_count: int,
    suspects: list[dict[str, Any]],
) -> dict[str, Any]:
    """The alert's JSON as the alerts API shows it. `suspects` are stored as
    {"event_id", "reason", "score"}; `with_suspect_events` turns them into the API's form."""
    return {
        "id": alert_id,
        "rule_id": rule_id,
        "rule_name": rule_name,
        "status": status,
        "reason": reason,
        "group": group or None,
        "opened_at": iso(opened_at),
        "acknowledged_at": None if acknowledged_at is None else iso(acknowledged_at),
        "resolved_at": None if resolved_at is None else iso(resolved_at),
        "event_count": event_count,
        "events": list(event_ids),
        "suspects": suspects,
    }


def suspect_ids(alert: dict[str, Any]) -> list[int]:
    return [s["event_id"] for s in alert.get("suspects") or [] if "event_id" in s]


def with_suspect_events(alert: dict[str, Any], events: dict[int, Event]) -> None:
    """Each suspect as the API shows it: its event's JSON with the reason and the score (in
    place; a suspect whose event is gone is left out, as the API does)."""
    shown = []
    for suspect in alert.get("suspects") or []:
        event = events.get(suspect.get("event_id", 0))
        if event is not None:
            shown.append(
                {**event.to_json(), "reason": suspect["reason"], "score": suspect["score"]}
            )
    alert["suspects"] = shown


def rule_json(rule_id: int, rule: Rule) -> dict[str, Any]:
    """The rule as shown to a receiver: every receiver of the rule gets it, so no action
    shows what would let one reach another — Apprise URLs carry their service's tokens, and a
    webhook's path often does too. Actions say their kind, and a webhook its host."""
    found = {"id": rule_id, **rule.to_json()}
    found["actions"] = [_shown_action(a) for a in rule.actions]
    return found


def _shown_action(action: Action) -> dict[str, Any]:
    shown: dict[str, Any] = {"kind": action.kind}
    if action.kind == "webhook" and action.url:
        parts = urlsplit(action.url)
        shown["url"] = f"{parts.scheme}://{parts.hostname or ''}/…"
    elif action.kind == "apprise" and action.url:
        shown["url"] = action.url.split("://", 1)[0] + "://…"
    elif action.kind == "email":
        shown["to"] = len(action.to)  # how many people, not who
    return shown


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


def test_payload(record: RuleRecord, rule: Rule) -> dict[str, Any]:
    """What "Send test" sends: a notification shaped like a real one, marked as a test, so a
    receiver can check its parsing and signature without an incident."""
    now = utcnow()
    alert = alert_json(
        alert_id=0,
        rule_id=record.id,
        rule_name=rule.name,
        group="",
        status="firing",
        reason="a test sent from EchoDash: no alert is open",
        opened_at=now,
        event_ids=(),
        event_count=0,
        suspects=[],
    )
    return {"type": "alert.test", "alert": alert, "rule": rule_json(record.id, rule)}


def title_of(payload: dict[str, Any]) -> str:
    """A one-line subject for chat and e-mail."""
    alert = payload.get("alert") or {}
    rule = payload.get("rule") or {}
    name = rule.get("name") or "a rule"
    group = f" ({alert['group']})" if alert.get("group") else ""
    if payload.get("type") == "alert.resolved":
        return f"Resolved: {name}{group}"
    if payload.get("type") == "alert.test":
        return f"Test: {name} (no alert is open)"
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
