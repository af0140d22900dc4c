"""The feed: newest first, filtered from the URL, live over SSE, more rows as you scroll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from echodash import event_query
from echodash.event_query import severities
from echodash.events import Category, Event, Severity, utcnow
from echodash.search import search_words
from echodash.store.base import ApiTokenRecord, EventFilter
from echodash.web import present
from echodash.web.api.stream import last_event_id
from echodash.web.auth import still_allowed
from echodash.web.fanout.connection import (
    LiveStream,
    answer_error,
    pusher,
    refuse_if_over_cap,
    serve,
)
from echodash.web.fanout.frames import Framer
from echodash.web.notify_prefs import KEY as NOTIFY_KEY
from echodash.web.notify_prefs import BrowserChoices
from echodash.web.pages import environment, fragment, page, require_viewer
from echodash.web.params import parse_id
from echodash.web.responses import ApiError, services
from echodash.web.services import Services
from echodash.web.sessions import Viewer
from echodash.web.source_health import health_of
from echodash.web.views.forms import see_other, viewer_form

PAGE = 50
RANGES = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7),
          "30d": timedelta(days=30)}  # fmt: skip
FILTER_NAMES = ("source", "endpoint", "type", "severity", "range", "q", "category", "service")
CATEGORIES = tuple(c.value for c in Category)
MAX_VIEWS = 30


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """The feed's filters as the URL holds them."""

    values: dict[str, str]

    @classmethod
    def from_request(cls, request: Request) -> FeedQuery:
        values = {}
        for name in FILTER_NAMES:
            raw = request.query_params.get(name, "").strip()
            if raw:
                values[name] = raw[:200]
        return cls(values)

    def event_filter(self) -> EventFilter:
        v = self.values
        endpoint = v.get("endpoint", "")
        severity = v.get("severity")
        window = RANGES.get(v.get("range", ""))
        q = v.get("q")
        return EventFilter(
            source=v.get("source"),
            type=v.get("type"),
            endpoint_id=parse_id(endpoint),
            severity=severity if severity and event_query.is_known(severity) else None,
            q=q if q and search_words(q) else None,
            since=utcnow() - window if window else None,
            category=v.get("category") if v.get("category") in CATEGORIES else None,
            service=v.get("service"),
        )

    def url(self, path: str = "/", **extra: str | int) -> str:
        params: dict[str, Any] = {**self.values, **extra}
        return f"{path}?{urlencode(params)}" if params else path


async def _field_choices(request: Request, workspace_id: int) -> dict[str, tuple[str, ...]]:
    """Per fingerprint, the key fields the workspace chose to show (its feed templates, as
    the processor holds them)."""
    saved = await services(request).processor.templates.of(workspace_id)
    return {fp: t.fields for fp, t in saved.items() if t.fields is not None}


def _row_html(row: present.Row) -> str:
    macro = environment().get_template("_row.html").module.row  # type: ignore[attr-defined]
    return str(macro(row))


