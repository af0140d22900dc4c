"""Slow, idle and oversized clients: connections that send no request, or their headers a byte
at a time, are closed after the header timeout; header blocks over 64 KiB or 100 headers are
refused with 431 before they are buffered; a body that does not arrive within the request
deadline is answered 408 and cut off, on every route, while live streams stay open; and idle
connections cannot use up the server's descriptors.

Raw sockets, because HTTP clients neither trickle nor send 16 MiB headers. The module's server
has a 1-second header timeout and a 1-second request deadline.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support import (
    Server,
    StreamListener,
    first_admin_client,
    github_headers,
    read_answer,
)

DEADLINE = 1.0
HEADER_TIMEOUT = 1.0
SETTINGS = {
    "ECHODASH_REQUEST_DEADLINE": f"{DEADLINE:g}",
    "ECHODASH_HEADER_TIMEOUT": f"{HEADER_TIMEOUT:g}",
}
KIB = 1024
MIB = 1024 * KIB
# What can be in flight when the server stops reading: socket buffers on both sides.
IN_FLIGHT = 8 * MIB


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("slow"), env=SETTINGS)
    srv.start()
    yield srv
    srv.stop()


def _connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def _until_closed(sock: socket.socket, seconds: float = 6.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when that was."""
    started = time.monotonic()
    sock.settimeout(seconds)
    received = b""
    try:
        while data := sock.recv(65536):
            received += data
    except TimeoutError:
        return received + b" (still open)", time.monotonic() - started
    except OSError:
        pass
    return received, time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    server: Server,
) -> None:
    with _connect(server) as sock:
        received, seconds = _until_closed(sock)
    assert received == b""  # idle: closed without a word
    assert HEADER_TIMEOUT * 0.9 <= seconds < HEADER_TIMEOUT + 1, seconds


def test_headers_sent_a_byte_at_a_time_are_answered_408_and_closed(server: Server) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        sock.settimeout(0.1)
        received = b""
        while time.monotonic() - started < 6:
            try:
                sock.sendall(b"X")  # one header's name, never finished
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            received += data
        seconds = time.monotonic() - started
    assert received.startswith(b"HTTP/1.1 408"), received[:300]
    assert b'"request_timeout"' in received
    assert HEADER_TIMEOUT * 0.9 <= seconds < HEADER_TIMEOUT + 1, seconds


def test_a_kept_alive_connection_gets_the_same_timeout_for_its_next_request(
    server: Server,
) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = read_answer(sock)
        assert first.startswith(b"HTTP/1.1 200"), first[:300]
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
        received, seconds = _until_closed(sock)
    assert received.startswith(b"HTTP/1.1 408"), received[:300]
    assert seconds < HEADER_TIMEOUT + 1, seconds


def test_a_body_trickling_on_after_an_early_answer_is_cut_off_quietly(server: Server) -> None:
    """An unknown receive URL is answered before its body is read, and the connection kept;
    a body that keeps trickling in after it is no new request: after the header timeout the
    connection ends, without a second answer."""
    head = "POST /in/no-such-endpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
    answer, seconds = _trickle(server, head)
    assert answer.startswith(b"HTTP/1.1 404"), answer[:300]
    assert answer.count(b"HTTP/1.1") == 1, answer
    assert seconds < HEADER_TIMEOUT + 1.5, seconds


def test_pipelined_and_kept_alive_requests_are_still_served(server: Server) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    with _connect(server) as sock:
        sock.sendall(request * 3)  # three at once: answered in order
        received = b""
        while received.count(b'{"status":"ok"}') < 3:
            data = sock.recv(65536)
            assert data, received
            received += data
        assert received.count(b"HTTP/1.1 200") == 3
        for _ in range(3):  # then one at a time on the same connection, well within 1 s
            sock.sendall(request)
            assert read_answer(sock).startswith(b"HTTP/1.1 200")


