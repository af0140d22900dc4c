"""The REST API: auth, endpoints with secret rotation, events with filters, search and paging."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.support import GITHUB_FIXTURES, Server, github_headers


def _send(
    endpoint: dict[str, str], event: str, body: bytes, secret: str | None = None
) -> httpx.Response:
    return httpx.post(
        endpoint["url"],
        content=body,
        headers=github_headers(secret or endpoint["secret"], body, event),
    )


def _fixture(event: str) -> bytes:
    return sorted((GITHUB_FIXTURES / event).glob("*.payload.json"))[0].read_bytes()


def test_every_read_needs_a_valid_token(server: Server) -> None:
    for path in ("/api/v1/events", "/api/v1/endpoints", "/api/v1/events/1", "/api/v1/stream"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
            r = httpx.get(server.url + path, headers=headers)
            assert r.status_code == 401, (path, headers)
            assert r.json()["error"] == "unauthorized"
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}


def test_endpoint_lifecycle(server: Server) -> None:
    created = server.create_endpoint("github", name="acme/api")
    assert created["kind"] == "github" and created["name"] == "acme/api"
    assert created["url"] == f"{server.url}/in/{created['slug']}"
    assert len(created["slug"]) >= 22  # ≥ 128 random bits, URL-safe
    assert len(created["secret"]) >= 32
    with server.client() as c:
        listed = c.get("/api/v1/endpoints").json()["endpoints"]
        assert created["id"] in [e["id"] for e in listed]
        assert all("secret" not in e for e in listed), "secrets are shown only once"
        renamed = c.patch(f"/api/v1/endpoints/{created['id']}", json={"name": "acme/api2"})
        assert renamed.status_code == 200 and renamed.json()["name"] == "acme/api2"
        bad = c.patch(f"/api/v1/endpoints/{created['id']}", json={"slug": "mine"})
        assert bad.status_code == 400
        assert (
            c.post("/api/v1/endpoints", json={"kind": "nope"}).json()["error"] == "invalid_endpoint"
        )
        assert c.post("/api/v1/endpoints", content=b"{oops").json()["error"] == "invalid_json"
        assert c.post("/api/v1/endpoints", json={"kind": "github", "name": ""}).status_code == 400
        assert c.delete(f"/api/v1/endpoints/{created['id']}").status_code == 204
        assert c.get(f"/api/v1/endpoints/{created['id']}").status_code == 404
    assert _send(created, "ping", b"{}").status_code == 404


def test_secret_rotation_overlap_then_expiry(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="rotate")
    old = endpoint["secret"]
    body = _fixture("ping")
    with server.client() as c:
        r = c.post(f"/api/v1/endpoints/{endpoint['id']}/secrets", json={"expire_others_in": 2})
        assert r.status_code == 201, r.text
        new = r.json()["secret"]
        assert new != old and r.json()["others_expire_at"]
    assert _send(endpoint, "ping", body, old).status_code == 202
    assert _send(endpoint, "ping", body, new).status_code == 202
    with server.client() as c:
        for bad in (-1, 91879273004273408, 1.5, "soon", True):
            r = c.post(
                f"/api/v1/endpoints/{endpoint['id']}/secrets", json={"expire_others_in": bad}
            )
            assert r.status_code == 400 and r.json()["error"] == "invalid_secret", bad
    time.sleep(2.2)
    assert _send(endpoint, "ping", body, old).status_code == 401
    assert _send(endpoint, "ping", body, new).status_code == 202
    events = server.wait_for_events(3, endpoint=endpoint["id"])
    with server.client() as c:
        used = {
            c.get(f"/api/v1/events/{e['id']}").json()["delivery"]["verified_with_secret"]
            for e in events
        }
        secrets = c.get(f"/api/v1/endpoints/{endpoint['id']}").json()["secrets"]
    assert used == {s["id"] for s in secrets}, "each delivery records which secret matched"
    assert [s["active"] for s in secrets] == [False, True]


def test_events_filters_search_and_cursor_pages(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="filters")
    for event in ("push", "star", "issues", "release", "workflow_run"):
        assert _send(endpoint, event, _fixture(event)).status_code == 202
    for _ in range(7):
        assert _send(endpoint, "ping", _fixture("ping")).status_code == 202
    events = server.wait_for_events(12, endpoint=endpoint["id"])
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    with server.client() as c:

        def get(**params: object) -> dict:
            r = c.get("/api/v1/events", params={"endpoint": endpoint["id"], **params})
            assert r.status_code == 200, r.text
            return r.json()

        stars = get(type="star.created")["events"]
        assert len(stars) == 1 and stars[0]["type"] == "star.created"
        pings = get(type="ping")["events"]
        assert len(pings) == 7
        first = get(limit=5)
        second = get(limit=5, cursor=first["next_cursor"])
        third = get(limit=5, cursor=second["next_cursor"])
        ids = [e["id"] for page in (first, second, third) for e in page["events"]]
        assert ids == [e["id"] for e in events] and third["next_cursor"] is None
        release = next(e for e in events if e["type"].startswith("release"))
        word = release["title"].split()[-1].split("/")[-1]
        found = get(q=word.lower())["events"]
        assert release["id"] in [e["id"] for e in found]
        assert get(q="zzzznotthere")["events"] == []
        assert get(since="2999-01-01T00:00:00Z")["events"] == []
        assert len(get(until="2999-01-01T00:00:00Z")["events"]) == 12
        for bad in (
            {"limit": 0},
            {"limit": "x"},
            {"since": "yesterday"},
            {"severity": "loud"},
            {"cursor": "%%%"},
        ):
            r = c.get("/api/v1/events", params=bad)
            assert r.status_code == 400 and r.json()["detail"], bad
        assert c.get("/api/v1/events/999999999").status_code == 404


def test_workspaces_are_isolated(server: Server) -> None:
    """A token of another workspace sees none of this workspace's endpoints or events."""
    import asyncio

    from echodash.crypto import hash_token
    from echodash.store import open_store

    endpoint = server.create_endpoint("github", name="private")
    assert _send(endpoint, "ping", _fixture("ping")).status_code == 202
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    other_token = "edk_other-" + uuid.uuid4().hex

    async def make_other_workspace() -> None:
        store = open_store(server.database_url)
        await store.open()
        try:
            workspace = await store.create_workspace("Other team")
            await store.create_api_token(workspace, "other", hash_token(other_token), "admin")
        finally:
            await store.close()

    asyncio.run(make_other_workspace())
    other = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {other_token}"})
    with other:
        assert other.get("/api/v1/events").json()["events"] == []
        assert other.get(f"/api/v1/events?endpoint={endpoint['id']}").json()["events"] == []
        assert other.get(f"/api/v1/events/{event['id']}").status_code == 404
        assert other.get("/api/v1/endpoints").json()["endpoints"] == []
        for method in ("GET", "PATCH", "DELETE"):
            r = other.request(method, f"/api/v1/endpoints/{endpoint['id']}", json={"name": "x"})
            assert r.status_code == 404, method
        assert other.post(f"/api/v1/endpoints/{endpoint['id']}/secrets", json={}).status_code == 404
    with server.client() as c:
        assert c.get(f"/api/v1/endpoints/{endpoint['id']}").json()["name"] == "private"