async def feed(request: Request) -> Response:
    viewer = await require_viewer(request)
    svc = services(request)
    query = FeedQuery.from_request(request)
    filters = query.event_filter()
    # Read before the rows: the live stream resumes after it, so nothing committed while
    # the page is built falls in between.
    latest = await svc.store.latest_event_id()
    before = parse_id(request.query_params.get("before"))
    events = await event_query.list_events(
        svc.store, viewer.workspace_id, filters, PAGE + 1, before
    )
    more = len(events) > PAGE
    events = events[:PAGE]
    choices = await _field_choices(request, viewer.workspace_id)
    endpoints = await svc.store.list_endpoints(viewer.workspace_id)
    # Types to filter by: those in the newest events (cheap at any store size) and the chosen.
    recent = (
        events
        if len(events) >= PAGE
        else await svc.store.list_events(viewer.workspace_id, EventFilter(), 300)
    )
    types = sorted({e.type for e in recent} | ({filters.type} if filters.type else set()))
    sources = sorted({e.kind for e in endpoints} | {e.source for e in recent})
    # Services likewise: those the newest events name, and the chosen one.
    services_seen = {e.service for e in recent if e.service} | (
        {filters.service} if filters.service else set()
    )
    views = await _views(request, viewer)
    notify = BrowserChoices.from_json(
        await svc.store.get_setting(viewer.workspace_id, viewer.user.id, NOTIFY_KEY)
    )
    return await page(
        request,
        viewer,
        "feed.html",
        "feed",
        rows=[present.row(e, choices) for e in events],
        query=query,
        filters=filters,
        endpoints=endpoints,
        types=types,
        sources=sources,
        severities=[s.value for s in Severity],
        floors=[(event_query.or_worse(s), f"{s} or worse") for s in event_query.FLOORS],
        ranges=list(RANGES),
        categories=CATEGORIES,
        services=sorted(services_seen),
        views=views,
        more_url=query.url("/feed/rows", before=events[-1].id) if more else "",
        glance_url=query.url("/feed/glance"),
        stream_url=query.url("/feed/stream", last_event_id=latest),
        last_id=latest,
        notify_json=orjson.dumps(
            {**notify.to_json(), "floor": severities(notify.severity) if notify.severity else []}
        )
        .decode()
        .replace("<", "\\u003c"),
        open_event=request.query_params.get("event", ""),
        has_endpoints=bool(endpoints),
        demo=await svc.store.demo_marks(viewer.workspace_id) != {},
        is_admin=viewer.is_admin,
    )


# Counting stops here: "10,000+" says enough, and a count never reads more rows than this.
COUNT_CAP = 10_000
GLANCE_RANGE = "24h"


async def glance(request: Request) -> Response:
    """The strip above the feed (fetched by the page's script, so the feed never waits for
    counts): how many events match, the last day's events and how many need attention, and
    each connected tool's last delivery and refusals, every figure a link to its feed."""
    viewer = await require_viewer(request)
    svc = services(request)
    query = FeedQuery.from_request(request)
    store, workspace = svc.store, viewer.workspace_id
    matching = await event_query.count_events(store, workspace, query.event_filter(), COUNT_CAP)
    day = EventFilter(since=utcnow() - RANGES[GLANCE_RANGE])
    worse = event_query.or_worse(Severity.ERROR.value)
    in_day = await event_query.count_events(store, workspace, day, COUNT_CAP)
    attention = await event_query.count_events(
        store, workspace, EventFilter(since=day.since, severity=worse), COUNT_CAP
    )
    now = utcnow()
    found = []
    for record in await store.list_endpoints(workspace):
        stats = await store.endpoint_stats(workspace, record.id)
        found.append((record, stats, health_of(stats, now)))
    # What needs a look first, then by name.
    found.sort(key=lambda t: (not t[2].stands_out, t[0].name.lower()))
    tools = [
        {
            "record": record,
            "stats": stats,
            "refused": sum(stats.rejections.values()),
            "health": health,
            "icon": present.icon_for(record.kind),
            "label": present.source_label(record.kind),
        }
        for record, stats, health in found
    ]
    return fragment(
        "_glance.html",
        {"Cache-Control": "no-store"},
        filtered=bool(query.values),
        matching=matching,
        in_day=in_day,
        attention=attention,
        cap=COUNT_CAP,
        day_url=FeedQuery({"range": GLANCE_RANGE}).url(),
        attention_url=FeedQuery({"range": GLANCE_RANGE, "severity": worse}).url(),
        tools=tools,
    )


async def more_rows(request: Request) -> Response:
    viewer = await require_viewer(request)
    svc = services(request)
    query = FeedQuery.from_request(request)
    before = parse_id(request.query_params.get("before"))
    if before is None:
        raise ApiError(400, "bad_parameter", "`before` must be an event id.")
    events = await event_query.list_events(
        svc.store, viewer.workspace_id, query.event_filter(), PAGE + 1, before
    )
    more = len(events) > PAGE
    events = events[:PAGE]
    choices = await _field_choices(request, viewer.workspace_id)
    headers = {"X-More-Url": query.url("/feed/rows", before=events[-1].id)} if more else {}
    return fragment("_rows.html", headers, rows=[present.row(e, choices) for e in events])


