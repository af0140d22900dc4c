"""Vercel over real HTTP: signed deliveries become readable events, forged ones are refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

from tests.support import Server


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def _event(event_type: str = "deployment.succeeded") -> bytes:
    return json.dumps(
        {
            "id": f"uev_{uuid.uuid4().hex}",
            "type": event_type,
            "createdAt": int(time.time() * 1000),
            "region": "iad1",
            "payload": {
                "team": {"id": "team_a1b2c3"},
                "user": {"id": "usr_d4e5f6"},
                "deployment": {
                    "id": "dpl_2uoGGqTzbWkeFLBdJ3WuTmcYXS4T",
                    "url": "acme-web-7sj2k9dxa-acme.vercel.app",
                    "name": "acme-web",
                    "meta": {"githubCommitRef": "main", "githubCommitMessage": "Fix login"},
                },
                "links": {
                    "deployment": "https://vercel.com/acme/acme-web/2uoGGqTzbWkeFLBdJ3WuTmcYXS4T",
                    "project": "https://vercel.com/acme/acme-web",
                },
                "target": "production",
                "project": {"id": "prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"},
            },
        }
    ).encode()


def _post(endpoint: dict[str, Any], body: bytes, headers: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        endpoint["url"], content=body, headers={"content-type": "application/json", **headers}
    )


def test_signed_deployment_is_accepted_and_readable(server: Server) -> None:
    endpoint = server.create_endpoint("vercel", name="acme team")
    body = _event()
    r = _post(endpoint, body, {"x-vercel-signature": _sign(endpoint["secret"], body)})
    assert r.status_code == 202, r.text
    assert r.json()["delivery_id"] == json.loads(body)["id"]
    again = _post(endpoint, body, {"x-vercel-signature": _sign(endpoint["secret"], body)})
    assert again.status_code == 202 and again.json()["duplicate"] is True
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "vercel"
    assert event["type"] == "deployment.succeeded"
    assert event["title"] == "Deployment of acme-web to production succeeded (main: Fix login)"
    assert event["severity"] == "success"
    assert event["url"] == "https://vercel.com/acme/acme-web/2uoGGqTzbWkeFLBdJ3WuTmcYXS4T"


def test_own_secret_and_refusals(server: Server) -> None:
    endpoint = server.create_endpoint("vercel", name="refusals", secret="my-vercel-secret")
    body = _event("deployment.error")
    good = _sign("my-vercel-secret", body)
    changed = bytearray(body)
    changed[len(changed) // 2] ^= 0x01
    cases: dict[str, tuple[bytes, dict[str, Any]]] = {
        "wrong secret": (body, {"x-vercel-signature": _sign("not-the-secret", body)}),
        "changed byte": (bytes(changed), {"x-vercel-signature": good}),
        "missing header": (body, {}),
        "sha256 instead": (
            body,
            {"x-vercel-signature": hmac.new(b"my-vercel-secret", body, "sha256").hexdigest()},
        ),
        "non-ASCII header": (body, {"x-vercel-signature": "zz\u00e9".encode("latin-1")}),
        "huge header": (body, {"x-vercel-signature": "a" * 6000}),
    }
    for name, (sent, headers) in cases.items():
        r = _post(endpoint, sent, headers)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert set(r.json()) == {"error", "detail"}, name
    assert server.all_events(endpoint=endpoint["id"]) == []
    assert _post(endpoint, body, {"x-vercel-signature": good}).status_code == 202
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["title"] == "Deployment of acme-web to production failed (main: Fix login)"
    assert event["severity"] == "error"


def test_garbage_never_gets_a_server_error(server: Server) -> None:
    endpoint = server.create_endpoint("vercel", name="garbage")
    bodies = [
        b"",
        b"\xff\xfe\x00",
        b"[]",
        b'{"type": null}',
        b'{"payload": [1, {"x": {}}]}',
        b"{" * 5000,
        json.dumps({"type": "deployment.succeeded", "payload": "x"}).encode(),
    ]
    with httpx.Client(timeout=10) as c:
        for body in bodies:
            for header in (_sign(endpoint["secret"], body), "", "0" * 40, "\u00e9" * 40):
                r = c.post(
                    endpoint["url"],
                    content=body,
                    headers={"x-vercel-signature": header.encode("latin-1")},
                )
                assert r.status_code < 500, (body[:20], header[:10], r.text)
    # every signed body is accepted and becomes a readable event (empty bodies excepted:
    # the receiver may turn those away before the source sees them)
    events = server.wait_for_events(len(bodies) - 1, endpoint=endpoint["id"])
    assert all(event["title"] for event in events)
