"""Several `echodash serve` processes on one PostgreSQL database act as one EchoDash."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from echodash.store.postgres import PostgresStore
from tests.support import GITHUB_FIXTURES, Server, StreamListener, github_headers

pytestmark = pytest.mark.own_stores

SHARED_KEY = "cluster-test-secret-key-0123456789"


def _node(tmp_path: Path, name: str, url: str, **env: str) -> Server:
    return Server(
        tmp_path / name,
        env={
            "ECHODASH_DATABASE": url,
            # Every node must share the key that seals webhook secrets.
            "ECHODASH_SECRET_KEY": SHARED_KEY,
            "ECHODASH_NODE_NAME": name,
            **env,
        },
    )


@pytest.fixture
def two_nodes(pg_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    a = _node(tmp_path, "node-a", pg_url).start()
    b = _node(tmp_path, "node-b", pg_url).start()
    yield a, b
    a.stop()
    b.stop()


def _star() -> bytes:
    return sorted((GITHUB_FIXTURES / "star").glob("*.payload.json"))[0].read_bytes()


def test_a_delivery_to_any_node_reaches_the_streams_of_every_node(
    two_nodes: tuple[Server, Server],
) -> None:
    a, b = two_nodes
    endpoint = a.create_endpoint("github", name="acme/web")
    body = _star()
    with StreamListener(a) as on_a, StreamListener(b) as on_b:
        seen: list[int] = []
        for i in range(6):
            receiver = (a, b)[i % 2]  # the load balancer sends each delivery anywhere
            sent = time.monotonic()
            r = httpx.post(
                f"{receiver.url}/in/{endpoint['slug']}",
                content=body,
                headers=github_headers(endpoint["secret"], body, "star"),
            )
            assert r.status_code == 202, r.text
            got_a, got_b = on_a.next(), on_b.next()
            assert got_a[0] == got_b[0], "both nodes show the same event"
            assert got_a[1]["type"] == "star.created" and got_a[1]["title"] == got_b[1]["title"]
            for _, _, arrived in (got_a, got_b):
                assert arrived - sent < 1.0, f"arrived after {arrived - sent:.3f}s"
            seen.append(got_a[0])
        assert seen == sorted(seen) and len(set(seen)) == 6
        assert on_a.events.empty() and on_b.events.empty()  # each event once per stream


def test_both_nodes_serve_the_same_feed_and_endpoints(two_nodes: tuple[Server, Server]) -> None:
    a, b = two_nodes
    endpoint = b.create_endpoint("github", name="made-on-b")
    body = _star()
    r = httpx.post(
        f"{a.url}/in/{endpoint['slug']}",  # b's secret verifies on a: the key is shared
        content=body,
        headers=github_headers(endpoint["secret"], body, "star"),
    )
    assert r.status_code == 202
    assert a.wait_for_events(1, endpoint=endpoint["id"]) == b.wait_for_events(
        1, endpoint=endpoint["id"]
    )
    with a.client() as c:
        assert [e["name"] for e in c.get("/api/v1/endpoints").json()["endpoints"]] == ["made-on-b"]


def test_a_job_due_on_both_nodes_runs_once(pg_url: str, tmp_path: Path) -> None:
    every = 2.0
    nodes = [
        _node(tmp_path, name, pg_url, ECHODASH_RETENTION_INTERVAL=str(every))
        for name in ("node-a", "node-b")
    ]
    # Both start together, so the job is due on both at once.
    for node in nodes:
        node.process = node.spawn(node.environment())
    try:
        for node in nodes:
            node.wait_healthy()
        time.sleep(every * 3.5)
    finally:
        for node in nodes:
            node.stop()

    async def runs() -> list[tuple[float, str]]:
        store = PostgresStore(pg_url)
        await store.open()
        try:
            found = await store.job_runs("retention", 100)
        finally:
            await store.close()
        return sorted((r.started_at.timestamp(), r.node) for r in found)

    found = asyncio.run(runs())
    starts = [start for start, _ in found]
    assert 3 <= len(found) <= 5, found
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # A second run of the same due job would start within milliseconds of the first.
    assert min(gaps) >= every - 0.2, f"a run began {min(gaps):.3f}s after the previous one"
    assert {node for _, node in found} <= {"node-a", "node-b"}


def test_a_node_whose_listener_drops_catches_up_without_losing_events(
    two_nodes: tuple[Server, Server], pg_url: str
) -> None:
    a, b = two_nodes
    endpoint = a.create_endpoint("github", name="acme/api")
    body = _star()

    def post() -> None:
        r = httpx.post(
            f"{a.url}/in/{endpoint['slug']}",
            content=body,
            headers=github_headers(endpoint["secret"], body, "star"),
        )
        assert r.status_code == 202

    async def cut_listeners() -> int:
        import asyncpg

        conn = await asyncpg.connect(pg_url)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
        finally:
            await conn.close()

    with StreamListener(b) as on_b:
        post()
        first = on_b.next()[0]
        assert asyncio.run(cut_listeners()) >= 1  # the database drops every node's listener
        for _ in range(5):  # sent while b is not listening, and after
            post()
            time.sleep(0.1)
        ids = [on_b.next(timeout=10)[0] for _ in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5 and ids[0] > first
    assert "live bus reconnected" in b.log()
