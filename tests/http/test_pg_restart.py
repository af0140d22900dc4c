"""PostgreSQL restarted in the middle of a burst: nothing acknowledged is lost, 503 only while
it is down, and service is back within 5 s without restarting EchoDash."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from echodash.store.postgres import PostgresStore
from tests.pg_cluster import PrivateCluster
from tests.support import ARTIFACTS, Server, StreamListener, github_headers, require_postgres

pytestmark = [pytest.mark.slow, pytest.mark.own_stores]

BODY = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    require_postgres()  # the same binaries; in CI their absence is a failure
    pg = PrivateCluster().init()
    pg.start()
    yield pg
    pg.destroy()


def test_database_restart_mid_burst_loses_nothing(cluster: PrivateCluster, tmp_path: Path) -> None:
    server = Server(tmp_path / "node", env={"ECHODASH_DATABASE": cluster.url}).start()
    try:
        _burst_through_a_restart(server, cluster)
    finally:
        server.stop()


def _burst_through_a_restart(server: Server, cluster: PrivateCluster) -> None:
    endpoint = server.create_endpoint("github", name="burst")
    url = f"{server.url}/in/{endpoint['slug']}"
    results: list[tuple[float, str, int, str | None]] = []  # (when, delivery id, status, retry)
    lock = threading.Lock()
    stop = threading.Event()

    def sender() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                delivery = str(uuid.uuid4())
                headers = github_headers(endpoint["secret"], BODY, "ping", delivery)
                try:
                    r = client.post(url, content=BODY, headers=headers)
                    outcome = (r.status_code, r.headers.get("retry-after"))
                except httpx.TransportError:
                    outcome = (0, None)
                with lock:
                    results.append((time.monotonic(), delivery, *outcome))
                time.sleep(0.005)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    down_at = time.monotonic()
    cluster.stop()
    time.sleep(2.0)
    cluster.start()
    up_at = time.monotonic()
    time.sleep(6.0)
    stop.set()
    for t in threads:
        t.join(15)

    acknowledged = {d for _, d, status, _ in results if status == 202}
    statuses = {status for _, _, status, _ in results}
    assert statuses <= {202, 503}, f"unexpected answers: {statuses}"
    refused = [(when, retry) for when, _, status, retry in results if status == 503]
    assert refused, "the burst should have met the outage"
    assert all(retry for _, retry in refused), "every 503 carries Retry-After"
    assert all(down_at - 0.5 <= when <= up_at + 5.0 for when, _ in refused), "503 only while down"
    back = min(when for when, _, status, _ in results if status == 202 and when > up_at)
    assert back - up_at <= 5.0, f"service came back {back - up_at:.2f}s after the database"

    async def stored_keys() -> set[str]:
        store = PostgresStore(cluster.url)
        await store.open()
        try:
            rows = await store.export_deliveries(endpoint_workspace(server), 0, 1_000_000)
        finally:
            await store.close()
        return {d.key for d, _ in rows}

    stored = asyncio.run(stored_keys())
    lost = acknowledged - stored
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pg_restart.txt").write_text(
        f"acknowledged {len(acknowledged)}, stored {len(stored)}, lost {len(lost)}, "
        f"503 answers {len(refused)}, database down {up_at - down_at:.2f}s, "
        f"first 202 {back - up_at:.2f}s after it returned\n"
    )
    assert not lost, f"{len(lost)} acknowledged deliveries lost"
    assert len(acknowledged) > 200
    # Every stored delivery becomes exactly one event, and the live feed works again.
    server.wait_for_events(len(stored), timeout=20, endpoint=endpoint["id"])
    assert len(server.all_events(endpoint=endpoint["id"])) == len(stored)
    with StreamListener(server, endpoint=endpoint["id"]) as stream:
        headers = github_headers(endpoint["secret"], BODY, "ping")
        assert httpx.post(url, content=BODY, headers=headers).status_code == 202
        assert stream.next()[1]["type"] == "ping"
    with httpx.Client() as client:
        assert client.get(server.url + "/healthz").status_code == 200


def endpoint_workspace(server: Server) -> int:
    with server.client() as c:
        return int(c.get("/api/v1/workspace").json()["id"])
