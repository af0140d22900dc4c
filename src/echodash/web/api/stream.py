"""`/api/v1/stream`: new events as Server-Sent Events, resumable with `Last-Event-ID`.

Served as bare ASGI (from `EchoDashApp`, like `POST /in/`): the request is read with
Starlette's `Request`, the stream itself goes straight to the server's `send` (web/fanout/).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from echodash.web.auth import require_token, still_allowed
from echodash.web.fanout.connection import (
    MAX_STREAMS_PER_CALLER,
    LiveStream,
    answer_error,
    pusher,
    refuse_if_over_cap,
    serve,
)
from echodash.web.fanout.frames import event_frame
from echodash.web.fanout.matching import matches
from echodash.web.params import event_filter, only_known, parse_id, query
from echodash.web.responses import ApiError
from echodash.web.services import Services

__all__ = ["MAX_STREAMS_PER_CALLER", "StreamEndpoint", "event_frame", "last_event_id", "matches"]


class StreamEndpoint:
    """The route's ASGI app (reached through the router only for HEAD)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await stream_asgi(scope["app"].state.services, scope, receive, send)


async def stream_asgi(svc: Services, scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    try:
        token = await require_token(request)
        only_known(request, "last_event_id")
        live = LiveStream(
            token,
            event_filter(request),
            last_event_id(request),
            "event",
            event_frame,
            still_allowed(request, token),
        )
        refuse_if_over_cap(svc, token)
    except Exception as exc:  # refused before the stream begins: answered as any route's
        await answer_error(scope, receive, send, exc)
        return
    await serve(svc, live, receive, send, pusher(scope))


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
