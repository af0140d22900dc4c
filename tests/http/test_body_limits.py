"""Bodies outside `/in/` are counted while they stream and refused at the route's limit.

Raw sockets, because the attack is a chunked body far larger than any limit: each test sends
it in pieces and stops as soon as the server answers (or hangs up), and measures how much of
it the server let through. Before the fix, `/login` parsed 190 MiB of form before refusing it.
"""

from __future__ import annotations

import itertools
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support import Server, first_admin_client, read_answer

KIB = 1024
MIB = 1024 * KIB
FORM_LIMIT = 256 * KIB
JSON_LIMIT = 1 * MIB
CUSTOM_EVENTS_LIMIT = 25 * MIB  # ECHODASH_MAX_BODY_BYTES, the default
# What can be in flight when the server stops reading: the client's send buffer (kept small
# below) and the server's receive buffer (the kernel grows it to a few MiB on loopback).
IN_FLIGHT = 8 * MIB
PIECE = 64 * KIB


@pytest.fixture(scope="module")
def session_cookie(server: Server) -> Iterator[str]:
    """The Cookie header of the first admin, signed in through the page forms."""
    with first_admin_client(server) as client:
        yield "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _head(path: str, *headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: echodash.test", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def stream(
    server: Server, head: bytes, total: int, *pieces: bytes, stop_at_answer: bool = True
) -> tuple[int, bytes]:
    """Send `head`, then a chunked body of up to `total` bytes made of `pieces` (repeated);
    stop when an answer arrives (if `stop_at_answer`) or the server hangs up.
    (bytes sent, the answer)"""
    chunks = itertools.cycle([b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces])
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        # A small send buffer of our own, so that "sent" is close to what the server took in.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 128 * KIB)
        sock.sendall(head)
        answer = b""
        while sent < total:
            if not answer and select.select([sock], [], [], 0)[0]:
                answer = read_answer(sock)
                if stop_at_answer or not answer:
                    break
            chunk = next(chunks)
            try:
                sock.sendall(chunk)
            except OSError:  # the server hung up
                break
            sent += len(chunk)
        else:
            try:
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass
        return sent, answer or read_answer(sock)


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer[9:12])


def test_a_huge_chunked_login_form_is_refused_at_the_form_limit(server: Server) -> None:
    head = _head(
        "/login",
        "Content-Type: application/x-www-form-urlencoded",
        "Transfer-Encoding: chunked",
    )
    # Fields of 1 MiB each, as in the review: fewer than the 200 fields a form may have.
    field = [b"&f=" + b"a" * (PIECE - 3), *[b"a" * PIECE] * 15]
    started = time.monotonic()
    sent, answer = stream(server, head, 190 * MIB, *field)
    assert _status(answer) == 413, answer[:300]
    assert sent < FORM_LIMIT + IN_FLIGHT, f"{sent:,} bytes went in before the answer"
    assert time.monotonic() - started < 5


def test_a_huge_chunked_form_of_a_signed_in_person_is_refused(
    server: Server, session_cookie: str
) -> None:
    head = _head(
        "/settings/tokens",
        f"Cookie: {session_cookie}",
        "Accept: text/html",
        "Content-Type: application/x-www-form-urlencoded",
        "Transfer-Encoding: chunked",
    )
    field = [b"&name=" + b"n" * (PIECE - 6), *[b"n" * PIECE] * 15]
    sent, answer = stream(server, head, 64 * MIB, *field)
    assert _status(answer) == 413, answer[:300]
    assert b"content-type: text/html" in answer.lower()  # a page, for a person
    assert sent < FORM_LIMIT + IN_FLIGHT, f"{sent:,} bytes went in before the answer"


def test_a_huge_chunked_json_body_is_refused_at_the_api_limit(server: Server) -> None:
    head = _head(
        "/api/v1/endpoints",
        f"Authorization: Bearer {server.token}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
    )
    sent, answer = stream(server, head, 64 * MIB, b" " * PIECE)
    assert _status(answer) == 413, answer[:300]
    assert b'"body_too_large"' in answer
    assert sent < JSON_LIMIT + IN_FLIGHT, f"{sent:,} bytes went in before the answer"


def test_a_huge_chunked_custom_events_body_is_refused_at_its_limit(server: Server) -> None:
    head = _head(
        "/api/v1/events",
        f"Authorization: Bearer {server.token}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
    )
    sent, answer = stream(server, head, 150 * MIB, b" " * PIECE)
    assert _status(answer) == 413, answer[:300]
    assert sent < CUSTOM_EVENTS_LIMIT + IN_FLIGHT, f"{sent:,} bytes went in before the answer"


def test_a_declared_length_over_the_limit_is_refused_before_the_body(server: Server) -> None:
    head = _head(
        "/api/v1/endpoints",
        f"Authorization: Bearer {server.token}",
        "Content-Type: application/json",
        f"Content-Length: {JSON_LIMIT + 1}",
        "Expect: 100-continue",
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)
        answer = read_answer(sock)
    # Refused outright: no `100 Continue` invites the body first.
    assert _status(answer) == 413, answer[:300]
    assert b'"body_too_large"' in answer


def test_an_answer_before_the_body_ends_the_connection(server: Server) -> None:
    """A handler that answers without reading (no token here) must not leave the server
    reading the rest of the body to throw it away."""
    head = _head("/api/v1/events", "Content-Type: application/json", "Transfer-Encoding: chunked")
    sent, answer = stream(server, head, 64 * MIB, b" " * PIECE, stop_at_answer=False)
    assert _status(answer) == 401, answer[:300]
    assert b"connection: close" in answer.lower()
    assert sent < IN_FLIGHT, f"the server went on reading {sent:,} bytes after its answer"


def test_bodies_within_the_limits_are_served(server: Server) -> None:
    # A batch of 10,001 realistic custom events (~1.9 MiB) passes the size limit: it is its
    # count that is refused. The REST API's 1 MiB would have refused it.
    event = {"event": "Page viewed", "distinct_id": "u_1234567", "values": {"path": "/p" * 60}}
    with server.client() as c:
        batch = c.post("/api/v1/events", json={"batch": [event] * 10_001})
        assert batch.status_code == 400, batch.text
        assert len(batch.request.content) > JSON_LIMIT
        assert batch.json()["error"] == "batch_too_large"
        # JSON just under 1 MiB is read and judged on its content.
        near = c.post(
            "/api/v1/endpoints", json={"kind": "github", "name": "x" * (JSON_LIMIT - 100)}
        )
        assert near.status_code == 400, near.text
        assert near.json()["error"] == "invalid_endpoint"
    # A form just under 256 KiB reaches its CSRF check.
    login = httpx.post(
        server.url + "/login", data={"email": "a@example.com", "password": "p" * (FORM_LIMIT - 200)}
    )
    assert login.status_code == 403, login.text[:300]
