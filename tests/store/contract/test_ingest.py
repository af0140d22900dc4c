"""The ingest part of the Store contract: deliveries stored once, turned into events once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from echodash.events import Category, EventDraft, Origin, Severity
from echodash.store.base import Store
from tests.store.contract import STORES, delivery_of, endpoint_in

pytestmark = pytest.mark.own_stores


def test_append_is_idempotent_per_endpoint_and_key(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        results = await asyncio.gather(
            *[store.append_delivery(delivery_of(endpoint, "d1")) for _ in range(5)]
        )
        assert [r.duplicate for r in results].count(False) == 1
        assert len({r.delivery_id for r in results}) == 1
        other = await store.append_delivery(delivery_of(endpoint, "d2", b"\xff\x00binary"))
        assert not other.duplicate
        pending = await store.pending_deliveries(10)
        assert [d.key for d in pending] == ["d1", "d2"]
        assert pending[1].body == b"\xff\x00binary"
        stats = await store.endpoint_stats(endpoint.workspace_id, endpoint.id)
        assert (stats.deliveries, stats.duplicates) == (2, 4)

    run(check)


def test_each_delivery_of_a_group_gets_its_own_id(run: Callable[..., Any]) -> None:
    """Groups of new deliveries, and groups mixing new ones with repeats (of an older
    delivery, and of one in the same group): every answer names the stored row of its key."""

    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        other = await endpoint_in(store, kind="stripe")
        first = await asyncio.gather(
            *[store.append_delivery(delivery_of(endpoint, f"n{i}", b"%d" % i)) for i in range(30)]
        )
        assert not any(r.duplicate for r in first)
        mixed_keys = [(endpoint, "n3"), (endpoint, "m1"), (other, "n3"), (endpoint, "m2"),
                      (endpoint, "m1"), (endpoint, "n29"), (other, "m3")]  # fmt: skip
        mixed = await asyncio.gather(
            *[store.append_delivery(delivery_of(e, key, key.encode())) for e, key in mixed_keys]
        )
        assert [r.duplicate for r in mixed] == [True, False, False, False, True, True, False]
        pending = {d.id: d for d in await store.pending_deliveries(100)}
        assert len(pending) == 30 + 4
        for (e, key), result in [
            *zip([(endpoint, f"n{i}") for i in range(30)], first, strict=True),
            *zip(mixed_keys, mixed, strict=True),
        ]:
            stored = pending[result.delivery_id]
            assert (stored.endpoint_id, stored.key) == (e.id, key)
        assert pending[first[7].delivery_id].body == b"7"
        assert mixed[1].delivery_id == mixed[4].delivery_id
        stats = await store.endpoint_stats(endpoint.workspace_id, endpoint.id)
        assert (stats.deliveries, stats.duplicates) == (32, 3)

    run(check)


def test_save_events_claims_each_delivery_once(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        await store.append_delivery(delivery_of(endpoint, "d1"))
        (pending,) = await store.pending_deliveries(10)
        draft = EventDraft(
            type="push",
            title="alice pushed 1 commit to main",
            severity=Severity.SUCCESS,
            tags=("main",),
            fields={"commits": 1},
        )
        first = await store.save_events([(pending, [draft])])
        again = await store.save_events([(pending, [draft])])
        assert len(first) == 1 and again == []
        assert await store.pending_deliveries(10) == []
        event = await store.get_event(endpoint.workspace_id, first[0].id)
        assert event is not None
        assert (event.title, event.severity, event.tags, event.fields) == (
            "alice pushed 1 commit to main",
            Severity.SUCCESS,
            ("main",),
            {"commits": 1},
        )
        assert event.occurred_at == pending.received_at  # no sender time: the receipt time

    run(check)


def test_each_pending_delivery_is_parsed_by_one_caller_once(backend: str, tmp_path: Path) -> None:
    """Processors of several processes share the pending deliveries without overlap."""

    async def main() -> tuple[list[int], list[int], int]:
        a, b = STORES[backend](tmp_path), STORES[backend](tmp_path)
        await a.open()
        await b.open()
        # SQLite is one process's database: both "processors" use the same store there.
        second = b if backend.startswith("postgres") else a
        try:
            endpoint = await endpoint_in(a)
            for i in range(60):
                await a.append_delivery(delivery_of(endpoint, f"p{i}"))
            parsed: list[int] = []

            async def parse(batch: list[Any]) -> list[tuple[Any, list[EventDraft]]]:
                await asyncio.sleep(0.02)  # parsing takes a while: the others keep asking
                parsed.extend(d.id for d in batch)
                return [(d, [EventDraft(type="x", title=d.key)]) for d in batch]

            async def drain(store: Store) -> list[int]:
                saved: list[int] = []
                while True:
                    taken, events = await store.process_pending(7, parse)
                    if not taken:
                        return saved
                    saved.extend(e.delivery_id or 0 for e in events)

            results = await asyncio.gather(drain(a), drain(second), drain(a), drain(second))
            saved = [i for r in results for i in r]
            return parsed, saved, len(await a.pending_deliveries(100))
        finally:
            await a.close()
            await b.close()

    parsed, saved, left = asyncio.run(main())
    assert len(parsed) == 60 and len(set(parsed)) == 60  # every delivery parsed exactly once
    assert sorted(saved) == sorted(parsed) and left == 0


def test_a_failed_parse_leaves_the_deliveries_pending(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        await store.append_delivery(delivery_of(endpoint, "kept"))

        async def broken(batch: list[Any]) -> list[tuple[Any, list[EventDraft]]]:
            raise RuntimeError("parser crashed")

        with pytest.raises(RuntimeError):
            await store.process_pending(10, broken)
        assert [d.key for d in await store.pending_deliveries(10)] == ["kept"]

        async def fine(batch: list[Any]) -> list[tuple[Any, list[EventDraft]]]:
            return [(d, [EventDraft(type="x", title="parsed")]) for d in batch]

        taken, events = await store.process_pending(10, fine)
        assert taken == 1 and [e.title for e in events] == ["parsed"]

    run(check)


def test_each_event_says_how_it_arrived(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        github = await endpoint_in(store)
        custom = await endpoint_in(store, kind="custom")
        sent = (
            delivery_of(github, "hook-1"),
            replace(delivery_of(custom, "evt-1"), origin=Origin.API),
            replace(delivery_of(github, "line-1"), origin=Origin.IMPORT),
            replace(delivery_of(custom, "line-2"), origin=Origin.IMPORT),
            # A sender's own delivery id says nothing about how it came.
            delivery_of(github, "import:ab12"),
        )
        for delivery in sent:
            await store.append_delivery(delivery)
        pending = await store.pending_deliveries(10)
        assert [d.origin for d in pending] == [d.origin for d in sent]
        draft = EventDraft(type="push", title="pushed", category=Category.CHANGE)
        saved = await store.save_events([(d, [draft]) for d in pending])
        assert [(e.origin, e.category) for e in saved] == [
            (Origin.WEBHOOK, Category.CHANGE),
            (Origin.API, Category.CHANGE),
            (Origin.IMPORT, Category.CHANGE),
            (Origin.IMPORT, Category.CHANGE),
            (Origin.WEBHOOK, Category.CHANGE),
        ]
        (replayed,) = await store.save_replayed_events(pending[0], [draft])
        assert (replayed.origin, replayed.category, replayed.delivery_id) == (
            Origin.REPLAY,
            Category.CHANGE,
            pending[0].id,
        )
        found = await store.get_event(github.workspace_id, replayed.id)
        assert found is not None and found.origin == Origin.REPLAY

    run(check)
