"""Two `echodash serve` nodes on one PostgreSQL database, one burst sent to both: one alert and
one notification — evaluation rides on exactly-once batches, and the outbox is claimed once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from echodash.store import open_store
from tests.http.alerting import SECRET, Hooks
from tests.http.test_cluster import _node
from tests.support import Server

pytestmark = pytest.mark.own_stores

BURST = 40


@pytest.fixture
def alerting_nodes(pg_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    allow = {"ECHODASH_OUTBOUND_ALLOW": "127.0.0.0/8"}
    a = _node(tmp_path, "node-a", pg_url, **allow).start()
    b = _node(tmp_path, "node-b", pg_url, **allow).start()
    yield a, b
    a.stop()
    b.stop()


def _plant_rule(server: Server, url: str) -> None:
    async def plant() -> None:
        store = open_store(server.database_url)
        await store.open()
        try:
            ws = await store.ensure_default_workspace()
            await store.create_rule(
                ws,
                "Checkout failing",
                {
                    "name": "Checkout failing",
                    "match": {"source": "generic", "type": "checkout.failed"},
                    "condition": {"kind": "count", "threshold": 5, "window_seconds": 600},
                    "actions": [{"kind": "webhook", "url": url, "secret": SECRET}],
                },
            )
        finally:
            await store.close()

    asyncio.run(plant())


def _alerts(server: Server) -> list[Any]:
    async def read() -> list[Any]:
        store = open_store(server.database_url)
        await store.open()
        try:
            ws = await store.ensure_default_workspace()
            return await store.list_alerts(ws)
        finally:
            await store.close()

    return asyncio.run(read())


def test_one_burst_across_two_nodes_is_one_alert_and_one_notification(
    alerting_nodes: tuple[Server, Server],
    hooks: Hooks,
) -> None:
    a, b = alerting_nodes
    endpoint = a.create_endpoint("generic", name="shop", options={"auth": "none"})
    _plant_rule(a, hooks.url)

    def send(i: int) -> int:
        node = (a, b)[i % 2]  # the load balancer spreads the burst over both nodes
        body = {"type": "checkout.failed", "title": f"checkout {i} failed", "id": f"c-{i}"}
        return httpx.post(f"{node.url}/in/{endpoint['slug']}", json=body).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(send, range(BURST))) == {202}
    a.wait_for_events(BURST, timeout=20, source="generic")

    deadline = time.monotonic() + 20
    while not hooks.got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hooks.got, f"no notification arrived:\n{a.log()[-2000:]}\n{b.log()[-2000:]}"
    time.sleep(3)  # long enough for a second node to send a duplicate, were it going to
    assert len(hooks.got) == 1, [Webhook(SECRET).verify(b, h)["type"] for h, b in hooks.got]
    headers, body = hooks.got[0]
    sent = Webhook(SECRET).verify(body, headers)
    assert sent["type"] == "alert.firing"
    # Sent as it opened: with the events that reached the threshold in that batch.
    assert 5 <= sent["alert"]["event_count"] <= BURST

    # The rest of the burst joins the same alert, each event once, whichever node took it.
    deadline = time.monotonic() + 15
    alerts = _alerts(a)
    while alerts and alerts[0].event_count < BURST and time.monotonic() < deadline:
        time.sleep(0.2)
        alerts = _alerts(a)
    [alert] = alerts
    assert (alert.status, alert.event_count) == ("firing", BURST)
    assert len(set(alert.event_ids)) == len(alert.event_ids)
    for node in (a, b):
        assert "Traceback" not in node.log()
