"""A real server puts its alerts in the feed: a burst that matches a rule opens an alert, and
the alert shows as an `alert.firing` event of source `alerts` in GET /api/v1/events; the
`alerts` endpoint's receive URL refuses every delivery from outside."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from echodash.store import open_store
from tests.support import Server

RULE = {
    "name": "Payments failing",
    "match": {"source": "generic", "type": "payment.failed"},
    "condition": {"kind": "count", "threshold": 3, "window_seconds": 600},
    "actions": [{"kind": "browser"}],
}


def plant_rule(srv: Server) -> None:
    # The rules API is another piece of work: the rule is stored directly.
    async def main() -> None:
        store = open_store(srv.database_url)
        await store.open()
        try:
            ws = await store.ensure_default_workspace()
            await store.create_rule(ws, RULE["name"], RULE)
        finally:
            await store.close()

    asyncio.run(main())


def wait_for_alert_events(c: httpx.Client, srv: Server) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found: list[dict[str, Any]] = c.get("/api/v1/events", params={"source": "alerts"}).json()[
            "events"
        ]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no alert event arrived:\n{srv.log()[-3000:]}")


def test_a_burst_that_matches_a_rule_shows_as_an_alert_event(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data").start()
    try:
        endpoint = srv.create_endpoint("generic", name="payments", options={"auth": "none"})
        plant_rule(srv)
        with httpx.Client() as outside:
            for n in range(3):
                r = outside.post(
                    f"{srv.url}/in/{endpoint['slug']}",
                    json={"type": "payment.failed", "title": f"Payment {n} failed"},
                )
                assert r.status_code == 202
        with srv.client() as c:
            [event] = wait_for_alert_events(c, srv)
            assert event["type"] == "alert.firing"
            assert event["title"] == "Alert firing: Payments failing — 3 or more within 10 min"
            assert (event["category"], event["outcome"]) == ("incident", "failure")
            assert event["severity"] == "error"
            search = {"source": "alerts", "q": "Payments failing"}
            [alert] = c.get("/api/v1/events", params=search).json()["events"]
            assert alert["url"] == f"/alerts/{alert['fields']['alert']}"
            time.sleep(1.0)  # nothing more comes: one alert, one event
            assert len(c.get("/api/v1/events", params={"source": "alerts"}).json()["events"]) == 1
            endpoints = c.get("/api/v1/endpoints").json()["endpoints"]
        [alerts] = [e for e in endpoints if e["kind"] == "alerts"]
        assert alerts["name"] == "EchoDash alerts"
        # nothing from outside gets in through its receive URL, signed or not
        for headers in ({}, {"authorization": "Bearer x", "x-echodash-signature": "sha256=00"}):
            fake = {"type": "alert.firing", "alert": {"id": 1}, "rule": {"name": "Fake"}}
            answer = httpx.post(alerts["url"], json=fake, headers=headers)
            assert answer.status_code == 401
            assert answer.json()["error"] == "internal_only"
        with srv.client() as c:
            shown = c.get("/api/v1/events", params={"source": "alerts"}).json()["events"]
            assert [e["title"] for e in shown] == [event["title"]]
            # Acknowledging and resolving by hand are in the feed too, once each.
            alert_id = alert["fields"]["alert"]
            assert c.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 200
            assert c.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 200  # no change
            assert c.post(f"/api/v1/alerts/{alert_id}/resolve").status_code == 200
            deadline = time.monotonic() + 15
            types: list[str] = []
            while len(types) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
                found = c.get("/api/v1/events", params={"source": "alerts"}).json()["events"]
                types = [e["type"] for e in found]
            assert types == ["alert.resolved", "alert.acknowledged", "alert.firing"]
            time.sleep(0.5)
            assert len(c.get("/api/v1/events", params={"source": "alerts"}).json()["events"]) == 3
        assert "Traceback" not in srv.log()
    finally:
        srv.stop()
