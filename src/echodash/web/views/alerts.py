"""The Alerts page: what is firing now (loudest first), what someone is on, what resolved
lately; one alert's history, events and suspected changes; acknowledging and resolving.

Anyone in the workspace may acknowledge or resolve (as in the API: whoever is paged says "I'm
on it"). The page and the sidebar's count stay current through `/alerts/badge`, which the
page's script polls (alerts.js); it re-reads `/alerts/list` when the count changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from echodash.alerts.evaluation import MAINTENANCE
from echodash.alerts.feed_items import after_status_change
from echodash.alerts.rules import RuleError, parse_rule
from echodash.events import Event, utcnow
from echodash.store.base.alerts import AlertRecord, AlertStore, RuleRecord, TimelineEntry
from echodash.web import present
from echodash.web.pages import fragment, page, require_viewer, safe_next
from echodash.web.params import parse_id, path_id, query
from echodash.web.responses import ApiError, json_response, services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other, viewer_form

OPEN_SHOWN = 100  # firing and acknowledged alerts listed (each)
RESOLVED_SHOWN = 20  # recent resolved alerts listed
TOP_SUSPECTS = 3  # suspects on the list; the alert's page has them all
NOTIFY_BATCH = 10  # new firing alerts one badge poll reports for browser notifications
_MISSING = "No alert with this id in your workspace."


@dataclass(frozen=True, slots=True)
class Suspect:
    row: present.Row
    reason: str
    score: float


@dataclass(frozen=True, slots=True)
class AlertView:
    record: AlertRecord
    rule_name: str
    suspects: list[Suspect]

    @property
    def group(self) -> str:
        return self.record.group


def _rules_by_id(rules: list[RuleRecord]) -> dict[int, RuleRecord]:
    return {r.id: r for r in rules}


async def _views(
    request: Request, workspace_id: int, records: list[AlertRecord], top: int | None
) -> list[AlertView]:
    """The alerts with their rules' names and suspect events (one read for all of them)."""
    if not records:
        return []
    store = services(request).store
    names = {r.id: r.name for r in await store.list_rules(workspace_id)}
    wanted = {
        s["event_id"]
        for r in records
        for s in r.suspects[:top]
        if isinstance(s.get("event_id"), int)
    }
    found = await services(request).store.events_by_ids(sorted(wanted)) if wanted else []
    # The ids came from this workspace's evaluation; checked again all the same.
    events = {e.id: e for e in found if e.workspace_id == workspace_id}
    views = []
    for record in records:
        suspects = [
            Suspect(present.row(events[s["event_id"]]), str(s.get("reason", "")), _score(s))
            for s in record.suspects[:top]
            if s.get("event_id") in events  # pruned by retention since: nothing to show
        ]
        # A deleted rule's alerts stay (resolved): named by what they were.
        name = names.get(record.rule_id, f"Deleted rule #{record.rule_id}")
        views.append(AlertView(record, name, suspects))
    return views


def _score(suspect: dict[str, Any]) -> float:
    score = suspect.get("score", 0)
    return float(score) if isinstance(score, (int, float)) else 0.0


async def _sections(request: Request, viewer: Viewer) -> dict[str, Any]:
    store = services(request).store
    ws = viewer.workspace_id
    firing = await store.list_alerts(ws, "firing", limit=OPEN_SHOWN)
    acknowledged = await store.list_alerts(ws, "acknowledged", limit=OPEN_SHOWN)
    resolved = await store.list_alerts(ws, "resolved", limit=RESOLVED_SHOWN)
    views = await _views(request, ws, firing + acknowledged + resolved, TOP_SUSPECTS)
    open_views = views[: len(firing) + len(acknowledged)]
    has_rules = bool(views) or bool(await store.list_rules(ws))
    return {
        "open_alerts": open_views,
        "resolved_alerts": views[len(open_views) :],
        "has_rules": has_rules,
    }


async def alerts_page(request: Request) -> Response:
    viewer = await require_viewer(request)
    sections = await _sections(request, viewer)
    notice = {"acknowledged": "Alert acknowledged.", "resolved": "Alert resolved."}.get(
        query(request, "done") or "", ""
    )
    return await page(request, viewer, "alerts.html", "alerts", notice=notice, **sections)


async def alerts_list(request: Request) -> Response:
    """The list alone (HTML fragment), re-read by the page when the count changes."""
    viewer = await require_viewer(request)
    sections = await _sections(request, viewer)
    return fragment("_alerts_list.html", viewer=viewer, csrf=viewer.csrf_token, **sections)