class FeedStreamEndpoint:
    """The route's ASGI app (reached through the router only for HEAD)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await stream_asgi(scope["app"].state.services, scope, receive, send)


def row_framer(choices: dict[str, tuple[str, ...]]) -> Framer:
    """The feed's frame of one event: its row as the workspace's feed templates show it.

    A row depends on the event and the workspace's field choices only (times are shown in
    UTC, nothing depends on the viewer's role): streams with the same filters and choices
    share each rendered row."""

    def frame(event: Event) -> bytes:
        data = {
            "id": event.id,
            "html": _row_html(present.row(event, choices)),
            "title": event.title,
            "source": event.source,
            "type": event.type,
            "severity": event.severity.value,
            "outcome": event.outcome.value if event.outcome else "",
            "origin": event.origin.value,
            "url": f"/events/{event.id}",
        }
        return b"id: %d\nevent: row\ndata: %s\n\n" % (event.id, orjson.dumps(data))

    return frame


async def stream_asgi(svc: Services, scope: Scope, receive: Receive, send: Send) -> None:
    """The feed's live rows: the API's event stream, each event framed as a rendered row."""
    request = Request(scope, receive)
    try:
        viewer = await require_viewer(request)
        query = FeedQuery.from_request(request)
        choices = await _field_choices(request, viewer.workspace_id)
        caller = ApiTokenRecord(
            0, viewer.workspace_id, "browser session", viewer.role, utcnow(), viewer.user.id
        )
        live = LiveStream(
            caller,
            query.event_filter(),
            last_event_id(request),
            ("row", tuple(sorted(choices.items()))),
            row_framer(choices),
            still_allowed(request, caller),
            RANGES.get(query.values.get("range", "")),
        )
        refuse_if_over_cap(svc, caller)
    except Exception as exc:  # refused before the stream begins: answered as any route's
        await answer_error(scope, receive, send, exc)
        return
    await serve(svc, live, receive, send, pusher(scope))


# Saved views: a person's named filter sets, pinned ones first in the feed's view bar.
async def _views(request: Request, viewer: Viewer) -> list[dict[str, Any]]:
    doc = await services(request).store.get_setting(viewer.workspace_id, viewer.user.id, "views")
    views = [v for v in doc if isinstance(v, dict)] if isinstance(doc, list) else []
    return sorted(views, key=lambda v: (not v.get("pinned"), str(v.get("name", "")).lower()))


async def save_view(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    name = form.get("name", "").strip()[:60]
    query = form.get("query", "").lstrip("?")[:1000]
    if not name:
        raise ApiError(400, "bad_name", "Give the view a name.")
    views = [v for v in await _views(request, viewer) if v.get("name") != name]
    if len(views) >= MAX_VIEWS:
        raise ApiError(400, "too_many", f"Keep at most {MAX_VIEWS} views; delete one first.")
    views.append({"name": name, "query": query, "pinned": False})
    await services(request).store.put_setting(viewer.workspace_id, viewer.user.id, "views", views)
    return see_other(f"/?{query}")


async def change_view(request: Request) -> Response:
    """Pin, unpin or delete a saved view (by name)."""
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    name = form.get("name", "")
    action = form.get("action", "")
    views = await _views(request, viewer)
    if not any(v.get("name") == name for v in views):
        raise ApiError(404, "not_found", "No saved view with this name.")
    if action == "delete":
        views = [v for v in views if v.get("name") != name]
    elif action in ("pin", "unpin"):
        for v in views:
            if v.get("name") == name:
                v["pinned"] = action == "pin"
    else:
        raise ApiError(400, "bad_action", "Choose pin, unpin or delete.")
    await services(request).store.put_setting(viewer.workspace_id, viewer.user.id, "views", views)
    return see_other("/")
