"""Retention: a workspace's period is set over the API or CLI, and old rows are pruned."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from echodash.events import Delivery, EventDraft, utcnow
from echodash.store import open_store
from tests.support import Server


@pytest.fixture
def pruning_server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data", env={"ECHODASH_RETENTION_INTERVAL": "0.5"}).start()
    yield srv
    srv.stop()


def test_workspace_settings_over_the_api(server: Server) -> None:
    with server.client() as c:
        r = c.get("/api/v1/workspace")
        assert r.status_code == 200
        assert r.json()["retention_days"] is None and r.json()["name"] == "Default"
        r = c.patch("/api/v1/workspace", json={"retention_days": 30})
        assert (r.status_code, r.json()["retention_days"]) == (200, 30)
        assert c.get("/api/v1/workspace").json()["retention_days"] == 30
        for bad in (
            {"retention_days": 6},
            {"retention_days": 3.5},
            {"retention_days": "30"},
            {"retention_days": True},
            {"retention_days": 40_000},
            {"name": ""},
            {"name": "x" * 81},
            {"colour": "red"},
            {"name": "Renamed", "retention_days": 6},  # one bad field: nothing changes
            {},
        ):
            r = c.patch("/api/v1/workspace", json=bad)
            assert r.status_code == 400, bad
            assert r.json()["error"] == "invalid_workspace"
        assert c.get("/api/v1/workspace").json()["retention_days"] == 30
        assert c.get("/api/v1/workspace").json()["name"] == "Default"
        r = c.patch("/api/v1/workspace", json={"retention_days": None})
        assert (r.status_code, r.json()["retention_days"]) == (200, None)
    made = server.cli("tokens", "create", "--role", "member")
    member = made.stdout.strip()
    headers = {"Authorization": f"Bearer {member}"}
    with httpx.Client(base_url=server.url, headers=headers) as c:
        assert c.get("/api/v1/workspace").status_code == 200
        assert c.patch("/api/v1/workspace", json={"retention_days": 30}).status_code == 403
        assert c.patch("/api/v1/workspace", json={"name": "Mine now"}).status_code == 403
    assert httpx.get(server.url + "/api/v1/workspace").status_code == 401


def test_old_events_are_pruned_and_new_ones_kept(pruning_server: Server) -> None:
    srv = pruning_server
    endpoint = srv.create_endpoint("generic", name="app", options={"auth": "none"})

    async def plant() -> None:
        # Deliveries 40 days old, written the way the receive path writes them.
        store = open_store(srv.database_url)
        await store.open()
        try:
            old = utcnow() - timedelta(days=40)
            for i in range(30):
                await store.append_delivery(
                    Delivery(endpoint["id"], 1, "generic", f"old-{i}", {}, b"{}", old, None)
                )
            pending = await store.pending_deliveries(100)
            await store.save_events(
                [(d, [EventDraft(type="old", title=f"ancient {d.key}")]) for d in pending]
            )
        finally:
            await store.close()

    asyncio.run(plant())
    with httpx.Client() as c:
        r = c.post(f"{srv.url}/in/{endpoint['slug']}", json={"type": "fresh", "title": "new"})
        assert r.status_code == 202
    assert len(srv.wait_for_events(31)) == 31
    time.sleep(1.5)  # the job runs, but the workspace keeps everything
    assert len(srv.all_events()) == 31
    assert srv.cli("workspace", "retention", "30").returncode == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(srv.all_events()) > 1:  # pruned within a run
        time.sleep(0.2)
    assert [e["type"] for e in srv.all_events()] == ["fresh"]
    assert srv.all_events(q="ancient") == []
    with srv.client() as c:
        stats = c.get(f"/api/v1/endpoints/{endpoint['id']}").json()["stats"]
    assert stats["deliveries"] == 1  # the old deliveries went with their events
    shown = srv.cli("jobs", "--limit", "50")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("retention:\n")
    assert "pruned 60 rows (Default: 60)" in shown.stdout  # 30 events and their 30 deliveries
    assert "nothing to prune" in shown.stdout  # the runs before the period was set
