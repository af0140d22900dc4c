"""Every built-in source over real HTTP: signed deliveries become readable events, forged or
unsigned ones are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import httpx
import stripe

from tests.support import STRIPE_RESOURCES, Server


def _standard_headers(secret: str, body: bytes, msg_id: str) -> dict[str, str]:
    ts = str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{ts}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": ts,
        "webhook-signature": f"v1,{signature}",
        "content-type": "application/json",
    }


def test_every_stripe_resource_as_an_event_is_accepted_and_titled(server: Server) -> None:
    endpoint = server.create_endpoint("stripe", name="billing")
    resources = json.loads(STRIPE_RESOURCES.read_bytes())["resources"]
    assert len(resources) > 150
    sent: dict[str, str] = {}
    with httpx.Client(timeout=10) as c:
        for name, obj in resources.items():
            event_id = f"evt_{uuid.uuid4().hex[:24]}"
            body = json.dumps(
                {
                    "id": event_id,
                    "object": "event",
                    "type": f"{name}.updated",
                    "created": int(time.time()),
                    "livemode": False,
                    "data": {"object": obj},
                }
            )
            header = stripe.WebhookSignature.generate_signature_header(body, endpoint["secret"])
            r = c.post(
                endpoint["url"],
                content=body,
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
            assert r.status_code == 202, (name, r.text)
            assert r.json()["delivery_id"] == event_id
            sent[event_id] = name
    events = server.wait_for_events(len(sent), endpoint=endpoint["id"])
    assert len(events) == len(sent)
    for event in events:
        assert event["source"] == "stripe"
        assert event["type"].endswith(".updated")
        assert " " in event["title"] and event["title"] != event["type"], event
        assert event["url"] is None or event["url"].startswith("https://dashboard.stripe.com/")


def test_standard_webhooks_over_http(server: Server) -> None:
    endpoint = server.create_endpoint("standard", name="emails")
    assert endpoint["secret"].startswith("whsec_")
    body = b'{"type": "email.delivered", "data": {"email": "ada@example.com", "id": "em_1"}}'
    msg_id = f"msg_{uuid.uuid4().hex}"
    good = _standard_headers(endpoint["secret"], body, msg_id)
    r = httpx.post(endpoint["url"], content=body, headers=good)
    assert r.status_code == 202 and r.json()["delivery_id"] == msg_id
    again = httpx.post(endpoint["url"], content=body, headers=good)
    assert again.json()["duplicate"] is True
    forged = _standard_headers("whsec_" + base64.b64encode(b"x" * 24).decode(), body, "msg_2")
    assert httpx.post(endpoint["url"], content=body, headers=forged).status_code == 401
    stale = dict(good, **{"webhook-timestamp": str(int(time.time()) - 301)})
    assert httpx.post(endpoint["url"], content=body, headers=stale).status_code == 401
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["type"] == "email.delivered"
    assert "email.delivered" in event["title"]


def test_generic_endpoints_in_each_auth_mode(server: Server) -> None:
    body = b'{"event": "backup.failed", "status": "failed", "host": "db-1"}'
    token = server.create_endpoint("generic", name="token", options={"auth": "token"})
    assert (
        httpx.post(
            token["url"], content=body, headers={"Authorization": f"Bearer {token['secret']}"}
        ).status_code
        == 202
    )
    assert (
        httpx.post(token["url"], content=body, headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert httpx.post(token["url"], content=body).status_code == 401

    signed = server.create_endpoint(
        "generic",
        name="hmac",
        options={"auth": "hmac", "signature_header": "x-sig", "prefix": "sha256="},
    )
    digest = hmac.new(signed["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert (
        httpx.post(signed["url"], content=body, headers={"X-Sig": f"sha256={digest}"}).status_code
        == 202
    )
    assert (
        httpx.post(
            signed["url"], content=body + b" ", headers={"X-Sig": f"sha256={digest}"}
        ).status_code
        == 401
    )

    open_url = server.create_endpoint("generic", name="url only", options={"auth": "none"})
    assert httpx.post(open_url["url"], content=body).status_code == 202

    for endpoint in (token, signed, open_url):
        (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
        assert event["type"] == "backup.failed"
        assert event["severity"] == "error"
        assert event["title"]
    with server.client() as c:
        raw = c.get(f"/api/v1/events/{event['id']}").json()
    assert raw["delivery"]["verified_with_secret"] is None  # no secret checked for auth=none
