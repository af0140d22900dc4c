"""The upkeep part of the Store contract: retention pruning and cluster-wide jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from echodash.events import Category, EventDraft, Origin, Outcome, utcnow
from echodash.store.base import EventFilter, JobRun, Store
from tests.store.contract import STORES, delivery_of, endpoint_in, saved

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


def test_older_events_are_read_with_their_deliveries_and_refilled_in_place(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        other = await endpoint_in(store, await store.create_workspace("elsewhere"))
        first, second = await saved(
            store, endpoint, [EventDraft(type="push", title=f"older {i}") for i in range(2)]
        )
        (third,) = await saved(store, other, [EventDraft(type="push", title="older 2")])
        assert await store.count_events_between(0, third.id) == 3
        assert await store.count_events_between(first.id, second.id) == 1

        found = await store.events_to_refill(0, third.id, 2)
        assert [(e.id, d.id if d else None) for e, d in found] == [
            (first.id, first.delivery_id),
            (second.id, second.delivery_id),
        ]
        assert found[0][1] is not None and found[0][1].body == b"{}"
        # Every workspace's events, oldest first, after `after_id` and up to `until_id`.
        assert [e.id for e, _ in await store.events_to_refill(second.id, third.id, 10)] == [
            third.id
        ]
        assert await store.events_to_refill(0, first.id - 1, 10) == []

        refilled = replace(
            first,
            title="not written",
            category=Category.CHANGE,
            service="github:acme/web",
            environment="production",
            outcome=Outcome.SUCCESS,
            commits=("a1b2c3d",),
            origin=Origin.IMPORT,
        )
        await store.refill_vocabulary([refilled], "vocabulary_fill", '{"after": 1}')
        again = await store.get_event(ws, first.id)
        assert again == replace(refilled, title="older 0")  # only the vocabulary changed
        assert await store.get_meta("vocabulary_fill") == '{"after": 1}'
        untouched = await store.get_event(ws, second.id)
        assert untouched == second

    run(check)
