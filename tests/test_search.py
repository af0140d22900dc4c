"""Live matching and stored full-text search agree on what a query finds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from echodash.events import Delivery, EventDraft, utcnow
from echodash.search import matches_words, search_words
from echodash.store.base import EventFilter, Store
from echodash.store.sqlite import SqliteStore
from tests.support import create_pg_database, drop_pg_database

pytestmark = pytest.mark.own_stores

TITLES = [
    "Codertocat merged #2 Update the README into master in Codertocat/Hello-World",
    "Charge of $49.00 USD to jenny@example.com failed: card_declined",
    "Workflow CI failed on main in acme/web",
    "octocat starred acme/web",
]
QUERIES = [
    "acme",
    "ACME web",
    "coder hello",
    "card_declined",
    "jenny example",
    "49",
    "failed main",
    "starred zebra",
    "",
    "  !! ",
    "web/acme",
    "ci",
]


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def _store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    if backend == "postgres":
        from echodash.store.postgres import PostgresStore

        url = request.getfixturevalue("pg_database")
        return PostgresStore(url)
    return SqliteStore(tmp_path / "search.db")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("query", QUERIES)
def test_live_and_stored_search_find_the_same_events(
    tmp_path: Path, query: str, backend: str, request: pytest.FixtureRequest
) -> None:
    store = _store(backend, tmp_path, request)

    async def run() -> tuple[set[int], set[int]]:
        await store.open()
        if backend == "postgres":
            for table in ("events", "deliveries", "endpoint_secrets", "endpoints"):
                await store._run(lambda c, t=table: c.execute(f"DELETE FROM {t}"))  # type: ignore[attr-defined]
        try:
            ws = await store.ensure_default_workspace()
            endpoint = await store.create_endpoint(ws, "github", "x", "slug", {}, None)
            for i, _ in enumerate(TITLES):
                await store.append_delivery(
                    Delivery(endpoint.id, ws, "github", f"k{i}", {}, b"{}", utcnow(), None)
                )
            pending = await store.pending_deliveries(10)
            events = await store.save_events(
                [
                    (d, [EventDraft(type="push", title=t)])
                    for d, t in zip(pending, TITLES, strict=True)
                ]
            )
            stored = await store.list_events(ws, EventFilter(q=query), 50)
            live = {e.id for e in events if matches_words(search_words(query), e)}
            return {e.id for e in stored}, live
        finally:
            await store.close()

    stored, live = asyncio.run(run())
    assert stored == live