@pytest.mark.parametrize("path", ["/api/openapi.json"])
def test_openapi_document_describes_the_api(server: Server, path: str) -> None:
    assert httpx.get(server.url + path).status_code == 401
    with server.client() as c:
        document = c.get(path).json()
    assert document["openapi"].startswith("3.")
    for route in (
        "/in/{slug}",
        "/api/v1/events",
        "/api/v1/endpoints",
        "/api/v1/stream",
        "/healthz",
    ):
        assert route in document["paths"]


def test_prometheus_metrics_count_outcomes(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="metrics")
    body = _fixture("ping")
    assert _send(endpoint, "ping", body).status_code == 202
    assert _send(endpoint, "ping", body, "wrong").status_code == 401
    assert httpx.get(server.url + "/metrics").status_code == 401
    with server.client() as c:
        text = c.get("/metrics").text
    assert 'echodash_deliveries_total{outcome="accepted",source="github"}' in text
    assert 'echodash_deliveries_total{outcome="rejected",source="github"}' in text
    assert "echodash_commit_seconds_bucket" in text


def test_member_tokens_read_but_cannot_change_endpoints(server: Server) -> None:

    made = server.cli("tokens", "create", "--role", "member")
    member = made.stdout.strip()
    endpoint = server.create_endpoint("github", name="admin-owned")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {member}"}) as c:
        assert c.get("/api/v1/endpoints").status_code == 200
        assert c.get(f"/api/v1/endpoints/{endpoint['id']}").status_code == 200
        assert c.get("/api/v1/events").status_code == 200
        attempts = [
            c.post("/api/v1/endpoints", json={"kind": "github"}),
            c.patch(f"/api/v1/endpoints/{endpoint['id']}", json={"name": "mine"}),
            c.delete(f"/api/v1/endpoints/{endpoint['id']}"),
            c.post(f"/api/v1/endpoints/{endpoint['id']}/secrets", json={}),
        ]
    for r in attempts:
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
    with server.client() as c:
        assert c.get(f"/api/v1/endpoints/{endpoint['id']}").json()["name"] == "admin-owned"


def test_numbers_in_parameters_are_strict(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="strict")
    with server.client() as c:
        for raw in ("8%0D", "%208", "1_0", "%EF%BC%98", "--5", "9" * 40):
            r = c.get(f"/api/v1/endpoints/{raw}")
            assert r.status_code == 400, raw
        assert c.get(f"/api/v1/endpoints/{endpoint['id']}").status_code == 200
        for since in ("--5", "1" * 40, "-99999999999999999999"):
            r = c.get("/api/v1/events", params={"since": since})
            assert r.status_code == 400, since
        assert c.get("/api/v1/events", params={"since": "1795600000"}).status_code == 200


def test_the_workspace_is_renamed_through_the_api_and_the_cli(fresh_server: Server) -> None:
    fresh_server.start()
    with fresh_server.client() as api:
        bad = api.patch("/api/v1/workspace", json={"name": " " * 3})
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_workspace"
        assert "1 to 80 characters" in bad.json()["detail"]
        both = api.patch("/api/v1/workspace", json={"name": " Acme ", "retention_days": 30})
        assert both.status_code == 200, both.text
        assert (both.json()["name"], both.json()["retention_days"]) == ("Acme", 30)
        assert api.get("/api/v1/workspace").json()["name"] == "Acme"
    renamed = fresh_server.cli("workspace", "rename", "Acme product")
    assert renamed.returncode == 0, renamed.stderr
    assert "'Acme product': events and deliveries are kept for 30 days." in renamed.stdout
    refused = fresh_server.cli("workspace", "rename", "x" * 81)
    assert refused.returncode != 0 and "1 to 80 characters" in refused.stderr
    with fresh_server.client() as api:
        assert api.get("/api/v1/workspace").json()["name"] == "Acme product"
