"""Fail closed: forged, stale, odd or oversized deliveries are refused and create no event."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
import stripe

from tests.support import Server, github_fixtures, github_headers


@pytest.fixture(scope="module")
def github(server: Server) -> dict[str, str]:
    return server.create_endpoint("github", name="refusals")


@pytest.fixture(scope="module")
def payload() -> bytes:
    return github_fixtures()[0].read_bytes()


def _stats(server: Server, endpoint_id: int) -> dict[str, object]:
    with server.client() as c:
        stats: dict[str, object] = c.get(f"/api/v1/endpoints/{endpoint_id}").json()["stats"]
        return stats


def test_forgeries_are_refused_counted_and_never_stored(
    server: Server, github: dict[str, str], payload: bytes
) -> None:
    good = github_headers(github["secret"], payload, "push")
    changed = bytearray(payload)
    changed[len(changed) // 2] ^= 0x01
    cases = {
        "changed byte": (bytes(changed), good),
        "wrong secret": (payload, github_headers("not-the-secret", payload, "push")),
        "missing header": (
            payload,
            {k: v for k, v in good.items() if k != "X-Hub-Signature-256"},
        ),
        "garbage header": (
            payload,
            {**good, "X-Hub-Signature-256": "sha256=zz\u00e9".encode("latin-1")},
        ),
    }
    for name, (body, headers) in cases.items():
        r = httpx.post(github["url"], content=body, headers=headers)
        assert r.status_code == 401, (name, r.text)
        error = r.json()
        assert set(error) == {"error", "detail"} and error["detail"], name
    # Refusals are counted in memory and stored once a second.
    deadline = time.monotonic() + 5
    stats = _stats(server, int(github["id"]))
    while stats["rejected"] != 4 and time.monotonic() < deadline:
        time.sleep(0.1)
        stats = _stats(server, int(github["id"]))
    assert stats["rejected"] == 4
    assert stats["deliveries"] == 0
    rejections = stats["rejections"]
    assert isinstance(rejections, dict)
    assert rejections.get("bad_signature", 0) >= 2 and rejections.get("missing_signature") == 1
    assert server.all_events(endpoint=github["id"]) == []


def test_stale_stripe_timestamp_is_refused(server: Server) -> None:
    endpoint = server.create_endpoint("stripe", name="billing")
    secret = endpoint["secret"]
    body = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": "charge.succeeded",
            "created": int(time.time()),
            "data": {"object": {"id": "ch_1", "object": "charge"}},
        }
    )
    # 30 s past the 300 s window either way: a busy machine can take a second to answer.
    for offset, expected in ((-330, 401), (330, 401), (0, 202)):
        ts = int(time.time()) + offset
        header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=ts)
        r = httpx.post(
            endpoint["url"],
            content=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        assert r.status_code == expected, (offset, r.text)
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["type"] == "charge.succeeded"


def test_unknown_slug_is_404_with_a_json_error(server: Server) -> None:
    r = httpx.post(server.url + "/in/no-such-endpoint", content=b"{}")
    assert r.status_code == 404
    assert r.json()["error"] == "unknown_endpoint"


def test_oversized_bodies_are_refused_before_they_are_read(
    tmp_path: object, fresh_server: Server
) -> None:
    fresh_server.env["ECHODASH_MAX_BODY_BYTES"] = "1000"
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="small")
    big = b"x" * 1001
    r = httpx.post(
        endpoint["url"], content=big, headers=github_headers(endpoint["secret"], big, "push")
    )
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"

    def chunks():  # chunked transfer: no Content-Length to refuse early
        for _ in range(20):
            yield b"y" * 100

    r = httpx.post(endpoint["url"], content=chunks(), headers={"X-GitHub-Event": "push"})
    assert r.status_code == 413
    just_right = b"z" * 1000
    ok = httpx.post(
        endpoint["url"],
        content=just_right,
        headers=github_headers(endpoint["secret"], just_right, "push"),
    )
    assert ok.status_code == 202


def test_bad_bodies_with_valid_signatures_are_kept_and_shown(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="odd bodies")
    bodies = [
        b"",
        b"\xff\xfe not utf-8",
        b"[" * 10_000 + b"]" * 10_000,
        b'{"n": ' + b"9" * 5000 + b"}",
        b'{"x": NaN}',
        b'{"a": "\\u0000", "b": "\\ud800"}',
        b"not json at all",
    ]
    for body in bodies:
        r = httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "push")
        )
        assert r.status_code == 202, (body[:20], r.text)
    events = server.wait_for_events(len(bodies), endpoint=endpoint["id"])
    assert all(e["title"] for e in events)
    with server.client() as c:
        details = [c.get(f"/api/v1/events/{e['id']}").json() for e in events]
    kept = {d["raw"]["body"] for d in details if d["raw"]["body"] is not None}
    assert "not json at all" in kept
    assert any(d["raw"]["body_base64"] for d in details)  # the non-UTF-8 one, byte-exact


def test_secret_headers_are_never_stored(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="headers")
    body = b'{"zen": "Keep it logically awesome."}'
    headers = github_headers(endpoint["secret"], body, "ping")
    headers["Authorization"] = "Bearer should-not-be-kept"
    headers["Cookie"] = "session=should-not-be-kept"
    assert httpx.post(endpoint["url"], content=body, headers=headers).status_code == 202
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    with server.client() as c:
        raw = c.get(f"/api/v1/events/{event['id']}").json()["raw"]
    assert "authorization" not in raw["headers"] and "cookie" not in raw["headers"]
    assert raw["headers"]["x-github-event"] == "ping"
    assert "should-not-be-kept" not in server.log()
    assert endpoint["secret"] not in server.log()


def test_slow_bodies_are_cut_off_while_normal_traffic_flows(fresh_server: Server) -> None:
    import socket
    import threading

    fresh_server.env["ECHODASH_REQUEST_DEADLINE"] = "1"
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="slow")
    path = endpoint["url"].split(str(fresh_server.port), 1)[1]
    answers: list[bytes] = []

    def trickle() -> None:
        with socket.create_connection(("127.0.0.1", fresh_server.port), timeout=10) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".encode())
            sock.settimeout(0.1)
            started = time.monotonic()
            while time.monotonic() - started < 5:
                try:
                    sock.sendall(b"x")
                    reply = sock.recv(4096)
                except TimeoutError:
                    continue  # no answer yet: keep trickling
                except OSError:
                    reply = b""
                for _ in range(20):  # the body may follow in its own packet
                    if reply.endswith(b"}"):
                        break
                    try:
                        reply += sock.recv(4096)
                    except OSError:
                        break
                answers.append(reply)
                return
            answers.append(b"never answered")

    slow = [threading.Thread(target=trickle) for _ in range(20)]
    started = time.monotonic()
    for t in slow:
        t.start()
    body = b'{"zen": "fast"}'
    for _ in range(20):  # normal traffic is served meanwhile
        r = httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
        )
        assert r.status_code == 202
    for t in slow:
        t.join(10)
    assert time.monotonic() - started < 4, "slow clients were cut off near the 1 s deadline"
    assert len(answers) == 20
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:2]
    assert b"request_timeout" in answers[0]
