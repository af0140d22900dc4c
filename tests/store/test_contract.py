"""The Store contract: every backend must pass these (PostgreSQL joins the parametrization)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from echodash.events import Delivery, EventDraft, Severity, utcnow
from echodash.store.base import EndpointChanges, EventFilter, Store
from echodash.store.sqlite import SqliteStore

T = TypeVar("T")


def make_sqlite(tmp_path: Path) -> Store:
    return SqliteStore(tmp_path / "contract.db")


BACKENDS: dict[str, Callable[[Path], Store]] = {"sqlite": make_sqlite}


@pytest.fixture(params=sorted(BACKENDS))
def run(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Any]:
    """Run a coroutine function `fn(store)` against a fresh, open store of each backend."""

    def runner(fn: Callable[[Store], Coroutine[Any, Any, T]]) -> T:
        async def main() -> T:
            store = BACKENDS[request.param](tmp_path)
            await store.open()
            try:
                return await fn(store)
            finally:
                await store.close()

        return asyncio.run(main())

    return runner


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


def test_tokens_by_hash_and_reopening_keeps_everything(tmp_path: Path) -> None:
    async def first() -> int:
        store = SqliteStore(tmp_path / "keep.db")
        await store.open()
        ws = await store.ensure_default_workspace()
        await store.create_api_token(ws, "ci", "hash-1", "member")
        endpoint = await _endpoint(store)
        await store.append_delivery(_delivery(endpoint, "kept"))
        await store.close()
        return endpoint.id

    async def second(endpoint_id: int) -> None:
        store = SqliteStore(tmp_path / "keep.db")
        await store.open()  # migrations are not applied twice
        token = await store.find_api_token("hash-1")
        assert token is not None and token.role == "member"
        assert await store.find_api_token("hash-2") is None
        assert [d.key for d in await store.pending_deliveries(10)] == ["kept"]
        assert (await store.get_endpoint_by_slug("slug-github-1")).id == endpoint_id  # type: ignore[union-attr]
        await store.close()

    endpoint_id = asyncio.run(first())
    asyncio.run(second(endpoint_id))
