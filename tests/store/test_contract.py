"""The Store contract: every backend must pass these (PostgreSQL joins the parametrization)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from echodash.events import Delivery, EventDraft, Severity, utcnow
from echodash.store.base import EndpointChanges, EventFilter, JobRun, Store
from tests.store.conftest import BACKENDS, FAULTY

pytestmark = pytest.mark.own_stores
STORES = {**BACKENDS, **FAULTY}

T = TypeVar("T")


async def _endpoint(store: Store, workspace: int | None = None, kind: str = "github") -> Any:
    ws = workspace or await store.ensure_default_workspace()
    return await store.create_endpoint(ws, kind, "acme/web", f"slug-{kind}-{ws}", {}, "sealed-1")


def _delivery(endpoint: Any, key: str, body: bytes = b"{}") -> Delivery:
    return Delivery(
        endpoint_id=endpoint.id,
        workspace_id=endpoint.workspace_id,
        source=endpoint.kind,
        key=key,
        headers={"x-github-event": "push"},
        body=body,
        received_at=utcnow(),
        secret_id=endpoint.secrets[0].id if endpoint.secrets else None,
    )


def test_append_is_idempotent_per_endpoint_and_key(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await _endpoint(store)
        results = await asyncio.gather(
            *[store.append_delivery(_delivery(endpoint, "d1")) for _ in range(5)]
        )
        assert [r.duplicate for r in results].count(False) == 1
        assert len({r.delivery_id for r in results}) == 1
        other = await store.append_delivery(_delivery(endpoint, "d2", b"\xff\x00binary"))
        assert not other.duplicate
        pending = await store.pending_deliveries(10)
        assert [d.key for d in pending] == ["d1", "d2"]
        assert pending[1].body == b"\xff\x00binary"
        stats = await store.endpoint_stats(endpoint.workspace_id, endpoint.id)
        assert (stats.deliveries, stats.duplicates) == (2, 4)

    run(check)


def test_save_events_claims_each_delivery_once(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await _endpoint(store)
        await store.append_delivery(_delivery(endpoint, "d1"))
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


def test_events_filters_pages_and_search(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await _endpoint(store)
        ws = endpoint.workspace_id
        now = utcnow()
        for i in range(6):
            await store.append_delivery(_delivery(endpoint, f"k{i}"))
        pending = await store.pending_deliveries(10)
        drafts = [
            EventDraft(
                type="push" if i % 2 else "star.created",
                title=f"event number {i} zebra{i}",
                severity=Severity.ERROR if i == 5 else Severity.INFO,
                occurred_at=now - timedelta(days=i),
            )
            for i in range(6)
        ]
        saved = await store.save_events(
            [(d, [draft]) for d, draft in zip(pending, drafts, strict=True)]
        )
        ids = [e.id for e in saved]
        newest = await store.list_events(ws, EventFilter(), 3)
        assert [e.id for e in newest] == ids[::-1][:3]
        older = await store.list_events(ws, EventFilter(), 3, before_id=newest[-1].id)
        assert [e.id for e in older] == ids[::-1][3:]
        assert {e.type for e in await store.list_events(ws, EventFilter(type="push"), 10)} == {
            "push"
        }
        assert [e.id for e in await store.list_events(ws, EventFilter(severity="error"), 10)] == [
            ids[5]
        ]
        found = await store.list_events(ws, EventFilter(q="zebra3"), 10)
        assert [e.id for e in found] == [ids[3]]
        assert len(await store.list_events(ws, EventFilter(q="zeb"), 10)) == 6  # prefixes match
        assert await store.list_events(ws, EventFilter(q='"); DROP TABLE events; --'), 10) == []
        recent = await store.list_events(
            ws, EventFilter(since=now - timedelta(days=2, hours=1)), 10
        )
        assert sorted(e.id for e in recent) == ids[:3]
        after = await store.events_after(ws, EventFilter(), ids[2], 10)
        assert [e.id for e in after] == ids[3:]
        assert await store.latest_event_id() == ids[-1]

    run(check)


def test_workspaces_never_see_each_other(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        mine = await _endpoint(store)
        other_ws = await store.create_workspace("Other")
        theirs = await _endpoint(store, other_ws)
        await store.append_delivery(_delivery(theirs, "secret-stuff"))
        (pending,) = await store.pending_deliveries(10)
        (event,) = await store.save_events([(pending, [EventDraft(type="x", title="theirs")])])
        ws = mine.workspace_id
        assert await store.list_events(ws, EventFilter(), 10) == []
        assert await store.get_event(ws, event.id) is None
        assert await store.get_delivery(ws, pending.id) is None
        assert await store.get_endpoint(ws, theirs.id) is None
        assert [e.id for e in await store.list_endpoints(ws)] == [mine.id]
        assert await store.update_endpoint(ws, theirs.id, EndpointChanges(name="mine")) is None
        assert not await store.delete_endpoint(ws, theirs.id)
        assert await store.add_secret(ws, theirs.id, "sealed", None) is None
        assert (await store.get_endpoint(other_ws, theirs.id)).name == "acme/web"  # type: ignore[union-attr]

    run(check)


def test_secret_rotation_and_rejection_counts(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await _endpoint(store)
        ws = endpoint.workspace_id
        cutoff = utcnow() + timedelta(minutes=5)
        rotated = await store.add_secret(ws, endpoint.id, "sealed-2", cutoff)
        assert rotated is not None
        old, new = rotated.secrets
        assert old.expires_at is not None and abs((old.expires_at - cutoff).total_seconds()) < 0.01
        assert new.expires_at is None and new.sealed == "sealed-2"
        at = utcnow()
        await store.record_rejections({(endpoint.id, "bad_signature"): (3, at)})
        await store.record_rejections(
            {(endpoint.id, "bad_signature"): (2, at), (endpoint.id, "missing_signature"): (1, at)}
        )
        stats = await store.endpoint_stats(ws, endpoint.id)
        assert stats.rejections == {"bad_signature": 5, "missing_signature": 1}

    run(check)


def test_tokens_by_hash_and_reopening_keeps_everything(backend: str, tmp_path: Path) -> None:
    async def first() -> int:
        store = STORES[backend](tmp_path)
        await store.open()
        ws = await store.ensure_default_workspace()
        await store.create_api_token(ws, "ci", "hash-1", "member")
        endpoint = await _endpoint(store)
        await store.append_delivery(_delivery(endpoint, "kept"))
        await store.close()
        return int(endpoint.id)

    async def second(endpoint_id: int) -> None:
        store = STORES[backend](tmp_path)
        await store.open()  # migrations are not applied twice
        token = await store.find_api_token("hash-1")
        assert token is not None and token.role == "member"
        assert await store.find_api_token("hash-2") is None
        assert [d.key for d in await store.pending_deliveries(10)] == ["kept"]
        assert (await store.get_endpoint_by_slug("slug-github-1")).id == endpoint_id  # type: ignore[union-attr]
        await store.close()

    endpoint_id = asyncio.run(first())
    asyncio.run(second(endpoint_id))


async def _saved(store: Store, endpoint: Any, drafts: list[EventDraft]) -> list[Any]:
    for i in range(len(drafts)):
        await store.append_delivery(_delivery(endpoint, f"saved-{i}-{drafts[i].title[:20]}"))
    pending = await store.pending_deliveries(len(drafts))
    return await store.save_events([(d, [draft]) for d, draft in zip(pending, drafts, strict=True)])


def test_awkward_text_is_stored_and_searchable(run: Callable[..., Any]) -> None:
    """NUL characters, long titles and odd words survive every backend."""

    async def check(store: Store) -> None:
        endpoint = await _endpoint(store)
        long_title = " ".join(f"word{i}" for i in range(40)) + " needle"
        (nul, long, path) = await _saved(
            store,
            endpoint,
            [
                EventDraft(type="x", title="before\x00after", fields={"k": "v\x00w"}),
                EventDraft(type="x", title=long_title),
                EventDraft(type="x", title="deploy of acme/web-api to prod-eu", actor="o'brien"),
            ],
        )
        ws = endpoint.workspace_id
        stored = await store.get_event(ws, nul.id)
        assert stored is not None and stored.title.startswith("before")
        assert stored.title.endswith("after")
        found = await store.list_events(ws, EventFilter(q="needle"), 10)
        assert [e.id for e in found] == [long.id]  # words past the 16th are searchable too
        assert [e.id for e in await store.list_events(ws, EventFilter(q="web api"), 10)] == [
            path.id
        ]
        assert [e.id for e in await store.list_events(ws, EventFilter(q="o'brien"), 10)] == [
            path.id
        ]

    run(check)


def test_events_by_ids_serve_every_workspace(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        mine = await _endpoint(store)
        theirs = await _endpoint(store, await store.create_workspace("Other"))
        (a,) = await _saved(store, mine, [EventDraft(type="x", title="mine")])
        (b,) = await _saved(store, theirs, [EventDraft(type="x", title="theirs")])
        found = await store.events_by_ids([b.id, a.id, 10_000])
        assert [(e.id, e.title) for e in found] == [(a.id, "mine"), (b.id, "theirs")]
        assert await store.events_by_ids([]) == []

    run(check)


def test_retention_prunes_old_events_and_deliveries_of_one_workspace(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await _endpoint(store)
        ws = endpoint.workspace_id
        other = await _endpoint(store, await store.create_workspace("Other"))
        assert (await store.get_workspace(ws)).retention_days is None  # type: ignore[union-attr]
        updated = await store.set_retention(ws, 30)
        assert updated is not None and updated.retention_days == 30
        assert [w.retention_days for w in await store.list_workspaces()] == [30, None]
        assert await store.set_retention(999, 30) is None
        old = utcnow() - timedelta(days=40)
        for ep in (endpoint, other):
            for i in range(5):
                await store.append_delivery(replace(_delivery(ep, f"old{i}"), received_at=old))
            await store.append_delivery(_delivery(ep, "new"))
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


def test_each_pending_delivery_is_parsed_by_one_caller_once(backend: str, tmp_path: Path) -> None:
    """Processors of several processes share the pending deliveries without overlap."""

    async def main() -> tuple[list[int], list[int], int]:
        a, b = STORES[backend](tmp_path), STORES[backend](tmp_path)
        await a.open()
        await b.open()
        # SQLite is one process's database: both "processors" use the same store there.
        second = b if backend.startswith("postgres") else a
        try:
            endpoint = await _endpoint(a)
            for i in range(60):
                await a.append_delivery(_delivery(endpoint, f"p{i}"))
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
        endpoint = await _endpoint(store)
        await store.append_delivery(_delivery(endpoint, "kept"))

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
