"""A real server notifies: a delivery comes in, the processor stores its event, evaluation
(woken by the processor) opens an alert, and the sender posts a signed webhook to a receiver
on loopback (allowed with ECHODASH_OUTBOUND_ALLOW)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from standardwebhooks.webhooks import Webhook

from echodash.store import open_store
from tests.http.alerting import SECRET, Hooks
from tests.support import Server


def test_a_delivery_that_matches_a_rule_is_notified_within_seconds(
    tmp_path: Path, hooks: Hooks
) -> None:
    srv = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.0/8"}).start()
    try:
        endpoint = srv.create_endpoint("generic", name="app", options={"auth": "none"})

        async def plant_rule() -> None:
            # The rules API is another piece of work: the rule is stored directly.
            store = open_store(srv.database_url)
            await store.open()
            try:
                ws = await store.ensure_default_workspace()
                await store.create_rule(
                    ws,
                    "Payments failing",
                    {
                        "name": "Payments failing",
                        "match": {"source": "generic", "type": "payment.failed"},
                        "condition": {"kind": "every"},
                        "actions": [{"kind": "webhook", "url": hooks.url, "secret": SECRET}],
                    },
                )
            finally:
                await store.close()

        asyncio.run(plant_rule())
        with httpx.Client() as c:
            for kind in ("payment.succeeded", "payment.failed"):
                r = c.post(f"{srv.url}/in/{endpoint['slug']}", json={"type": kind, "title": kind})
                assert r.status_code == 202
        deadline = time.monotonic() + 15
        while not hooks.got and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hooks.got, f"no notification arrived:\n{srv.log()[-3000:]}"
        time.sleep(0.5)
        [(headers, body)] = hooks.got
        sent = Webhook(SECRET).verify(body, headers)
        assert sent["type"] == "alert.firing"
        assert sent["alert"]["rule_name"] == "Payments failing"
        assert sent["alert"]["event_count"] == 1
        assert "Traceback" not in srv.log()
    finally:
        srv.stop()
