"""Linear over real HTTP: signed, fresh deliveries become readable events; anything else is
refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.support import Server

ISSUE_URL = "https://linear.app/acme/issue/ENG-12/fix-login-bug"
ISSUE: dict[str, Any] = {
    "action": "create",
    "type": "Issue",
    "actor": {"id": "2e8c5f14", "name": "alice", "email": "alice@acme.test", "type": "user"},
    "createdAt": "2024-05-02T10:15:30.000Z",
    "data": {
        "id": "9c2d1b6e-4f8a-4e1b-8c2d-7a6b5c4d3e2f",
        "identifier": "ENG-12",
        "number": 12,
        "title": "Fix login bug",
        "priority": 2,
        "priorityLabel": "High",
        "team": {"id": "72b2a2dc", "key": "ENG", "name": "Engineering"},
        "state": {"id": "a7c2", "name": "Todo", "type": "unstarted"},
        "url": ISSUE_URL,
    },
    "url": ISSUE_URL,
    "organizationId": "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b",
    "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
}


def _body(document: dict[str, Any], offset_s: float = 0) -> bytes:
    stamp = int((time.time() + offset_s) * 1000)
    return json.dumps(document | {"webhookTimestamp": stamp}).encode()


def _headers(secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Linear-Delivery": str(uuid.uuid4()),
        "Linear-Event": "Issue",
        "Linear-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }


@pytest.fixture(scope="module")
def endpoint(server: Server) -> dict[str, Any]:
    return server.create_endpoint("linear", name="acme", secret="lin_wh_test_secret_123")


def test_a_signed_issue_becomes_a_readable_event(server: Server) -> None:
    endpoint = server.create_endpoint("linear", name="signed")
    body = _body(ISSUE)
    headers = _headers(endpoint["secret"], body)
    r = httpx.post(endpoint["url"], content=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["delivery_id"] == headers["Linear-Delivery"]
    again = httpx.post(endpoint["url"], content=body, headers=headers)
    assert again.status_code == 202 and again.json()["duplicate"] is True
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "linear"
    assert event["type"] == "Issue.create"
    assert event["title"] == "alice created issue ENG-12 Fix login bug"
    assert event["url"] == ISSUE_URL
    assert event["actor"] == "alice"


def test_forged_stale_and_unsigned_deliveries_are_refused(server: Server) -> None:
    endpoint = server.create_endpoint("linear", name="forged")
    secret = endpoint["secret"]
    body = _body(ISSUE)
    good = _headers(secret, body)
    stale = _body(ISSUE, offset_s=-120)
    future = _body(ISSUE, offset_s=120)
    cases: dict[str, tuple[bytes, dict[str, Any], str]] = {
        "wrong secret": (body, _headers("not-the-secret", body), "bad_signature"),
        "changed byte": (body.replace(b"Fix login", b"Fix logon"), good, "bad_signature"),
        "missing header": (
            body,
            {k: v for k, v in good.items() if k != "Linear-Signature"},
            "missing_signature",
        ),
        "garbage header": (
            body,
            {**good, "Linear-Signature": "zz\u00e9".encode("latin-1")},
            "malformed_signature",
        ),
        "stale": (stale, _headers(secret, stale), "stale_timestamp"),
        "future": (future, _headers(secret, future), "stale_timestamp"),
    }
    for name, (content, headers, reason) in cases.items():
        r = httpx.post(endpoint["url"], content=content, headers=headers)
        assert r.status_code == 401, (name, r.text)
        assert r.json()["error"] == reason, name
    assert server.all_events(endpoint=endpoint["id"]) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b"\xff\xfe\x00",
        b'{"webhookTimestamp": 1e400}',
        b'{"webhookTimestamp": 99999999999999999999999999}',
        b"{" * 5000,
    ],
)
def test_odd_bodies_never_cause_a_server_error(
    server: Server, endpoint: dict[str, Any], body: bytes
) -> None:
    signed = httpx.post(endpoint["url"], content=body, headers=_headers(endpoint["secret"], body))
    assert signed.status_code == 401, signed.text
    assert signed.json()["error"] in {"malformed_body", "stale_timestamp"}


def test_odd_but_fresh_bodies_are_accepted_and_titled(
    server: Server, endpoint: dict[str, Any]
) -> None:
    body = _body({"type": "Issue", "action": "update", "data": [1, 2]})
    r = httpx.post(endpoint["url"], content=body, headers=_headers(endpoint["secret"], body))
    assert r.status_code == 202, r.text
    events = server.wait_for_events(1, endpoint=endpoint["id"], type="Issue.update")
    assert events[0]["title"]