def _send_header_block(server: Server, head: bytes, filler: bytes, total: int) -> tuple[int, bytes]:
    """Send `head`, then `filler` until `total` bytes or an answer; (bytes sent, answer)."""
    sent = 0
    with _connect(server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 128 * KIB)
        sock.sendall(head)
        try:
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(filler)
                sent += len(filler)
            sock.sendall(b"\r\n\r\n")
        except OSError:
            pass  # the server hung up
        received, _ = _until_closed(sock, 5)
    return sent, received


def test_a_16_mib_header_is_refused_431_before_it_is_buffered(server: Server) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: "
    sent, answer = _send_header_block(server, head, b"h" * (64 * KIB), 16 * MIB)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:300]
    assert b'"headers_too_large"' in answer
    assert sent < IN_FLIGHT, f"{sent:,} bytes of header went in before the answer"


def test_a_header_block_over_64_kib_in_one_piece_is_refused_too(server: Server) -> None:
    assert httpx.get(server.url + "/healthz", headers={"X-Big": "b" * 60_000}).status_code == 200
    refused = httpx.get(server.url + "/healthz", headers={"X-Big": "b" * 66_000})
    assert refused.status_code == 431
    assert refused.json()["error"] == "headers_too_large"


def test_101_headers_are_refused_431_and_100_are_served(server: Server) -> None:
    def request(count: int) -> bytes:
        headers = "".join(f"X-H{n}: {n}\r\n" for n in range(count - 1))
        with _connect(server) as sock:
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
            return read_answer(sock)

    assert request(100).startswith(b"HTTP/1.1 200")
    refused = request(101)
    assert refused.startswith(b"HTTP/1.1 431"), refused[:300]
    assert b'"too_many_headers"' in refused


def test_a_1_mib_header_never_reaches_a_stored_delivery(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="big header")
    body = b'{"zen": "Big headers are refused."}'
    headers = github_headers(endpoint["secret"], body, "ping")
    headers["X-Padding"] = "p" * MIB
    path = endpoint["url"].removeprefix(server.url)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with _connect(server) as sock:
        try:
            sock.sendall(head.encode() + b"\r\n" + body)
        except OSError:
            pass  # hung up on before the whole header went out
        answer, _ = _until_closed(sock, 5)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:300]
    time.sleep(0.5)  # what was stored would be an event by now
    with server.client() as c:
        stats = c.get(f"/api/v1/endpoints/{endpoint['id']}").json()["stats"]
    assert stats["deliveries"] == 0, stats
    assert server.all_events(endpoint=endpoint["id"]) == []


def _idle_connections(server: Server, count: int) -> list[socket.socket]:
    idle = []
    for _ in range(count):
        try:
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        except OSError:
            break
    return idle


def test_idle_connections_cannot_use_up_a_low_descriptor_limit(fresh_server: Server) -> None:
    """Started with a soft limit of 256 descriptors: the server raises it to the hard limit,
    so 300 idle connections leave room for normal traffic at once."""
    fresh_server.env.update(SETTINGS)
    fresh_server.nofile = "256:"
    fresh_server.start()
    idle = _idle_connections(fresh_server, 300)
    try:
        assert len(idle) == 300
        r = httpx.get(fresh_server.url + "/healthz", timeout=HEADER_TIMEOUT / 2)
        assert r.status_code == 200
    finally:
        for sock in idle:
            sock.close()
    assert "files can be open" not in fresh_server.log()


def test_idle_connections_are_closed_in_time_when_the_limit_cannot_be_raised(
    fresh_server: Server,
) -> None:
    """A hard limit of 256 too: the header timeout frees the descriptors of idle connections,
    and the limit is reported in the log."""
    fresh_server.env.update(SETTINGS)
    fresh_server.nofile = "256:256"
    fresh_server.start()
    idle = _idle_connections(fresh_server, 300)
    try:
        time.sleep(HEADER_TIMEOUT * 1.5)
        r = httpx.get(fresh_server.url + "/healthz", timeout=HEADER_TIMEOUT * 3)
        assert r.status_code == 200
    finally:
        for sock in idle:
            sock.close()
    assert "only 256 files can be open" in fresh_server.log()


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
