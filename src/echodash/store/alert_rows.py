"""What both backends' alerts parts share: filling payloads, capping event ids, the words of
timeline entries and reading alert rows (no SQL, no connections)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

import orjson

from echodash.store.base.alerts import (
    MAX_ALERT_EVENTS,
    AlertRecord,
    AlertStatus,
    Attempt,
    EvaluationBatch,
    NewNotification,
)

# Columns in the order `alert_from_row` reads them.
ALERT_COLUMNS = (
    "id, workspace_id, rule_id, group_key, status, reason, opened_at, resolved_at, "
    "acknowledged_at, acknowledged_by, event_ids, event_count, suspects, last_notified_at"
)
OUTBOX_COLUMNS = (
    "id, workspace_id, alert_id, rule_id, action_index, kind, payload, attempts, created_at"
)
RULE_COLUMNS = "id, workspace_id, name, document, enabled, created_at, updated_at"
# Why a rule's open alerts resolved when it was deleted (their timeline says so).
RULE_DELETED = "the rule was deleted"


def json_value(value: Any) -> Any:
    """A stored JSON column: text on SQLite, already decoded or text on PostgreSQL."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


def alert_from_row(row: Any, when: Callable[[Any], datetime]) -> AlertRecord:
    def maybe(value: Any) -> datetime | None:
        return None if value is None else when(value)

    return AlertRecord(
        id=row[0],
        workspace_id=row[1],
        rule_id=row[2],
        group=row[3],
        status=cast(AlertStatus, row[4]),
        reason=row[5],
        opened_at=when(row[6]),
        resolved_at=maybe(row[7]),
        acknowledged_at=maybe(row[8]),
        acknowledged_by=row[9],
        event_ids=tuple(json_value(row[10])),
        event_count=row[11],
        suspects=json_value(row[12]),
        last_notified_at=maybe(row[13]),
    )


def capped_ids(held: Sequence[int], added: Sequence[int]) -> list[int]:
    """An alert keeps its first MAX_ALERT_EVENTS event ids; later ones are only counted."""
    return [*held, *added][:MAX_ALERT_EVENTS]


def filled(notification: NewNotification, alert_id: int) -> dict[str, Any]:
    """The payload to queue: an `alert_id` key (there to be filled) gets the alert's id."""
    payload = notification.payload
    if "alert_id" in payload:
        return {**payload, "alert_id": alert_id}
    return payload


def attempt_detail(
    outbox_id: int, kind: str, action_index: int, attempt: Attempt, retry_at: datetime | None
) -> tuple[str, dict[str, Any]]:
    """The timeline entry of a finished attempt: its kind and detail."""
    detail: dict[str, Any] = {
        "outbox_id": outbox_id,
        "kind": kind,
        "action_index": action_index,
        "status_code": attempt.status_code,
    }
    if attempt.ok:
        return "notified", detail
    detail["detail"] = attempt.detail
    # Given up when there is no next try: said in words, so the page needs no rule of its own.
    detail["retry_at"] = None if retry_at is None else retry_at.isoformat()
    detail["gave_up"] = retry_at is None
    return "notify_failed", detail


def rule_versions(batch: EvaluationBatch) -> dict[int, datetime]:
    """rule id → updated_at as the evaluation read it: work for a rule changed or deleted
    meanwhile is not stored (a changed rule starts from fresh state)."""
    return {rule.id: rule.updated_at for rules in batch.rules.values() for rule in rules}
