"""After a workspace's incident label changes, its issue incidents are worked out again from
the stored issue events (jobs/relabel.py): after the change has settled, once, by one process,
leaving other workspaces and other kinds of incident alone; a rebuild cut short is done again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from echodash.events import Delivery, EventDraft, utcnow
from echodash.jobs.relabel import IncidentRelabel
from echodash.metrics.settings import MetricSettings
from echodash.store import open_store
from echodash.store.base import Store
from tests.support import create_pg_database, drop_pg_database

pytestmark = pytest.mark.own_stores

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
END = T0 + timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'echodash.db'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def issue(number: int, label: str) -> bytes:
    opened = {"number": number, "labels": [{"name": label}], "created_at": "2026-11-02T09:00:00Z"}
    return orjson.dumps(
        {"action": "opened", "issue": opened, "repository": {"full_name": "acme/web"}}
    )


async def stored_issues(store: Store, ws: int, labels: list[str]) -> None:
    endpoint = await store.create_endpoint(ws, "github", "web", f"slug-{ws}", {}, "sealed")
    for n, label in enumerate(labels, start=1):
        await store.append_delivery(
            Delivery(
                endpoint_id=endpoint.id,
                workspace_id=ws,
                source="github",
                key=f"{ws}-{n}",
                headers={"x-github-event": "issues"},
                body=issue(n, label),
                received_at=utcnow(),
                secret_id=None,
            )
        )
    pending = await store.pending_deliveries(100)
    await store.save_events(
        [(d, [EventDraft(type="issues.opened", title=d.key, occurred_at=T0)]) for d in pending]
    )


async def keys(store: Store, ws: int) -> list[str]:
    return [i.key for i in await store.metric_incidents(ws, END)]


def test_a_new_label_rebuilds_that_workspaces_issue_incidents(database: str) -> None:
    async def main() -> None:
        store = open_store(database)
        await store.open()
        try:
            ws = await store.ensure_default_workspace()
            other = await store.create_workspace("Other")
            await stored_issues(store, ws, ["incident", "outage", "bug"])
            await stored_issues(store, other, ["incident", "outage"])
            assert await keys(store, ws) == ["github:acme/web#1"]
            relabel = IncidentRelabel(store, settle=30.0)
            # Nothing pending: nothing to do.
            assert await relabel.run_pending() is None

            changed = await store.set_metric_settings(
                ws, MetricSettings(incident_label="(?i)outage|bug")
            )
            assert changed
            # Not settled yet (other nodes may still keep facts with the old label).
            wait = await relabel.run_pending()
            assert wait is not None and 25 < wait <= 30
            assert await keys(store, ws) == ["github:acme/web#1"]
            settled = IncidentRelabel(store, settle=0.0)
            assert await settled.run_pending() is None
            assert sorted(await keys(store, ws)) == ["github:acme/web#2", "github:acme/web#3"]
            assert await store.pending_relabels() == []
            # The other workspace keeps its own (default) label's incidents.
            assert await keys(store, other) == ["github:acme/web#1"]

            # A rebuild cut short (the process stopped) is done again: still pending.
            await store.set_metric_settings(ws, MetricSettings(incident_label="incident"))
            await store.clear_metric_incidents(ws, ("github:",))
            assert await keys(store, ws) == []
            assert await settled.run_pending() is None
            assert await keys(store, ws) == ["github:acme/web#1"]
        finally:
            await store.close()

    asyncio.run(main())


def test_the_runner_wakes_when_told(database: str) -> None:
    async def main() -> None:
        store = open_store(database)
        await store.open()
        try:
            ws = await store.ensure_default_workspace()
            await stored_issues(store, ws, ["outage"])
            relabel = IncidentRelabel(store, settle=0.0, idle=3600.0)
            task = asyncio.create_task(relabel.run())
            await asyncio.sleep(0.2)
            settings = replace(MetricSettings(), incident_label="outage")
            assert await store.set_metric_settings(ws, settings)
            relabel.kick()
            for _ in range(100):
                if await keys(store, ws):
                    break
                await asyncio.sleep(0.05)
            assert await keys(store, ws) == ["github:acme/web#1"]
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await store.close()

    asyncio.run(main())
