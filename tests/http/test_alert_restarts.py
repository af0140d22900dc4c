"""kill -9 during a burst that opens an alert: after the restarts there is one alert holding
every event once, and its receiver got the firing notification once — evaluation state and the
outbox are in the store, written with the work they describe."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.http.alerting import SECRET, Hooks, with_server_store
from tests.support import Server


@pytest.mark.slow
def test_kill_9_mid_burst_keeps_one_alert_and_one_notification(
    tmp_path: Path,
    hooks: Hooks,
) -> None:
    srv = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.0/8"}).start()
    try:
        endpoint = srv.create_endpoint("generic", name="shop", options={"auth": "none"})
        rule = {
            "name": "Checkout failing",
            "match": {"source": "generic", "type": "checkout.failed"},
            "condition": {"kind": "count", "threshold": 5, "window_seconds": 3600},
            "actions": [{"kind": "webhook", "url": hooks.url, "secret": SECRET}],
        }
        with srv.client() as c:
            assert c.post("/api/v1/rules", json=rule).status_code == 201
        acknowledged: set[str] = set()
        stop = threading.Event()

        async def blast() -> None:
            async with httpx.AsyncClient(timeout=5) as client:

                async def one() -> None:
                    while not stop.is_set():
                        key = uuid.uuid4().hex
                        body = {"type": "checkout.failed", "title": "checkout failed", "id": key}
                        try:
                            r = await client.post(endpoint["url"], json=body)
                        except httpx.TransportError:
                            await asyncio.sleep(0.02)
                            continue
                        if r.status_code == 202:
                            acknowledged.add(key)
                        await asyncio.sleep(0.01)

                await asyncio.gather(*[one() for _ in range(8)])

        sender = threading.Thread(target=lambda: asyncio.run(blast()))
        sender.start()
        for _ in range(2):  # two crashes mid-burst, restarting each time
            time.sleep(1.5)
            srv.kill()
            srv.start()
        time.sleep(1.0)
        stop.set()
        sender.join(30)
        assert len(acknowledged) >= 20, "the burst should have been acknowledged in volume"
        srv.wait_for_events(len(acknowledged), timeout=60, source="generic")
        # A delivery committed just before a kill is stored though its 202 never left: the
        # events are what counts, each once.
        stored = len(srv.all_events(source="generic"))
        assert stored >= len(acknowledged)

        def alerts() -> list[object]:
            async def read(store: object) -> list[object]:
                return await store.list_alerts(1)  # type: ignore[attr-defined, no-any-return]

            return with_server_store(srv, read)  # type: ignore[arg-type]

        deadline = time.monotonic() + 30
        found = alerts()
        while time.monotonic() < deadline and (
            not found or found[0].event_count < stored  # type: ignore[attr-defined]
        ):
            time.sleep(0.3)
            found = alerts()
        [alert] = found
        assert alert.event_count == stored  # type: ignore[attr-defined]
        assert len(set(alert.event_ids)) == len(alert.event_ids)  # type: ignore[attr-defined]

        deadline = time.monotonic() + 20
        while not hooks.got and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.0)  # a duplicate from a restarted sender would arrive by now
        firing = [Webhook(SECRET).verify(b, h) for h, b in hooks.got]
        assert [f["type"] for f in firing] == ["alert.firing"], srv.log()[-2000:]
    finally:
        srv.stop()
