"""`/api/v1/stream`: new events as Server-Sent Events, resumable with `Last-Event-ID`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from echodash import event_query
from echodash.bus.base import Subscription
from echodash.events import Event
from echodash.search import matches_words, search_words
from echodash.store.base import ApiTokenRecord, EventFilter
from echodash.web.auth import Recheck, caller_key, require_token, still_allowed
from echodash.web.params import event_filter, only_known, parse_id, query
from echodash.web.responses import ApiError, services
from echodash.web.services import Services

KEEPALIVE_SECONDS = 15.0
CATCH_UP_PAGE = 500
# Open live streams per person (or workspace token) on one node: tabs and tails enough for
# anyone, and a cap on what one account can make this node hold open.
MAX_STREAMS_PER_CALLER = 20
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def stream(request: Request) -> Response:
    token = await require_token(request)
    only_known(request, "last_event_id")
    filters = event_filter(request)
    last_id = last_event_id(request)
    return live_response(request, token, filters, last_id)


def live_response(
    request: Request,
    caller: ApiTokenRecord,
    filters: EventFilter,
    last_id: int | None,
    frame: Framer | None = None,
) -> Response:
    """An SSE response of the caller's workspace's events, counted against their cap, and
    ended as soon as their access ends."""
    svc = services(request)
    key = caller_key(caller)
    if svc.open_streams.get(key, 0) >= MAX_STREAMS_PER_CALLER:
        raise ApiError(
            429,
            "too_many_streams",
            f"This account has {MAX_STREAMS_PER_CALLER} live streams open already; "
            "close some tabs or tails first.",
            {"Retry-After": "5"},
        )
    body = event_stream(
        svc, caller.workspace_id, filters, last_id, frame, still_allowed(request, caller)
    )
    return StreamingResponse(_counted(svc, key, body), media_type="text/event-stream",
                             headers=SSE_HEADERS)  # fmt: skip


async def _counted(svc: Services, key: str, body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    svc.open_streams[key] = svc.open_streams.get(key, 0) + 1
    try:
        async for chunk in body:
            yield chunk
    finally:
        left = svc.open_streams.get(key, 1) - 1
        if left > 0:
            svc.open_streams[key] = left
        else:
            svc.open_streams.pop(key, None)


def last_event_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or query(request, "last_event_id")
    if raw is None or raw == "":
        return None
    if raw == "0":
        return 0  # "from the very start"
    event_id = parse_id(raw)
    if event_id is None:
        raise ApiError(400, "bad_parameter", "`Last-Event-ID` must be an event id.")
    return event_id


Framer = Callable[[Event], bytes]


async def event_stream(
    svc: Services,
    workspace_id: int,
    filters: EventFilter,
    last_id: int | None,
    frame: Framer | None = None,
    allowed: Recheck | None = None,
) -> AsyncIterator[bytes]:
    """The SSE body: catch up after `last_id`, then live events; each framed by `frame`.
    Ends when `allowed` (asked at each quiet tick and when access changes) says no."""
    frame = frame or event_frame
    # Subscribe before catching up, so nothing published meanwhile falls in between.
    subscription = svc.bus.subscribe(workspace_id)
    svc.telemetry.subscribers.inc()
    try:
        yield b"retry: 2000\n: connected\n\n"
        if last_id is None:
            last_id = await svc.store.latest_event_id()
            # An id-only block: a client that reconnects before any event arrives still
            # resumes from here, so the gap is replayed instead of lost.
            yield b"id: %d\n\n" % last_id
        else:
            async for page in _catch_up(svc, workspace_id, filters, last_id):
                last_id = page[-1].id
                yield b"".join(frame(e) for e in page)
        while True:
            batch = await _next_batch_unless_closing(svc, subscription)
            if svc.closing.is_set():
                return
            if batch is None:
                # Too far behind for the live backlog: read the gap from the store instead.
                subscription.close()
                subscription = svc.bus.subscribe(workspace_id)
                async for page in _catch_up(svc, workspace_id, filters, last_id):
                    last_id = page[-1].id
                    yield b"".join(frame(e) for e in page)
                continue
            if not batch:
                if allowed is not None and not await allowed():
                    return
                yield b": keep-alive\n\n"
                continue
            out = []
            for event in batch:
                if event.id > last_id and matches(filters, event):
                    out.append(frame(event))
                    last_id = event.id
            if out:
                yield b"".join(out)
    finally:
        subscription.close()
        svc.telemetry.subscribers.dec()


async def _next_batch_unless_closing(
    svc: Services, subscription: Subscription
) -> list[Event] | None:
    """The subscription's next batch, or an empty one as soon as the server begins to stop."""
    if svc.closing.is_set():
        return []
    waiting = asyncio.ensure_future(subscription.next_batch(KEEPALIVE_SECONDS))
    closing = asyncio.ensure_future(svc.closing.wait())
    try:
        await asyncio.wait((waiting, closing), return_when=asyncio.FIRST_COMPLETED)
    finally:
        closing.cancel()
        if not waiting.done():
            waiting.cancel()
    if waiting.cancelled() or not waiting.done():
        return []
    return waiting.result()


async def _catch_up(
    svc: Services, workspace_id: int, filters: EventFilter, after: int
) -> AsyncIterator[list[Event]]:
    """Stored events after `after`, a page at a time (non-empty pages only)."""
    while True:
        page = await event_query.events_after(
            svc.store, workspace_id, filters, after, CATCH_UP_PAGE
        )
        if page:
            after = page[-1].id
            yield page
        if len(page) < CATCH_UP_PAGE:
            return


def event_frame(event: Event) -> bytes:
    return b"id: %d\nevent: event\ndata: %s\n\n" % (event.id, orjson.dumps(event.to_json()))


def _vocabulary_matches(filters: EventFilter, event: Event) -> bool:
    outcome = None if event.outcome is None else event.outcome.value
    return all(
        wanted is None or wanted == value
        for wanted, value in (
            (filters.category, event.category.value),
            (filters.service, event.service),
            (filters.environment, event.environment),
            (filters.outcome, outcome),
            (filters.origin, event.origin.value),
        )
    )


def matches(filters: EventFilter, event: Event) -> bool:
    """The live counterpart of the store's filtering (search: every word, as a prefix)."""
    if filters.source is not None and event.source != filters.source:
        return False
    if filters.type is not None and event.type != filters.type:
        return False
    if filters.endpoint_id is not None and event.endpoint_id != filters.endpoint_id:
        return False
    if not event_query.accepts(filters, event.severity):
        return False
    if filters.since is not None and event.occurred_at < filters.since:
        return False
    if filters.until is not None and event.occurred_at >= filters.until:
        return False
    if not _vocabulary_matches(filters, event):
        return False
    return not filters.q or matches_words(search_words(filters.q), event)
