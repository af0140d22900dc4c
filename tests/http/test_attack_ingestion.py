"""A member (or an admin of another workspace) must never stop or slow ingestion, nor lose
another workspace's events: attacks from issue 10, over real HTTP against a real server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.people import Person, first_admin, member
from tests.support import Server, github_headers


@dataclass
class World:
    server: Server
    ada: Person  # admin of the Default workspace
    bob: Person  # a member of it


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[World]:
    ada = first_admin(server)
    bob = member(ada, "bob@example.com")
    yield World(server, ada, bob)
    ada.close()
    bob.close()


def _deliver(endpoint: dict[str, object], event: str = "ping", body: bytes = b"") -> float:
    """Send one signed GitHub delivery; how long its 202 took."""
    body = body or b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    started = time.monotonic()
    answer = httpx.post(
        str(endpoint["url"]),
        content=body,
        headers=github_headers(str(endpoint["secret"]), body, event),
        timeout=40,
    )
    assert answer.status_code == 202, answer.text
    return time.monotonic() - started


@pytest.mark.parametrize("raw", [str(2**63), str(2**64), "9" * 25, "²", "-1", "0", "1e3"])
def test_an_impossible_token_id_is_404_and_ingestion_goes_on(world: World, raw: str) -> None:
    answer = world.bob.post(f"/settings/tokens/{raw}/revoke")
    assert answer.status_code == 404, answer.text
    # Endpoint names are unique in a workspace: one per parameter.
    endpoint = world.server.create_endpoint("github", name=f"after-revoke {raw!r}")
    assert _deliver(endpoint) < 5
    assert httpx.get(world.server.url + "/healthz").json() == {"status": "ok"}
    world.server.wait_for_events(1, endpoint=endpoint["id"])


def test_a_title_with_a_lone_surrogate_loses_nothing_and_blocks_no_one(world: World) -> None:
    ada, server = world.ada, world.server
    # Ada's template makes every ping title end in text no database can hold as it is.
    saved = ada.post("/templates/github:ping", title="{{ event.title }} {{ '\\ud800' }} end")
    assert saved.status_code == 303, saved.text
    bad = server.create_endpoint("github", name="surrogates")
    for _ in range(8):
        _deliver(bad)
    # Another workspace's delivery, sent after those: it reaches its feed at once.
    made = ada.post("/workspaces", name="Elsewhere")
    assert made.status_code == 303, made.text
    ada.refresh()
    other = ada.api("POST", "/api/v1/endpoints", json={"kind": "github", "name": "other"})
    assert other.status_code == 201, other.text
    _deliver(other.json())
    started = time.monotonic()
    while not ada.api("GET", "/api/v1/events").json()["events"]:
        assert time.monotonic() - started < 3, "another workspace's event was held back"
        time.sleep(0.05)
    # Every delivery of the bad template's endpoint became its event, cleaned.
    events = server.wait_for_events(8, endpoint=bad["id"])
    assert len(events) == 8
    for event in events:
        assert event["title"].endswith("\ufffd end"), event["title"]
    ada.post("/workspaces/switch", workspace="1")
    ada.refresh()


@pytest.mark.parametrize("secret", ["x", "s3cret", "aaaaaaaaaaaaaaaaaaaaaaaa", "abababababababab"])
def test_a_guessable_secret_is_refused(world: World, secret: str) -> None:
    with world.server.client() as api:
        created = api.post("/api/v1/endpoints", json={"kind": "cloudflare", "secret": secret})
        assert created.status_code == 400
        assert "too easy to guess" in created.json()["detail"]
        endpoint = world.server.create_endpoint("cloudflare", name=f"strong-{len(secret)}")
        rotated = api.post(f"/api/v1/endpoints/{endpoint['id']}/secrets", json={"secret": secret})
        assert rotated.status_code == 400
        strong = api.post(
            "/api/v1/endpoints", json={"kind": "cloudflare", "secret": "cf-shared-secret"}
        )
        assert strong.status_code == 201, strong.text
