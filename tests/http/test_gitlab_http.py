"""GitLab over real HTTP: secret-token and signing-token deliveries become readable events, wrong
or stale credentials are refused, and the X-Gitlab-Token header is never stored."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from tests.support import Server

TOKEN = "glsec-test-token-123"
SIGNING_KEY = "whsec_" + base64.b64encode(b"gitlab http signing key 123").decode()
PROJECT = {
    "id": 15,
    "name": "web",
    "web_url": "https://gitlab.example.com/acme/web",
    "path_with_namespace": "acme/web",
}


def _merge_body() -> bytes:
    return json.dumps(
        {
            "object_kind": "merge_request",
            "event_type": "merge_request",
            "user": {"name": "Alice", "username": "alice"},
            "project": PROJECT,
            "object_attributes": {
                "iid": 42,
                "title": "Fix login",
                "state": "merged",
                "action": "merge",
                "target_branch": "main",
                "source_branch": "fix-login",
                "updated_at": "2024-06-03 12:00:00 UTC",
                "url": "https://gitlab.example.com/acme/web/-/merge_requests/42",
            },
        }
    ).encode()


def _pipeline_body() -> bytes:
    return json.dumps(
        {
            "object_kind": "pipeline",
            "user": {"name": "Alice", "username": "alice"},
            "project": PROJECT,
            "object_attributes": {
                "id": 31,
                "ref": "main",
                "sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                "status": "failed",
                "duration": 75,
                "url": "https://gitlab.example.com/acme/web/-/pipelines/31",
            },
        }
    ).encode()


def _post(endpoint: dict[str, Any], body: bytes, headers: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        endpoint["url"],
        content=body,
        headers={"content-type": "application/json", **headers},
        timeout=10,
    )


def _signed(body: bytes, secret: str, at: int | None = None) -> dict[str, str]:
    moment = int(time.time()) if at is None else at
    msg_id = str(uuid.uuid4())
    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(moment, UTC), body.decode())
    return {
        "webhook-id": msg_id,
        "idempotency-key": msg_id,
        "webhook-timestamp": str(moment),
        "webhook-signature": signature,
        "x-gitlab-event": "Pipeline Hook",
    }


def test_secret_token_mode_is_accepted_and_the_token_is_not_stored(server: Server) -> None:
    endpoint = server.create_endpoint("gitlab", name="acme/web", secret=TOKEN)
    key = str(uuid.uuid4())
    headers = {
        "x-gitlab-token": TOKEN,
        "x-gitlab-event": "Merge Request Hook",
        "x-gitlab-event-uuid": str(uuid.uuid4()),
        "idempotency-key": key,
    }
    r = _post(endpoint, _merge_body(), headers)
    assert r.status_code == 202, r.text
    assert r.json()["delivery_id"] == key
    again = _post(endpoint, _merge_body(), headers)
    assert again.status_code == 202 and again.json()["duplicate"] is True
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "gitlab"
    assert event["type"] == "merge_request.merge"
    assert event["title"] == "alice merged !42 Fix login into main in acme/web"
    assert event["severity"] == "success"
    assert event["url"] == "https://gitlab.example.com/acme/web/-/merge_requests/42"
    with server.client() as c:
        detail = c.get(f"/api/v1/events/{event['id']}").json()
    stored = {name.lower() for name in detail["raw"]["headers"]}
    assert "x-gitlab-token" not in stored, "the secret token must not be stored"
    assert "x-gitlab-event" in stored
    assert TOKEN not in json.dumps(detail)


def test_wrong_or_missing_token_is_refused(server: Server) -> None:
    endpoint = server.create_endpoint("gitlab", name="refusals", secret=TOKEN)
    cases: dict[str, dict[str, Any]] = {
        "wrong token": {"x-gitlab-token": "not-the-token"},
        "missing token": {},
        "prefix": {"x-gitlab-token": TOKEN[:-1]},
        "non-ASCII": {"x-gitlab-token": "glsec-t\u00e9st".encode("latin-1")},
        "garbage signature": {"webhook-signature": "v1,!!!", "webhook-id": "x"},
    }
    for name, headers in cases.items():
        r = _post(endpoint, _merge_body(), headers)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert set(r.json()) == {"error", "detail"}, name
    assert server.all_events(endpoint=endpoint["id"]) == []


def test_signing_token_mode(server: Server) -> None:
    endpoint = server.create_endpoint("gitlab", name="signed", secret=SIGNING_KEY)
    body = _pipeline_body()
    r = _post(endpoint, body, _signed(body, SIGNING_KEY))
    assert r.status_code == 202, r.text
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["type"] == "pipeline.failed"
    assert event["title"] == "Pipeline #31 failed on main in acme/web"
    assert event["severity"] == "error"
    assert event["fields"]["duration"] == "1m 15s"
    stale = _post(endpoint, body, _signed(body, SIGNING_KEY, at=int(time.time()) - 600))
    assert stale.status_code == 401, stale.text
    assert stale.json()["error"] == "stale_timestamp"
    other = "whsec_" + base64.b64encode(b"some other signing key!!").decode()
    wrong = _post(endpoint, body, _signed(body, other))
    assert wrong.status_code == 401 and wrong.json()["error"] == "bad_signature"
    tampered = _post(endpoint, body + b" ", _signed(body, SIGNING_KEY))
    assert tampered.status_code == 401
    assert len(server.all_events(endpoint=endpoint["id"])) == 1


def test_garbage_bodies_never_cause_errors(server: Server) -> None:
    endpoint = server.create_endpoint("gitlab", name="garbage", secret=TOKEN)
    bodies = [b"\xff\xfe", b"[]", b'{"object_kind": 5, "object_attributes": []}', b"{" * 5000]
    with httpx.Client(timeout=10) as c:
        for sent in bodies:
            for token in (TOKEN, "", "\u00e9" * 10):
                sent_headers = {
                    b"x-gitlab-token": token.encode("latin-1"),
                    b"x-gitlab-event": b"??",
                }
                r = c.post(endpoint["url"], content=sent, headers=sent_headers)
                assert r.status_code < 500, (sent[:20], token, r.text)
    events = server.wait_for_events(len(bodies), endpoint=endpoint["id"])
    assert all(event["title"] for event in events)
