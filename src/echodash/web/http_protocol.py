"""uvicorn's httptools protocol with bounds on a connection before its request reaches the
app: the time its headers may take, their size and their number, and its idle time.

uvicorn alone times out only a kept-alive connection that stays silent, and any byte restarts
that timer: a connection that never sends a request, or sends its headers a byte at a time,
stayed open forever (300 of them used up a 256-descriptor limit), and httptools buffers a
header of any size (a 16 MiB one was parsed, a 1 MiB one stored with a delivery).

Each connection has at most one timer, which re-arms itself when it fires early instead of
being replaced for every request: a kept-alive connection's requests, the receive path's
included, cost a few attribute writes and no timer each (uvicorn's own keep-alive timer, one
per response, is not armed).

A response's head and body leave in one send (`CorkedTransport`).

Passed to `uvicorn.run(http=…)` as `functools.partial(BoundedHttpProtocol, header_timeout=…)`;
the class is importable, so the partial pickles to `--workers` processes.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from typing import Any

import httptools
import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.server import ServerState

from echodash.web.responses import RAW_JSON_HEADERS, error_document

# Request line and headers together; about what nginx allows (4 buffers of 8 KiB) twice over.
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 100
# How long a kept-alive connection may stay silent between requests: uvicorn's default,
# passed to it explicitly (`timeout_keep_alive`), which this protocol's timer applies.
KEEP_ALIVE_SECONDS = 5


class HeadersRefused(Exception):
    """Raised from a parser callback to stop httptools; the protocol answers 431."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


# The scope extension whose "push" writes a GET's streaming response directly (see `push`).
PUSH = "echodash.push"

TOO_LARGE = ("headers_too_large", f"The request headers are over {MAX_HEADER_BYTES} bytes.")
TOO_MANY = ("too_many_headers", f"The request has more than {MAX_HEADERS} headers.")


class BoundedHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with the header timeout, header limits and one timer per connection."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        header_timeout: float = 10.0,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = header_timeout
        # Waiting for a request's headers, with no request of this connection in the app.
        self.awaiting = False
        self.silent = False  # not a byte since the wait began
        self.silent_until = 0.0
        self.headers_until = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.timer_due = 0.0
        # The parser is before or inside a request's header block; its bytes so far.
        self.in_headers = True
        self.header_bytes = 0

    # When the wait for headers begins and ends

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Every write of this connection, uvicorn's and this class's, in one order.
        self.transport = CorkedTransport(transport, self.loop)  # type: ignore[assignment]
        self._await_request()

    def on_headers_complete(self) -> None:
        self.awaiting = False
        self.in_headers = False
        # The bytes counted may include the start of the body; only then are the headers
        # measured themselves (a block that arrived in one read is not stopped in between).
        if self.header_bytes > MAX_HEADER_BYTES and self._header_block() > MAX_HEADER_BYTES:
            raise HeadersRefused(*TOO_LARGE)
        if len(self.headers) > MAX_HEADERS:
            raise HeadersRefused(*TOO_MANY)
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and self.scope.get("method") == "GET":
            # Live streams write their frames through this, straight from the fan-out's pass
            # (see `push`); GETs only, so the receive path's POSTs pay nothing for it.
            extensions = self.scope.setdefault("extensions", {})
            extensions[PUSH] = {"push": functools.partial(self.push, cycle)}

    def _header_block(self) -> int:
        """The request line and headers' size (give or take their spaces)."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def push(self, cycle: RequestResponseCycle, body: bytes) -> bool:
        """Write `body` as the next chunk of `cycle`'s streaming response, now, without the
        ASGI `send` (whose caller is a task to wake): True if written. False, and nothing
        written, unless that response is this connection's current one, started, chunked,
        not complete, its client still there and reading (the transport not paused for a full
        buffer): then the caller sends through the app's `send` as usual, which waits."""
        if (
            cycle is not self.cycle
            or not cycle.response_started
            or cycle.response_complete
            or cycle.disconnected
            or not cycle.chunked_encoding
            or self.flow.write_paused
            or self.transport.is_closing()
        ):
            return False
        if not body:
            return True
        transport: CorkedTransport = self.transport  # type: ignore[assignment]
        transport.write_now(_chunk(body))
        return True

    def on_message_complete(self) -> None:
        self.in_headers = True
        self.header_bytes = 0
        super().on_message_complete()

    def on_response_complete(self) -> None:
        if self.pipeline or self.transport.is_closing():
            # The next request is already here (uvicorn starts it), or there is none.
            super().on_response_complete()
            return
        # uvicorn's own, but this connection's single timer instead of a keep-alive timer.
        self.server_state.total_requests += 1
        self.flow.resume_reading()
        self._await_request()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        super().connection_lost(exc)

    # Counting the header block

    def data_received(self, data: bytes) -> None:
        self.silent = False
        if self.in_headers:
            self.header_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            refused = exc.__context__
            if isinstance(refused, HeadersRefused):
                self._refuse(431, refused.code, refused.detail)
            else:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            return
        # Checked after feeding, since the bytes may end the headers and start the body:
        # httptools has buffered at most one read more than the limit.
        if self.in_headers and self.header_bytes > MAX_HEADER_BYTES:
            self._refuse(431, *TOO_LARGE)

    # The one timer

    def _await_request(self) -> None:
        now = self.loop.time()
        self.awaiting = True
        self.silent = True
        self.silent_until = now + self.timeout_keep_alive
        self.headers_until = now + self.header_timeout
        due = min(self.silent_until, self.headers_until)
        if self.timer is None or self.timer_due > due:
            if self.timer is not None:
                self.timer.cancel()
            self._arm(due)

    def _arm(self, due: float) -> None:
        self.timer_due = due
        self.timer = self.loop.call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        self.timer = None
        if not self.awaiting or self.transport.is_closing():
            return  # a request is in the app; the next wait arms the timer again
        due = min(self.silent_until, self.headers_until) if self.silent else self.headers_until
        if self.loop.time() < due:
            self._arm(due)
        elif not (self.in_headers and self.header_bytes):
            # Idle (or still sending the body of a request answered early): end it quietly,
            # as uvicorn's keep-alive timer does.
            self.transport.close()
        else:
            self._refuse(
                408,
                "request_timeout",
                f"The request headers did not arrive within {self.header_timeout:g} seconds.",
            )

    def _refuse(self, status: int, code: str, detail: str) -> None:
        """Answer with an error and close, or only close while a request is being answered
        (an answer written now would land inside that one)."""
        self.awaiting = False
        if self.cycle is None or self.cycle.response_complete:
            payload = orjson.dumps(error_document(code, detail))
            head = [STATUS_LINE[status]]
            head += [b"%s: %s\r\n" % header for header in RAW_JSON_HEADERS]
            head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(payload))
            self.transport.write(b"".join([*head, payload]))
        self.transport.close()


# Held writes above this size leave at once: a response produced faster than the loop turns
# is not gathered in memory.
CORK_LIMIT = 64 * 1024


_last_chunk: tuple[object, bytes] = (object(), b"")


def _chunk(body: bytes) -> bytes:
    """`body` (not empty: that would end the response) as one chunk of a chunked response;
    the same bytes pushed to a thousand streams in a row are framed once."""
    global _last_chunk
    if _last_chunk[0] is not body:
        _last_chunk = (body, b"%x\r\n%b\r\n" % (len(body), body))
    return _last_chunk[1]


class CorkedTransport:
    """The connection's transport, with the writes of one turn of the event loop sent as one.

    uvicorn writes a response's head and its body separately, so every small answer (the
    receive path's 202 above all) cost two sends, each of which, on loopback or a local
    proxy, runs the network stack for the reader too. Held writes leave together at the end
    of the loop's turn (or sooner, past CORK_LIMIT, or before a close): one send per answer,
    in the order written. Everything else is the transport's own."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._real = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_bytes = 0
        # Asked on every request: bound here rather than found through __getattr__.
        self.is_closing = transport.is_closing
        self.get_extra_info = transport.get_extra_info

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)
        self._held_bytes += len(data)
        if self._held_bytes > CORK_LIMIT:
            self.flush()

    def write_now(self, data: bytes) -> None:
        """Send `data` at once, after whatever is held (one send either way)."""
        if self._held:
            self._held.append(data)
            self.flush()
        elif not self._real.is_closing():
            self._real.write(data)

    def writelines(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        held = self._held
        if not held:
            return
        self._held = []
        self._held_bytes = 0
        if not self._real.is_closing():
            self._real.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self.flush()
        self._real.close()

    def abort(self) -> None:
        self._held = []
        self._held_bytes = 0
        self._real.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)
