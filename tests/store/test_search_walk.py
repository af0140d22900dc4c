"""Search on both backends: the walk under the filters and the search index give the same
pages, and the query plans read newest first without sorting all matches."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from echodash.events import EventDraft, Severity
from echodash.store.base import EventFilter, Store
from echodash.store.rows import fts_query
from echodash.store.sqlite import SqliteStore
from echodash.store.sqlite import feed as sqlite_search
from echodash.store.sqlite.sql import event_where
from tests.store.contract import delivery_of
from tests.support import create_pg_database, drop_pg_database

pytestmark = pytest.mark.own_stores

QUERIES = ["alpha", "beta3", "bet", "rare", "cafe", "café", "alpha beta1", "zzz", "a"]
FILTERS = [
    EventFilter(),
    EventFilter(source="stripe"),
    EventFilter(source="gitlab"),
    EventFilter(severity="error"),
    EventFilter(type="push", source="github"),
]
COUNT = 240


def _title(i: int) -> str:
    rare = " rare" if i in (3, 150) else ""
    accent = " Café" if i % 11 == 0 else ""
    return f"alpha beta{i % 7} event {i}{rare}{accent}"


async def _fill(store: Store) -> int:
    await store.open()
    ws = await store.ensure_default_workspace()
    github = await store.create_endpoint(ws, "github", "gh", "slug-gh", {}, None)
    stripe = await store.create_endpoint(ws, "stripe", "st", "slug-st", {}, None)
    for i in range(COUNT):
        await store.append_delivery(delivery_of(stripe if i % 3 == 0 else github, f"k{i}"))
    pending = await store.pending_deliveries(COUNT)
    await store.save_events(
        [
            (
                d,
                [
                    EventDraft(
                        type="push" if i % 2 else "charge.failed",
                        title=_title(i),
                        severity=Severity.ERROR if i % 13 == 0 else Severity.INFO,
                    )
                ],
            )
            for i, d in enumerate(pending)
        ]
    )
    await store.close()
    return ws


def _index_only(db: Path, ws: int, filters: EventFilter, limit: int, below: int) -> list[int]:
    """The page the search index alone gives (how every search ran before the walk)."""
    match = fts_query(filters.q or "")
    if match is None:
        return []
    where, params = event_where(ws, replace(filters, q=None))
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            sqlite_search.index_sql(where), [match, *params, below, limit]
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("walk", [(1_000, 20_000, 4_000), (4, 16, 30), (1, 1, 1)])
def test_pages_are_the_search_index_pages(
    tmp_path: Path, walk: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """However far the walk goes before the index takes over, and whether a filter counts as
    rare (read whole), every page (and the next from its last id) is the one the search index
    alone gives."""
    monkeypatch.setattr(sqlite_search, "FIRST_WALK", walk[0])
    monkeypatch.setattr(sqlite_search, "MOST_WALKED", walk[1])
    monkeypatch.setattr(sqlite_search, "FEW_ROWS", walk[2])
    db = tmp_path / "search.db"
    store = SqliteStore(db)
    ws = asyncio.run(_fill(store))

    async def pages() -> list[tuple[str, list[list[int]], list[list[int]]]]:
        await store.open()
        out = []
        try:
            for q in QUERIES:
                for base in FILTERS:
                    filters = replace(base, q=q)
                    got, want = [], []
                    before: int | None = None
                    for _ in range(4):
                        page = [e.id for e in await store.list_events(ws, filters, 7, before)]
                        got.append(page)
                        want.append(_index_only(db, ws, filters, 7, before or 2**62))
                        if not page:
                            break
                        before = page[-1]
                    out.append((f"{filters}", got, want))
        finally:
            await store.close()
        return out

    checked = asyncio.run(pages())
    for label, got, want in checked:
        assert got == want, label
    assert any(any(page) for _, got, _ in checked for page in got)


def _plan(db: Path, sql: str, params: list[object]) -> str:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return "\n".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(f))
def test_query_plans_walk_newest_first_without_sorting(
    tmp_path: Path, filters: EventFilter
) -> None:
    db = tmp_path / "plan.db"
    ws = asyncio.run(_fill(SqliteStore(db)))
    where, params = event_where(ws, filters)
    walk = _plan(db, sqlite_search.walk_sql(where), [*params, 10**9, 100])
    # The walk reads an index of the filters in id order: no scan of the table, no sort.
    assert "USING INDEX" in walk or "USING COVERING INDEX" in walk, walk
    assert "TEMP B-TREE" not in walk, walk
    if len(where) > 1:
        # A filter's rows are counted (and, when few, read) by its own index, not the feed's.
        few = _plan(db, sqlite_search.few_sql(where, True), [*params, 10**9, 100])
        assert "events_feed" not in few and "USING" in few, few
    index = _plan(db, sqlite_search.index_sql(where), ["alpha", *params, 10**9, 100])
    # The search index gives its matches newest first (FTS5 walks its lists backwards); the
    # events are joined by id, and nothing sorts all matches.
    assert "VIRTUAL TABLE INDEX" in index, index
    assert "SEARCH e USING INTEGER PRIMARY KEY" in index, index
    assert "TEMP B-TREE" not in index, index


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


async def _pg_index_only(
    url: str, ws: int, filters: EventFilter, limit: int, below: int
) -> list[int]:
    import asyncpg

    from echodash.store.postgres import feed as pg_feed
    from echodash.store.postgres.sql import event_where as pg_where

    where, params = pg_where(ws, filters)
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(pg_feed.index_sql(where, len(params) + 1), *params, below, limit)
    finally:
        await conn.close()
    return [r[0] for r in rows]


@pytest.mark.parametrize("walk", [(1_000, 20_000), (4, 16), (1, 1)])
def test_postgres_pages_are_the_search_index_pages(
    pg_url: str, walk: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from echodash.store.postgres import PostgresStore
    from echodash.store.postgres import feed as pg_feed

    monkeypatch.setattr(pg_feed, "FIRST_WALK", walk[0])
    monkeypatch.setattr(pg_feed, "MOST_WALKED", walk[1])
    store = PostgresStore(pg_url)

    async def pages() -> list[tuple[str, list[list[int]], list[list[int]]]]:
        ws = await _fill(store)
        await store.open()
        out = []
        try:
            for q in QUERIES:
                for base in FILTERS:
                    filters = replace(base, q=q)
                    got, want = [], []
                    before: int | None = None
                    for _ in range(4):
                        page = [e.id for e in await store.list_events(ws, filters, 7, before)]
                        got.append(page)
                        want.append(await _pg_index_only(pg_url, ws, filters, 7, before or 2**62))
                        if not page:
                            break
                        before = page[-1]
                    out.append((f"{filters}", got, want))
        finally:
            await store.close()
        return out

    checked = asyncio.run(pages())
    for label, got, want in checked:
        assert got == want, label
    assert any(any(page) for _, got, _ in checked for page in got)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(f))
def test_postgres_walk_plan_reads_an_index_backwards(pg_url: str, filters: EventFilter) -> None:
    import asyncpg

    from echodash.store.postgres import PostgresStore
    from echodash.store.postgres import feed as pg_feed
    from echodash.store.postgres.sql import event_where as pg_where

    async def plans() -> tuple[str, str]:
        ws = await _fill(PostgresStore(pg_url))
        where, params = pg_where(ws, filters)
        conn = await asyncpg.connect(pg_url)
        try:
            await conn.execute("ANALYZE events")
            # The test table is tiny, where reading all of it and sorting is cheapest; priced
            # out, the plans show what the indexes allow, as at 10 M events.
            await conn.execute("SET enable_seqscan = off")
            await conn.execute("SET enable_bitmapscan = off")
            walk = pg_feed.walk_sql(where, len(params) + 1)
            walked = await conn.fetch(f"EXPLAIN {walk}", *params, 10**9, 100, "alpha:*")
            rare = replace(filters, q="rare")
            where, params = pg_where(ws, rare)
            index = pg_feed.index_sql(where, len(params) + 1)
            await conn.execute("SET enable_bitmapscan = on")
            await conn.execute("SET enable_indexscan = off")
            indexed = await conn.fetch(f"EXPLAIN {index}", *params, 10**9, 100)
        finally:
            await conn.close()
        return "\n".join(r[0] for r in walked), "\n".join(r[0] for r in indexed)

    walk, index = asyncio.run(plans())
    assert "Seq Scan" not in walk, walk
    if filters.source == "gitlab":
        # A filter matching nothing: its own index finds no row, and nothing is walked.
        assert "events_source_type" in walk, walk
    else:
        # Newest first along an index that ends with the id: nothing sorted.
        assert "Index" in walk and "Backward" in walk, walk
        assert "Sort" not in walk, walk
    # A rare word's matches come from an index, never from reading the table.
    assert "Seq Scan" not in index, index
