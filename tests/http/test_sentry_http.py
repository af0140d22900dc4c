"""Sentry over real HTTP: signed deliveries become readable events, anything else is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.support import Server

ISSUE: dict[str, Any] = {
    "action": "created",
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
    "data": {
        "issue": {
            "id": "1170820242",
            "shortId": "ACME-WEB-1A",
            "title": "TypeError: x is undefined",
            "culprit": "app/components/Cart in render",
            "level": "error",
            "status": "unresolved",
            "project": {"id": "2", "name": "acme-web", "slug": "acme-web"},
            "web_url": "https://sentry.io/organizations/acme/issues/1170820242/",
        }
    },
    "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
}


def _headers(secret: str, body: bytes, resource: str = "issue") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Request-ID": str(uuid.uuid4()),
        "Sentry-Hook-Resource": resource,
        "Sentry-Hook-Timestamp": "1709553601",
        "Sentry-Hook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }


@pytest.fixture(scope="module")
def endpoint(server: Server) -> dict[str, Any]:
    return server.create_endpoint("sentry", name="acme-web", secret="sentry-client-secret-123")


def test_a_signed_issue_becomes_a_readable_event(server: Server) -> None:
    endpoint = server.create_endpoint("sentry", name="signed")
    body = json.dumps(ISSUE).encode()
    headers = _headers(endpoint["secret"], body)
    r = httpx.post(endpoint["url"], content=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["delivery_id"] == headers["Request-ID"]
    again = httpx.post(endpoint["url"], content=body, headers=headers)
    assert again.status_code == 202 and again.json()["duplicate"] is True
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "sentry"
    assert event["type"] == "issue.created"
    assert event["title"] == "New issue in acme-web: TypeError: x is undefined"
    assert event["severity"] == "error"
    assert event["url"] == "https://sentry.io/organizations/acme/issues/1170820242/"


def test_forged_and_unsigned_deliveries_are_refused(server: Server) -> None:
    endpoint = server.create_endpoint("sentry", name="forged")
    body = json.dumps(ISSUE).encode()
    good = _headers(endpoint["secret"], body)
    cases: dict[str, tuple[bytes, dict[str, Any]]] = {
        "wrong secret": (body, _headers("not-the-secret", body)),
        "changed byte": (body.replace(b"TypeError", b"TypeErrot"), good),
        "missing header": (body, {k: v for k, v in good.items() if k != "Sentry-Hook-Signature"}),
        "garbage header": (body, {**good, "Sentry-Hook-Signature": "zz\u00e9".encode("latin-1")}),
        "huge header": (body, {**good, "Sentry-Hook-Signature": "a" * 6000}),
    }
    for name, (content, headers) in cases.items():
        r = httpx.post(endpoint["url"], content=content, headers=headers)
        assert r.status_code == 401, (name, r.text)
    missing = httpx.post(endpoint["url"], content=body, headers=cases["missing header"][1])
    assert missing.json()["error"] == "missing_signature"
    assert server.all_events(endpoint=endpoint["id"]) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b"\xff\xfe\x00",
        b'{"action": {}, "data": {"issue": []}}',
        b"{" * 5000,
    ],
)
def test_odd_bodies_never_cause_a_server_error(
    server: Server, endpoint: dict[str, Any], body: bytes
) -> None:
    signed = httpx.post(endpoint["url"], content=body, headers=_headers(endpoint["secret"], body))
    assert signed.status_code == 202, signed.text
    garbage: dict[bytes, bytes] = {b"Sentry-Hook-Signature": "\u00e9".encode("latin-1")}
    unsigned = httpx.post(endpoint["url"], content=body, headers=garbage)
    assert unsigned.status_code == 401
