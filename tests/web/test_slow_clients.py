"""Slow clients outside `/in/`: a body that does not arrive within the request deadline is
answered 408 and cut off, while live streams, which answer for hours, stay open.

Raw sockets, because HTTP clients do not trickle. The module's server has a 1-second deadline.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support import Server, StreamListener, first_admin_client

DEADLINE = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("slow"), env={"ECHODASH_REQUEST_DEADLINE": f"{DEADLINE:g}"}
    )
    srv.start()
    yield srv
    srv.stop()


def _trickle(server: Server, head: str, seconds: float = 6.0) -> tuple[bytes, float]:
    """Send `head`, then one byte of body every 0.1 s until the server answers or hangs up.
    (what it answered, seconds from the head to the answer)"""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.encode())
        started = time.monotonic()
        sock.settimeout(0.1)
        answer = b""
        while time.monotonic() - started < seconds:
            try:
                sock.sendall(b"x" if "chunked" not in head else b"1\r\nx\r\n")
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            answer += data
        return answer, time.monotonic() - started


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/login", "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000"),
        ("/api/v1/endpoints", "Content-Type: application/json\r\nContent-Length: 1000"),
        ("/api/v1/events", "Content-Type: application/json\r\nTransfer-Encoding: chunked"),
    ],
    ids=["form", "json", "chunked-json"],
)
def test_a_slow_body_is_answered_408_and_cut_off_at_the_deadline(
    server: Server, path: str, headers: str
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n"
        f"{headers}\r\n\r\n"
    )
    answer, seconds = _trickle(server, head)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b'"request_timeout"' in answer
    assert b"connection: close" in answer.lower()
    # The sweeping timer checks a few times per deadline; the connection then ends.
    assert DEADLINE <= seconds < DEADLINE + 1.5, seconds


def test_the_api_stream_stays_open_past_the_deadline(server: Server) -> None:
    with StreamListener(server) as listener:
        time.sleep(DEADLINE * 3)
        with server.client() as c:
            sent = c.post("/api/v1/events", json={"event": "Still streaming"})
            assert sent.status_code == 202
        _, event, _ = listener.next(timeout=5)
        assert event["title"] and event["type"] == "Still streaming"


def test_the_feed_stream_stays_open_past_the_deadline(server: Server) -> None:
    with first_admin_client(server) as person:
        cookie = "; ".join(f"{name}={value}" for name, value in person.cookies.items())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET /feed/stream HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
        received = sock.recv(65536)
        assert received.startswith(b"HTTP/1.1 200"), received[:300]
        time.sleep(DEADLINE * 3)
        sent = httpx.post(
            server.url + "/api/v1/events",
            json={"event": "Feed still streaming"},
            headers={"Authorization": f"Bearer {server.token}"},
        )
        assert sent.status_code == 202
        deadline = time.monotonic() + 5
        while b"Feed still streaming" not in received and time.monotonic() < deadline:
            data = sock.recv(65536)
            assert data, "the feed stream was closed"
            received += data
        assert b"Feed still streaming" in received
