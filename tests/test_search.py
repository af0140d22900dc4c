"""Live matching and stored full-text search agree on what a query finds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from echodash.events import Delivery, EventDraft, utcnow
from echodash.search import matches_words, search_words
from echodash.store.base import EventFilter
from echodash.store.sqlite import SqliteStore

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


@pytest.mark.parametrize("query", QUERIES)
def test_live_and_stored_search_find_the_same_events(tmp_path: Path, query: str) -> None:
    async def run() -> tuple[set[int], set[int]]:
        store = SqliteStore(tmp_path / "search.db")
        await store.open()
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
