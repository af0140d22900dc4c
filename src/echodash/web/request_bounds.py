"""Bounds on every request outside the receive path: its body is counted while it streams and
refused with 413 as soon as it passes the route's limit, and it must arrive within the
request deadline or is answered 408.

Starlette reads a whole body before a handler can look at it, chunked bodies included: a
`POST /login` of 190 MiB was parsed whole before its CSRF check refused it. Counting in the
ASGI `receive` the app reads through stops such a body at the limit, whichever handler (or
none) reads it. `/in/` keeps its own copy of both bounds (web/ingest.py) and skips this.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from echodash.config import Settings
from echodash.web.deadlines import RequestDeadlines
from echodash.web.responses import RAW_JSON_HEADERS, ApiError, error_document

# What a browser's form needs, with room to spare (a template body is the largest field).
FORM_BYTES = 256 * 1024
# The REST API's JSON objects: an endpoint, a secret, workspace settings.
JSON_BYTES = 1024 * 1024
CUSTOM_EVENTS_PATH = "/api/v1/events"
# A request answered before all its body arrived ends its connection: the rest of the body
# would otherwise be read (and thrown away) to find the next request.
CLOSE = (b"connection", b"close")


def body_limit(path: str, settings: Settings) -> int:
    """The most bytes of body a request to `path` may send."""
    if path == CUSTOM_EVENTS_PATH or path.startswith("/in/"):
        # A batch of up to 10,000 custom events: the webhook limit (25 MiB by default) leaves
        # about 2.6 KiB for each, several times a typical event.
        return settings.max_body_bytes
    if path.startswith("/api/"):
        return JSON_BYTES
    return FORM_BYTES


class BodyTooLarge(ApiError):
    """Raised from `receive` itself, so the handler reading the body stops right there."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "body_too_large", f"The body is over the {limit}-byte limit.")


def body_framing(scope: Scope) -> tuple[bool, int]:
    """(whether the request has a body, its declared length or 0 when chunked)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            # httptools refused any Content-Length that is not a number.
            length = int(value) if value.isdigit() else 0
            return length > 0, length
        if name == b"transfer-encoding":
            return True, 0
    return False, 0


async def bounded(
    app: ASGIApp,
    settings: Settings,
    deadlines: RequestDeadlines,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    """Run `app` on an HTTP request with its body bounded in size and time."""
    has_body, declared = body_framing(scope)
    if not has_body:
        # Nothing to wait for or count: a GET, or a live stream that must stay open for hours.
        await app(scope, receive, send)
        return
    request = BoundedRequest(receive, send, body_limit(scope["path"], settings), deadlines)
    if declared > request.limit:
        request.over = True  # refused at the first read, before any byte (or 100 Continue)
    try:
        await app(scope, request.receive, request.send)
    except asyncio.CancelledError:
        if not deadlines.expired(request.task):
            raise
        if not request.answered:
            await _answer_timeout(request, deadlines.seconds)
    finally:
        request.arrived()


async def _answer_timeout(request: BoundedRequest, seconds: float) -> None:
    detail = f"The request did not arrive within the {seconds:g}-second deadline."
    payload = orjson.dumps(error_document("request_timeout", detail))
    headers = [*RAW_JSON_HEADERS, (b"content-length", b"%d" % len(payload))]
    await request.send({"type": "http.response.start", "status": 408, "headers": headers})
    await request.send({"type": "http.response.body", "body": payload})


class BoundedRequest:
    """One request's body count and deadline, kept by wrapping the ASGI `receive` and `send`."""

    __slots__ = (
        "_deadlines",
        "_receive",
        "_send",
        "answered",
        "complete",
        "limit",
        "over",
        "received",
        "task",
    )

    def __init__(
        self, receive: Receive, send: Send, limit: int, deadlines: RequestDeadlines
    ) -> None:
        self._receive = receive
        self._send = send
        self._deadlines = deadlines
        self.limit = limit
        self.received = 0
        self.over = False
        self.complete = False
        self.answered = False
        # Registered with the one sweeping timer until the body has arrived or is answered.
        self.task = deadlines.begin()

    def arrived(self) -> None:
        """The deadline covers receiving the request only, never the answer (live streams)."""
        if not self.complete:
            self.complete = True
            self._deadlines.end(self.task)

    async def receive(self) -> Message:
        if self.over:
            raise BodyTooLarge(self.limit)
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.over = True
                raise BodyTooLarge(self.limit)
            if not message.get("more_body", False):
                self.arrived()
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start" and not self.answered:
            self.answered = True
            if not self.complete:  # answered before the whole body arrived
                self.arrived()
                message = {**message, "headers": [*message.get("headers", ()), CLOSE]}
        await self._send(message)
