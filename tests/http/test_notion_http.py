"""Notion over real HTTP: the unsigned verification handshake hands over the token once; then
only deliveries signed with that token are accepted."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx

from echodash.sources.notion import REDACTED
from tests.support import Server

TOKEN = "secret_h3KdP9wQ2zXv7LmN4bRt8YcF1sJg6AeU0oWi5nTq"
PAGE_ID = "59833787-2cf9-4fdf-8782-e53db20768a5"


def _handshake_body(token: str = TOKEN) -> bytes:
    return json.dumps({"verification_token": token}).encode()


def _event(kind: str = "page.content_updated") -> bytes:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "timestamp": "2025-06-02T14:35:41.512Z",
            "workspace_id": "13950b26-c203-4f3b-b97d-93ec06319565",
            "workspace_name": "Acme Docs",
            "subscription_id": "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
            "integration_id": "0ef2e755-4912-8096-91c1-00376a88a5ca",
            "type": kind,
            "authors": [{"id": "1a2b3c4d-0000-4a4a-8b8b-0123456789ab", "type": "person"}],
            "attempt_number": 1,
            "entity": {"id": PAGE_ID, "type": "page"},
            "data": {
                "parent": {"id": "13950b26-c203-4f3b-b97d-93ec06319565", "type": "space"},
                "updated_blocks": [{"id": "153104cd-477e-809d-8dc4-ff2d96ae3090", "type": "block"}],
            },
        }
    ).encode()


def _signed(body: bytes, token: str = TOKEN) -> dict[str, str]:
    digest = hmac.new(token.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Notion-Signature": f"sha256={digest}"}


def _post(endpoint: dict[str, Any], body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(endpoint["url"], content=body, headers=headers)


def _secret_count(server: Server, endpoint: dict[str, Any]) -> int:
    with server.client() as c:
        r = c.get(f"/api/v1/endpoints/{endpoint['id']}")
        assert r.status_code == 200, r.text
        return len(r.json()["secrets"])


def _connected(server: Server, name: str) -> dict[str, Any]:
    endpoint = server.create_endpoint("notion", name=name)
    r = _post(endpoint, _handshake_body(), {"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return endpoint


def test_the_handshake_stores_the_token_sealed_only(server: Server) -> None:
    endpoint = server.create_endpoint("notion", name="handshake")
    assert endpoint["secret"] == ""
    assert _secret_count(server, endpoint) == 0
    r = _post(endpoint, _handshake_body(), {"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "accepted", "handshake": True}
    assert _secret_count(server, endpoint) == 1
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "notion"
    assert event["type"] == "verification"
    assert event["severity"] == "warning"
    assert event["title"].startswith("Notion sent its verification token")
    # Every member reads events: the token is on the endpoint's page, for admins only.
    assert event["fields"]["verification_token"] == REDACTED
    assert TOKEN not in json.dumps(event)


def test_a_second_handshake_is_refused_and_keeps_the_token(server: Server) -> None:
    endpoint = _connected(server, "second")
    intruder = "secret_attacker_wants_this_token_used_0123"
    again = _post(endpoint, _handshake_body(intruder), {"Content-Type": "application/json"})
    assert again.status_code == 409, again.text
    assert again.json()["error"] == "handshake_refused"
    assert _secret_count(server, endpoint) == 1
    # The first token still signs; the intruder's does not.
    good = _event()
    assert _post(endpoint, good, _signed(good)).status_code == 202
    forged = _event()
    r = _post(endpoint, forged, _signed(forged, intruder))
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"


def test_signed_deliveries_are_accepted_and_readable(server: Server) -> None:
    endpoint = _connected(server, "signed")
    body = _event()
    headers = _signed(body)
    r = _post(endpoint, body, headers)
    assert r.status_code == 202, r.text
    assert r.json()["delivery_id"] == json.loads(body)["id"]
    again = _post(endpoint, body, headers)
    assert again.status_code == 202 and again.json()["duplicate"] is True
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"], type="page.content_updated")
    assert event["title"] == "person 1a2b3c4d… updated the content of page 59833787…"
    assert event["url"] == "https://www.notion.so/598337872cf94fdf8782e53db20768a5"
    assert event["subject"] == "page 59833787…"
    assert event["fields"]["workspace"] == "Acme Docs"
    assert event["fields"]["updated_blocks"] == 1


def test_wrong_and_missing_signatures_are_refused(server: Server) -> None:
    endpoint = _connected(server, "refused")
    body = _event()
    good = _signed(body)
    cases: dict[str, tuple[bytes, dict[str, str], str]] = {
        "wrong token": (body, _signed(body, "secret_not_the_token_at_all"), "bad_signature"),
        "changed byte": (body.replace(b"Acme", b"Acne"), good, "bad_signature"),
        "missing": (body, {"Content-Type": "application/json"}, "missing_signature"),
        "no prefix": (
            body,
            {**good, "X-Notion-Signature": good["X-Notion-Signature"].removeprefix("sha256=")},
            "malformed_signature",
        ),
    }
    for name, (content, headers, reason) in cases.items():
        r = _post(endpoint, content, headers)
        assert r.status_code == 401, (name, r.text)
        assert r.json()["error"] == reason, name
    events = server.all_events(endpoint=endpoint["id"])
    assert [e["type"] for e in events] == ["verification"]


def test_before_the_handshake_nothing_is_accepted(server: Server) -> None:
    endpoint = server.create_endpoint("notion", name="early")
    body = _event()
    r = _post(endpoint, body, _signed(body))
    assert r.status_code == 401, r.text
    assert r.json()["error"] == "no_active_secret"
    odd = _post(endpoint, b"not json", {"Content-Type": "application/json"})
    assert odd.status_code == 401 and odd.json()["error"] == "no_active_secret"
    assert _secret_count(server, endpoint) == 0
    assert server.all_events(endpoint=endpoint["id"]) == []
