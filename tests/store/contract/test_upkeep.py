"""The upkeep part of the Store contract: retention pruning and cluster-wide jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from echodash.events import EventDraft, utcnow
from echodash.store.base import EventFilter, JobRun, Store
from tests.store.contract import STORES, delivery_of, endpoint_in

pytestmark = pytest.mark.own_stores


def test_retention_prunes_old_events_and_deliveries_of_one_workspace(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        other = await endpoint_in(store, await store.create_workspace("Other"))
        assert (await store.get_workspace(ws)).retention_days is None  # type: ignore[union-attr]
        updated = await store.set_retention(ws, 30)
        assert updated is not None and updated.retention_days == 30
        assert [w.retention_days for w in await store.list_workspaces()] == [30, None]
        assert await store.set_retention(999, 30) is None
        old = utcnow() - timedelta(days=40)
        for ep in (endpoint, other):
            for i in range(5):
                await store.append_delivery(replace(delivery_of(ep, f"old{i}"), received_at=old))
            await store.append_delivery(delivery_of(ep, "new"))
        pending = await store.pending_deliveries(100)
        await store.save_events([(d, [EventDraft(type="x", title=d.key)]) for d in pending])
        cutoff = utcnow() - timedelta(days=30)
        removed = 0
        while batch := await store.prune_workspace(ws, cutoff, 2):
            assert batch <= 4
            removed += batch
        assert removed == 10  # 5 events and 5 deliveries
        assert [e.title for e in await store.list_events(ws, EventFilter(), 10)] == ["new"]
        assert len(await store.list_events(other.workspace_id, EventFilter(), 10)) == 6
        assert await store.list_events(ws, EventFilter(q="old0"), 10) == []
        stats = await store.endpoint_stats(ws, endpoint.id)
        assert stats.deliveries == 1

    run(check)


def test_a_due_job_is_leased_once_until_it_is_due_again(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        every = timedelta(seconds=0.5)

        async def attempt() -> bool:
            async with store.job_lease("retention", every) as mine:
                if mine:
                    await asyncio.sleep(0.1)  # still running while the others ask
                return mine

        first = await asyncio.gather(*[attempt() for _ in range(6)])
        assert first.count(True) == 1
        assert await attempt() is False  # not due again yet
        await asyncio.sleep(0.6)
        assert await attempt() is True
        async with store.job_lease("other-job", every) as mine:
            assert mine  # jobs are scheduled apart
        start = utcnow()
        await store.record_job_run(JobRun("retention", "node-a", start, utcnow(), "pruned 3"))
        await store.record_job_run(JobRun("retention", "node-b", start, utcnow(), "pruned 0"))
        runs = await store.job_runs("retention", 10)
        assert [(r.node, r.detail) for r in runs] == [
            ("node-b", "pruned 0"),
            ("node-a", "pruned 3"),
        ]

    run(check)


def test_two_stores_on_one_database_share_the_job_schedule(backend: str, tmp_path: Path) -> None:
    """Two processes (here: two stores) sharing a database never both run a due job."""

    async def main() -> list[bool]:
        a, b = STORES[backend](tmp_path), STORES[backend](tmp_path)
        await a.open()
        await b.open()
        try:

            async def attempt(store: Store) -> bool:
                async with store.job_lease("retention", timedelta(minutes=5)) as mine:
                    if mine:
                        await asyncio.sleep(0.2)
                    return mine

            return list(await asyncio.gather(*[attempt(s) for s in (a, b, a, b)]))
        finally:
            await a.close()
            await b.close()

    assert asyncio.run(main()).count(True) == 1
