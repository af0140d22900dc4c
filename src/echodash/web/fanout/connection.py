"""One live stream over bare ASGI: catch up from the store, then whatever the hub says it is
owed, one `send` per wake-up; ended by the hub (fell behind, server stopping), by its caller's
access ending, or by the client hanging up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass, replace
from datetime import timedelta

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from echodash import event_query
from echodash.events import Event
from echodash.store.base import ApiTokenRecord, EventFilter, StoreUnavailableError
from echodash.web.auth import Recheck, caller_key
from echodash.web.errors import exception_handlers
from echodash.web.fanout.frames import (
    KEEP_ALIVE,
    OPENING,
    SSE_HEADERS,
    Framer,
    resume_point,
    resync_frame,
)
from echodash.web.fanout.subscriber import Ending, Subscriber
from echodash.web.http_protocol import PUSH
from echodash.web.responses import ApiError
from echodash.web.services import Services

log = logging.getLogger("echodash.stream")

CATCH_UP_PAGE = 500
# Open live streams per person (or workspace token) on one node: tabs and tails enough for
# anyone, and a cap on what one account can make this node hold open.
MAX_STREAMS_PER_CALLER = 20


@dataclass(frozen=True, slots=True)
class LiveStream:
    """What one stream sends: whose events, which of them, and how each is framed."""

    caller: ApiTokenRecord
    filters: EventFilter
    last_id: int | None
    framing: Hashable
    framer: Framer
    allowed: Recheck | None = None
    # The feed's range: live events are checked against a window that moves with the clock.
    window: timedelta | None = None

    @property
    def live_filters(self) -> EventFilter:
        """The hub's filters: the store is asked with the window as of now (`since`), the
        hub's group holds the window itself, so streams opened at different times share it."""
        return replace(self.filters, since=None) if self.window is not None else self.filters


def refuse_if_over_cap(svc: Services, caller: ApiTokenRecord) -> None:
    if svc.open_streams.get(caller_key(caller), 0) >= MAX_STREAMS_PER_CALLER:
        raise ApiError(
            429,
            "too_many_streams",
            f"This account has {MAX_STREAMS_PER_CALLER} live streams open already; "
            "close some tabs or tails first.",
            {"Retry-After": "5"},
        )


async def answer_error(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """Answer a refused stream as every other route is answered (web/errors.py)."""
    handlers = exception_handlers()
    handler = next(handlers[c] for c in type(exc).__mro__ if c in handlers)
    response = await handler(Request(scope, receive), exc)
    await response(scope, receive, send)


def pusher(scope: Scope) -> Callable[[bytes], bool] | None:
    """The server's direct write for this response, when it offers one (web/http_protocol.py;
    absent under other servers and in tests that call the app in-process)."""
    push = scope.get("extensions", {}).get(PUSH, {}).get("push")
    return push if callable(push) else None


async def serve(
    svc: Services,
    stream: LiveStream,
    receive: Receive,
    send: Send,
    push: Callable[[bytes], bool] | None = None,
) -> None:
    """Send the stream until it ends (the caller checked `refuse_if_over_cap` first); `push`
    (see `pusher`) lets the hub write live frames itself while the stream waits."""
    key = caller_key(stream.caller)
    workspace = stream.caller.workspace_id
    # Subscribe before catching up, so nothing published meanwhile falls in between.
    subscriber = svc.fanout.subscribe(
        workspace, stream.live_filters, stream.framing, stream.framer, stream.window
    )
    subscriber.push = push
    svc.open_streams[key] = svc.open_streams.get(key, 0) + 1
    svc.telemetry.subscribers.inc()
    # The one task of a stream's life: it hears the client hang up while the stream waits.
    hang_up = asyncio.ensure_future(_hung_up(receive))
    hang_up.add_done_callback(lambda _: subscriber.end(Ending.GONE))
    try:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        await _body(svc, stream, subscriber, send)
    finally:
        hang_up.cancel()
        svc.fanout.unsubscribe(subscriber)
        svc.telemetry.subscribers.dec()
        left = svc.open_streams.get(key, 1) - 1
        if left > 0:
            svc.open_streams[key] = left
        else:
            svc.open_streams.pop(key, None)


async def _hung_up(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _more(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _body(svc: Services, stream: LiveStream, subscriber: Subscriber, send: Send) -> None:
    try:
        if stream.last_id is None:
            subscriber.last_id = await svc.store.latest_event_id()
            await _more(send, OPENING + resume_point(subscriber.last_id))
        else:
            subscriber.last_id = stream.last_id
            await _more(send, OPENING)
            await _catch_up(svc, stream, subscriber, send)
        await _live(svc, stream, subscriber, send)
    except StoreUnavailableError:
        # The client reconnects with its Last-Event-ID and misses nothing.
        subscriber.end(Ending.CLOSING)
    if subscriber.ending is Ending.BEHIND:
        await _more(send, resync_frame(subscriber.last_id))
    if subscriber.ending is not Ending.GONE:
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _live(svc: Services, stream: LiveStream, subscriber: Subscriber, send: Send) -> None:
    while subscriber.ending is None:
        if subscriber.gap:
            # The bus may have lost events on the way: read them from the store.
            subscriber.gap = False
            await _catch_up(svc, stream, subscriber, send)
            continue
        if subscriber.owed:
            chunk = subscriber.take()
            if chunk:
                subscriber.active = True
                await _more(send, chunk)
            continue
        quiet_beat = subscriber.beat_due and not subscriber.active
        if subscriber.recheck or quiet_beat:
            subscriber.recheck = False
            if stream.allowed is not None and not await stream.allowed():
                subscriber.end(Ending.DENIED)
                return
        if subscriber.beat_due:
            subscriber.beat_due = subscriber.active = False
            if quiet_beat:
                await _more(send, KEEP_ALIVE)
            continue
        await subscriber.wait()


async def _catch_up(svc: Services, stream: LiveStream, subscriber: Subscriber, send: Send) -> None:
    async for page in _pages(svc, stream.caller.workspace_id, stream.filters, subscriber.last_id):
        if subscriber.ending is not None:
            return
        await _more(send, b"".join(stream.framer(e) for e in page))
        subscriber.last_id = page[-1].id


async def _pages(
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