async def badge(request: Request) -> Response:
    """The sidebar's counts, and the firing alerts newer than `after` (for browser
    notifications: each says whether its rule asks for them)."""
    viewer = await require_viewer(request)
    store = services(request).store
    counts = await store.count_open_alerts(viewer.workspace_id)
    after = query(request, "after") or ""
    newest: list[dict[str, Any]] = []
    latest = 0
    if counts.get("firing", 0):
        records = await store.list_alerts(viewer.workspace_id, "firing", limit=NOTIFY_BATCH)
        latest = max((r.id for r in records), default=0)
        seen = 0 if after == "0" else parse_id(after)
        if seen is not None:
            fresh = [r for r in records if r.id > seen]
            newest = await _notices(store, viewer.workspace_id, fresh) if fresh else []
    return json_response(
        {
            "firing": counts.get("firing", 0),
            "acknowledged": counts.get("acknowledged", 0),
            "latest": latest,
            "new": newest,
        },
        headers={"Cache-Control": "no-store"},
    )


async def _notices(
    store: AlertStore, workspace_id: int, records: list[AlertRecord]
) -> list[dict[str, Any]]:
    rules = _rules_by_id(await store.list_rules(workspace_id))
    found = []
    for record in sorted(records, key=lambda r: r.id):
        rule = rules.get(record.rule_id)
        if rule is None:
            continue
        found.append(
            {
                "id": record.id,
                "rule": rule.name,
                "reason": record.reason,
                "group": record.group or None,
                "url": f"/alerts/{record.id}",
                "browser": _wants_browser(rule),
            }
        )
    return found


def _wants_browser(rule: RuleRecord) -> bool:
    try:
        parsed = parse_rule({k: v for k, v in rule.document.items() if k != MAINTENANCE})
    except RuleError:
        return False
    return any(a.kind == "browser" for a in parsed.actions)


async def _owned(request: Request, viewer: Viewer) -> AlertRecord:
    alert_id = path_id(request, "alert_id", _MISSING)
    record = await services(request).store.get_alert(viewer.workspace_id, alert_id)
    if record is None:
        raise ApiError(404, "not_found", _MISSING)
    return record


async def alert_page(request: Request) -> Response:
    viewer = await require_viewer(request)
    record = await _owned(request, viewer)
    store = services(request).store
    [view] = await _views(request, viewer.workspace_id, [record], None)
    found = await services(request).store.events_by_ids(list(record.event_ids))
    events = [e for e in found if e.workspace_id == viewer.workspace_id]
    timeline = await store.alert_timeline(viewer.workspace_id, record.id)
    people = {u.id: u.name for u, _ in await services(request).store.members(viewer.workspace_id)}
    rule = await store.get_rule(viewer.workspace_id, record.rule_id)
    return await page(
        request,
        viewer,
        "alert.html",
        "alerts",
        alert=view,
        rule=rule,
        rows=[present.row(e) for e in sorted(events, key=_newest_first)],
        timeline=[_line(entry, people) for entry in timeline],
        shown_events=len(events),
        now=utcnow(),
    )


def _newest_first(event: Event) -> float:
    return -event.occurred_at.timestamp()


def _line(entry: TimelineEntry, people: dict[int, str]) -> dict[str, Any]:
    """One timeline entry in words."""
    detail = entry.detail
    who = people.get(detail.get("user_id", 0), "") if detail.get("user_id") else ""
    kind = entry.kind
    tone = "info"
    if kind == "opened":
        text = f"Opened: {detail.get('reason', '')}"
        tone = "error"
    elif kind == "event":
        added = int(detail.get("added", 1))
        plural = "" if added == 1 else "s"
        text = f"{added} more event{plural} joined ({detail.get('count')} in all)"
    elif kind == "acknowledged":
        text = f"Acknowledged by {who}" if who else "Acknowledged"
        tone = "warning"
    elif kind == "resolved":
        reason = detail.get("reason") or ""
        text = f"Resolved by {who}" if who else (f"Resolved: {reason}" if reason else "Resolved")
        tone = "success"
    elif kind == "notified":
        code = detail.get("status_code")
        text = f"Notification sent ({detail.get('kind', '')}{f', HTTP {code}' if code else ''})"
    elif kind == "notify_failed":
        what = str(detail.get("detail") or "no answer")
        then = "gave up" if detail.get("gave_up") else "will try again"
        text = f"Notification failed ({detail.get('kind', '')}): {what}; {then}"
        tone = "warning"
    elif kind == "muted":
        text = "Muted: no notification sent"
    else:
        text = kind.replace("_", " ").capitalize()
    return {"at": entry.at, "kind": kind, "text": text, "tone": tone}


async def acknowledge(request: Request) -> Response:
    return await _set_status(request, "acknowledged")


async def resolve(request: Request) -> Response:
    return await _set_status(request, "resolved")


async def _set_status(request: Request, status: Literal["acknowledged", "resolved"]) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    record = await _owned(request, viewer)
    svc = services(request)
    changed = await svc.store.set_alert_status(
        viewer.workspace_id, record.id, status, utcnow(), viewer.user.id
    )
    if changed is None:
        raise ApiError(404, "not_found", _MISSING)
    # The change in the feed too (once; never failing the request).
    await after_status_change(svc.store, svc.alert_feed, record, changed, status, viewer.user.name)
    back = safe_next(form.get("next"))
    if back.split("?", 1)[0] != f"/alerts/{record.id}":
        back = f"/alerts?done={status}"
    return see_other(back)
