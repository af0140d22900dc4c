"""Every real GitHub payload, signed and sent over HTTP, becomes one readable stored event."""

from __future__ import annotations

import base64
import urllib.parse
import uuid

import httpx
import pytest

from tests.support import GITHUB_FIXTURES, Server, github_fixtures, github_headers


@pytest.fixture(scope="module")
def github(server: Server) -> dict[str, str]:
    return server.create_endpoint("github", name="acme/web")


def test_every_fixture_is_accepted_stored_byte_exact_and_titled(
    server: Server, github: dict[str, str]
) -> None:
    fixtures = github_fixtures()
    assert len(fixtures) >= 60
    sent: dict[str, tuple[str, bytes]] = {}
    with httpx.Client(timeout=10) as c:
        for path in fixtures:
            body = path.read_bytes()
            event_name = path.parent.name
            delivery = str(uuid.uuid4())
            r = c.post(
                github["url"],
                content=body,
                headers=github_headers(github["secret"], body, event_name, delivery),
            )
            assert r.status_code == 202, (path, r.text)
            assert r.json() == {"status": "accepted", "delivery_id": delivery, "duplicate": False}
            sent[delivery] = (event_name, body)

    events = server.wait_for_events(len(sent), endpoint=github["id"])
    assert len(events) == len(sent)
    with server.client() as c:
        for event in events:
            detail = c.get(f"/api/v1/events/{event['id']}").json()
            event_name, body = sent[detail["delivery"]["key"]]
            raw = detail["raw"]
            stored = (
                raw["body"].encode()
                if raw["body"] is not None
                else base64.b64decode(raw["body_base64"])
            )
            assert stored == body, event_name
            assert raw["headers"]["x-github-event"] == event_name
            assert event["source"] == "github"
            assert event["type"].split(".")[0] == event_name
            title = event["title"]
            # A sentence a person can read, not the bare event name.
            assert " " in title and title != event["type"], (event_name, title)
            assert event["occurred_at"].endswith("Z") and event["received_at"].endswith("Z")


def test_form_encoded_delivery_reads_like_the_json_one(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="form")
    payload = sorted((GITHUB_FIXTURES / "push").glob("*.payload.json"))[0].read_bytes()
    form = b"payload=" + urllib.parse.quote_plus(payload.decode()).encode()
    form_headers = github_headers(endpoint["secret"], form, "push")
    form_headers["Content-Type"] = "application/x-www-form-urlencoded"
    assert httpx.post(endpoint["url"], content=form, headers=form_headers).status_code == 202
    json_headers = github_headers(endpoint["secret"], payload, "push")
    assert httpx.post(endpoint["url"], content=payload, headers=json_headers).status_code == 202
    first, second = server.wait_for_events(2, endpoint=endpoint["id"])
    assert first["title"] == second["title"]
    assert first["type"] == second["type"] == "push"
    assert first["title"] == "Codertocat deleted tag simple-tag in Codertocat/Hello-World"


def test_github_official_signature_vector_over_http(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="vector", secret="It's a Secret to Everybody")
    headers = {
        "X-Hub-Signature-256": "sha256="
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "Content-Type": "text/plain",
    }
    r = httpx.post(endpoint["url"], content=b"Hello, World!", headers=headers)
    assert r.status_code == 202, r.text
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    # Not JSON, yet kept and shown: nothing is lost because the body is odd.
    assert event["source"] == "github"
    assert event["title"] == "GitHub sent a ping delivery that is not JSON"
    assert event["severity"] == "warning"
