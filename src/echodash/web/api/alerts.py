"""`/api/v1/alerts`: what fired, with the events that made it and the changes suspected.

Anyone in the workspace may acknowledge or resolve an alert: on call, whoever is paged says
"I'm on it" — admins are not the ones woken at night. It changes no rule and sends nothing
anywhere new.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, cast, get_args

from starlette.requests import Request
from starlette.responses import Response

from echodash.alerts.feed_items import after_status_change
from echodash.events import Event, iso, utcnow
from echodash.store.base.alerts import AlertRecord, AlertStatus, AlertStore, TimelineEntry
from echodash.web.auth import require_token
from echodash.web.params import MAX_ID, decode_cursor, encode_cursor, int_param, path_id, query
from echodash.web.responses import ApiError, json_response, services

STATUSES: tuple[str, ...] = get_args(AlertStatus)
_MISSING = "No alert with this id in your workspace."
CURSOR = "a"  # what marks an alerts page's cursor


async def list_alerts(request: Request) -> Response:
    token = await require_token(request)
    unknown = sorted(set(request.query_params) - {"status", "rule_id", "limit", "cursor"})
    if unknown:
        raise ApiError(
            400,
            "bad_parameter",
            f"Unknown parameter `{unknown[0]}`; known: cursor, limit, rule_id, status.",
        )
    status = query(request, "status") or None
    if status is not None and status not in STATUSES:
        raise ApiError(400, "bad_parameter", f"`status` must be one of: {', '.join(STATUSES)}.")
    rule = query(request, "rule_id") or None
    limit = int_param(query(request, "limit"), "limit", 1, 100, 50)
    store = services(request).store
    records = await store.list_alerts(
        token.workspace_id,
        cast(AlertStatus | None, status),
        int_param(rule, "rule_id", 1, MAX_ID, 0) if rule else None,
        limit + 1,
        decode_cursor(query(request, "cursor"), CURSOR),
    )
    more = len(records) > limit
    records = records[:limit]
    shown = await _with_details(request, store, token.workspace_id, records)
    return json_response(
        {"alerts": shown, "next_cursor": encode_cursor(records[-1].id, CURSOR) if more else None}
    )


async def get_alert(request: Request) -> Response:
    token = await require_token(request)
    store = services(request).store
    record = await _owned(request, store, token.workspace_id)
    timeline = await store.alert_timeline(token.workspace_id, record.id)
    [shown] = await _with_details(request, store, token.workspace_id, [record])
    return json_response({**shown, "timeline": [_entry(e) for e in timeline]})


async def acknowledge(request: Request) -> Response:
    return await _set_status(request, "acknowledged")


async def resolve(request: Request) -> Response:
    return await _set_status(request, "resolved")


async def _set_status(request: Request, status: Literal["acknowledged", "resolved"]) -> Response:
    token = await require_token(request)
    store = services(request).store
    # Acknowledging a resolved alert leaves it resolved: the answer shows it as it is.
    record = await _owned(request, store, token.workspace_id)
    changed = await store.set_alert_status(
        token.workspace_id, record.id, status, utcnow(), token.user_id
    )
    if changed is None:
        raise ApiError(404, "not_found", _MISSING)
    # The change in the feed too (once; never failing the request).
    person = await store.get_user(token.user_id) if token.user_id is not None else None
    await after_status_change(
        store,
        services(request).alert_feed,
        record,
        changed,
        status,
        person.name if person is not None else token.name,
    )
    [shown] = await _with_details(request, store, token.workspace_id, [changed])
    return json_response(shown)


async def _owned(request: Request, store: AlertStore, workspace_id: int) -> AlertRecord:
    alert_id = path_id(request, "alert_id", _MISSING)
    record = await store.get_alert(workspace_id, alert_id)
    if record is None:
        raise ApiError(404, "not_found", _MISSING)
    return record


async def _with_details(
    request: Request, store: AlertStore, workspace_id: int, records: list[AlertRecord]
) -> list[dict[str, Any]]:
    """The alerts as JSON, with their rules' names and suspect events (one read each)."""
    names = {r.id: r.name for r in await store.list_rules(workspace_id)} if records else {}
    wanted = {s["event_id"] for r in records for s in r.suspects if _is_id(s.get("event_id"))}
    found = await services(request).store.events_by_ids(sorted(wanted)) if wanted else []
    # The ids came from this workspace's evaluation; checked again all the same.
    events = {e.id: e for e in found if e.workspace_id == workspace_id}
    return [alert_json(r, names.get(r.rule_id), events) for r in records]


def alert_json(
    record: AlertRecord, rule_name: str | None, events: dict[int, Event]
) -> dict[str, Any]:
    return {
        "id": record.id,
        "rule_id": record.rule_id,
        "rule_name": rule_name,
        "status": record.status,
        "reason": record.reason,
        "group": record.group or None,
        "opened_at": iso(record.opened_at),
        "acknowledged_at": iso(record.acknowledged_at) if record.acknowledged_at else None,
        "resolved_at": iso(record.resolved_at) if record.resolved_at else None,
        "event_count": record.event_count,
        "events": list(record.event_ids),
        "suspects": list(_suspects(record.suspects, events)),
    }


def _suspects(suspects: list[dict[str, Any]], events: dict[int, Event]) -> Iterable[dict[str, Any]]:
    for suspect in suspects:
        event = events.get(suspect.get("event_id", 0))
        if event is None:
            continue  # pruned by retention since: nothing left to show
        reason, score = suspect.get("reason", ""), suspect.get("score", 0)
        yield {**event.to_json(), "reason": reason, "score": score}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _entry(entry: TimelineEntry) -> dict[str, Any]:
    return {"at": iso(entry.at), "kind": entry.kind, "detail": entry.detail}
