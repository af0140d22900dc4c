"""The bytes of the SSE streams: the same frames whichever stream route sends them."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from echodash.events import Event

Framer = Callable[[Event], bytes]

# The browser's EventSource waits this long before reconnecting by itself.
OPENING = b"retry: 2000\n: connected\n\n"
KEEP_ALIVE = b": keep-alive\n\n"
SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


def event_frame(event: Event) -> bytes:
    """`/api/v1/stream`'s frame of one event: its id (for `Last-Event-ID`) and its JSON."""
    return b"id: %d\nevent: event\ndata: %s\n\n" % (event.id, orjson.dumps(event.to_json()))


def resume_point(last_id: int) -> bytes:
    """An id-only block: a client that reconnects before any event arrives still resumes
    from here, so the gap is replayed instead of lost."""
    return b"id: %d\n\n" % last_id


def resync_frame(last_id: int) -> bytes:
    """The last message to a stream that fell too far behind: reconnect with `Last-Event-ID`
    (set by this very frame) and read the rest from the store."""
    data = orjson.dumps({"last_event_id": last_id, "reason": "fell_behind"})
    return b"id: %d\nevent: resync\ndata: %s\n\n" % (last_id, data)
