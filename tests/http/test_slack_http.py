"""Slack over real HTTP: the signed url_verification is answered with its challenge, signed
events become readable events, Slack's retries are duplicates, anything else is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest

from tests.support import Server

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHALLENGE = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
URL_VERIFICATION = {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": CHALLENGE,
                    "type": "url_verification"}  # fmt: skip


def app_mention(event_id: str) -> dict[str, Any]:
    return {
        "token": "XXYYZZ",
        "team_id": "T123ABC456",
        "api_app_id": "A123ABC456",
        "event": {
            "type": "app_mention",
            "user": "U061F7AUR",
            "text": "<@U0LAN0Z89> hello there",
            "ts": "1515449522.000016",
            "channel": "C123ABC456",
            "event_ts": "1515449522.000016",
        },
        "type": "event_callback",
        "authorizations": [{"team_id": "T123ABC456", "user_id": "U0LAN0Z89", "is_bot": True}],
        "event_id": event_id,
        "event_time": int(time.time()),
    }


def _headers(body: bytes, secret: str = SECRET, offset_s: float = 0) -> dict[str, str]:
    timestamp = str(int(time.time() + offset_s))
    base = b"v0:" + timestamp.encode() + b":" + body
    return {
        "Content-Type": "application/json",
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest(),
    }


@pytest.fixture(scope="module")
def endpoint(server: Server) -> dict[str, Any]:
    return server.create_endpoint("slack", name="acme", secret=SECRET)


def test_the_url_verification_is_answered_and_not_stored(server: Server) -> None:
    endpoint = server.create_endpoint("slack", name="handshake", secret=SECRET)
    body = json.dumps(URL_VERIFICATION).encode()
    r = httpx.post(endpoint["url"], content=body, headers=_headers(body))
    assert r.status_code == 200, r.text
    assert r.json() == {"challenge": CHALLENGE}
    assert r.headers["content-type"].startswith("application/json")
    unsigned = httpx.post(
        endpoint["url"], content=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401, unsigned.text
    assert unsigned.json()["error"] == "missing_signature"
    forged = httpx.post(endpoint["url"], content=body, headers=_headers(body, "not-the-secret"))
    assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"
    assert CHALLENGE not in forged.text
    stale = httpx.post(endpoint["url"], content=body, headers=_headers(body, offset_s=-600))
    assert stale.status_code == 401 and stale.json()["error"] == "stale_timestamp"
    # A real event after it: once that one is in the feed, the handshake would be too.
    event_body = json.dumps(app_mention("Ev0AFTERHS1")).encode()
    after = httpx.post(endpoint["url"], content=event_body, headers=_headers(event_body))
    assert after.status_code == 202, after.text
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["type"] == "app_mention"
    time.sleep(0.3)
    assert [e["type"] for e in server.all_events(endpoint=endpoint["id"])] == ["app_mention"]


def test_a_signed_mention_is_readable_and_a_retry_is_a_duplicate(server: Server) -> None:
    endpoint = server.create_endpoint("slack", name="mentions", secret=SECRET)
    body = json.dumps(app_mention("Ev0PV52K21")).encode()
    r = httpx.post(endpoint["url"], content=body, headers=_headers(body))
    assert r.status_code == 202, r.text
    assert r.json() == {"status": "accepted", "delivery_id": "Ev0PV52K21", "duplicate": False}
    # Slack retries with a new timestamp and signature, and the same event_id.
    time.sleep(1.1)
    retry = httpx.post(
        endpoint["url"],
        content=body,
        headers={**_headers(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"},
    )
    assert retry.status_code == 202, retry.text
    assert retry.json()["duplicate"] is True
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "slack"
    assert event["type"] == "app_mention"
    assert event["title"] == "<@U061F7AUR> mentioned the app in #C123ABC456: hello there"
    assert event["actor"] == "U061F7AUR"
    assert event["subject"] == "C123ABC456"
    assert event["url"] == "https://app.slack.com/client/T123ABC456/C123ABC456"
    assert event["fields"]["team_id"] == "T123ABC456"
    time.sleep(0.3)
    assert len(server.all_events(endpoint=endpoint["id"])) == 1


def test_forged_stale_and_unsigned_deliveries_are_refused(server: Server) -> None:
    endpoint = server.create_endpoint("slack", name="forged", secret=SECRET)
    body = json.dumps(app_mention("Ev0FORGED1")).encode()
    good = _headers(body)
    cases: dict[str, tuple[bytes, dict[str, Any], str]] = {
        "stale": (body, _headers(body, offset_s=-600), "stale_timestamp"),
        "future": (body, _headers(body, offset_s=600), "stale_timestamp"),
        "wrong secret": (body, _headers(body, "not-the-secret"), "bad_signature"),
        "changed byte": (body.replace(b"hello", b"jello"), good, "bad_signature"),
        "missing signature": (
            body,
            {k: v for k, v in good.items() if k != "X-Slack-Signature"},
            "missing_signature",
        ),
        "missing timestamp": (
            body,
            {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},
            "missing_signature",
        ),
        "garbage signature": (
            body,
            {**good, "X-Slack-Signature": "v0=zz\u00e9".encode("latin-1")},
            "malformed_signature",
        ),
        "garbage timestamp": (
            body,
            {**good, "X-Slack-Request-Timestamp": "\u00e9\u00e9".encode("latin-1")},
            "malformed_signature",
        ),
    }
    for name, (content, headers, reason) in cases.items():
        r = httpx.post(endpoint["url"], content=content, headers=headers)
        assert r.status_code == 401, (name, r.text)
        assert r.json()["error"] == reason, name
    assert server.all_events(endpoint=endpoint["id"]) == []


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b"\xff\xfe\x00", b'{"type": "url_verification"}', b"{" * 5000],
)
def test_odd_signed_bodies_never_cause_a_server_error(
    server: Server, endpoint: dict[str, Any], body: bytes
) -> None:
    r = httpx.post(endpoint["url"], content=body, headers=_headers(body))
    assert r.status_code in {202, 401}, r.text


def test_a_rate_limit_notice_is_kept_as_a_warning(server: Server, endpoint: dict[str, Any]) -> None:
    body = json.dumps(
        {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "type": "app_rate_limited", "team_id": "T123456",
         "minute_rate_limited": 1518467820, "api_app_id": "A123456"}
    ).encode()  # fmt: skip
    r = httpx.post(endpoint["url"], content=body, headers=_headers(body))
    assert r.status_code == 202, r.text
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"], type="app_rate_limited")
    assert event["severity"] == "warning"
    assert event["title"].startswith("Slack is rate-limiting the app's events")
