"""Cloudflare over real HTTP: the Save-and-Test message and alerts become readable events, a
wrong or missing `cf-webhook-auth` is refused, and the secret header is never stored."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx

from tests.support import Server

TEST_MESSAGE = b'{"text":"Hello World! This is a test message sent from https://cloudflare.com"}'


def _post(endpoint: dict[str, Any], body: bytes, headers: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        endpoint["url"], content=body, headers={"content-type": "application/json", **headers}
    )


def _alert(event: str, correlation: str) -> bytes:
    return json.dumps(
        {
            "name": "Origin monitoring",
            "text": "Health check api-origin is Unhealthy: TCP connection failed",
            "data": {"name": "api-origin", "status": "Unhealthy", "zone_name": "example.com"},
            "ts": int(time.time()),
            "account_id": "9035f53656c247e895c5a6939ae8a0e0",
            "policy_id": "6f2ee4a5-3c6e-4f5c-9b1e-0b1d2a3c4d5e",
            "policy_name": "Origin monitoring",
            "alert_type": "health_check_status_notification",
            "alert_correlation_id": correlation,
            "alert_event": f"ALERT_STATE_EVENT_{event}",
        }
    ).encode()


def test_save_and_test_works_end_to_end(server: Server) -> None:
    endpoint = server.create_endpoint("cloudflare", name="account")
    r = _post(endpoint, TEST_MESSAGE, {"cf-webhook-auth": endpoint["secret"]})
    assert r.status_code == 202, r.text
    assert r.json()["delivery_id"].startswith("sha256:")
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "cloudflare"
    assert event["type"] == "test"
    assert event["title"] == "Cloudflare test notification"
    with server.client() as c:
        detail = c.get(f"/api/v1/events/{event['id']}").json()
    headers = {name.lower() for name in detail["raw"]["headers"]}
    assert "cf-webhook-auth" not in headers, "the secret must not be stored"


def test_start_and_end_are_paired(server: Server) -> None:
    endpoint = server.create_endpoint("cloudflare", name="alerts", secret="cf-shared-secret")
    correlation = uuid.uuid4().hex
    for state in ("START", "END"):
        r = _post(endpoint, _alert(state, correlation), {"cf-webhook-auth": "cf-shared-secret"})
        assert r.status_code == 202, r.text
    events = server.wait_for_events(2, endpoint=endpoint["id"])
    by_state = {event["fields"]["alert_event"]: event for event in events}
    assert by_state["START"]["title"] == "Origin health check failed: api-origin (START)"
    assert by_state["START"]["severity"] == "critical"
    assert by_state["END"]["title"] == "Origin health check recovered: api-origin (END)"
    assert by_state["END"]["severity"] == "success"
    for event in events:
        assert event["fields"]["alert_correlation_id"] == correlation
        assert f"incident:{correlation}" in event["tags"]


def test_refusals_and_garbage(server: Server) -> None:
    endpoint = server.create_endpoint("cloudflare", name="refusals", secret="cf-shared-secret")
    body = _alert("START", uuid.uuid4().hex)
    for name, headers in {
        "wrong secret": {"cf-webhook-auth": "not-the-secret"},
        "missing header": {},
        "prefix of the secret": {"cf-webhook-auth": "cf-shared"},
        "non-ASCII header": {"cf-webhook-auth": "cf-shared-secr\u00e9t".encode("latin-1")},
        "huge header": {"cf-webhook-auth": "x" * 6000},
    }.items():
        r = _post(endpoint, body, headers)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert set(r.json()) == {"error", "detail"}, name
    assert server.all_events(endpoint=endpoint["id"]) == []
    bodies = [b"\xff\xfe", b"[]", b'{"alert_type": 5, "data": []}', b"{" * 5000, b'"x"']
    with httpx.Client(timeout=10) as c:
        for sent in bodies:
            for header in ("cf-shared-secret", "", "\u00e9" * 10):
                r = c.post(
                    endpoint["url"],
                    content=sent,
                    headers={"cf-webhook-auth": header.encode("latin-1")},
                )
                assert r.status_code < 500, (sent[:20], header, r.text)
    events = server.wait_for_events(len(bodies), endpoint=endpoint["id"])
    assert all(event["title"] for event in events)
