"""The PostgreSQL bus across nodes: every process sharing the database hears every commit of
events and every lowered access, whichever process made it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from echodash.bus.postgres import parse_payload
from tests.bus.conftest import open_hub, receive
from tests.support import create_pg_database, drop_pg_database

pytestmark = pytest.mark.own_stores


@pytest.mark.parametrize(
    ("payload", "ids"),
    [("5-7", [5, 6, 7]), ("9", [9]), ("9-9", [9]), ("7-5", []), ("x-1", []), ("", [])],
)
def test_a_notification_names_the_first_and_last_id_of_a_commit(
    payload: str, ids: list[int]
) -> None:
    assert parse_payload(payload) == ids


def test_an_absurd_range_is_ignored_not_fetched() -> None:
    assert parse_payload("1-10000000") == []


def test_two_nodes_hear_each_others_events_and_access_changes(tmp_path: Path) -> None:
    url = create_pg_database()
    (tmp_path / "pg-url").write_text(url)

    async def main() -> None:
        a, b = await open_hub("postgres", tmp_path), await open_hub("postgres", tmp_path)
        try:
            ws = await a.workspace()
            on_a, on_b = a.bus.subscribe(ws), b.bus.subscribe(ws)
            sent = await a.publish(ws, 3)  # stored through node a only
            ids = [e.id for e in sent]
            assert [e.id for e in await receive(on_b, 3)] == ids
            assert [e.id for e in await receive(on_a, 3)] == ids

            waiting = asyncio.ensure_future(on_b.next_batch(10))
            await asyncio.sleep(0.05)
            started = time.monotonic()
            a.bus.access_changed(ws)  # e.g. an admin on node a removed a member
            assert await waiting == []
            assert time.monotonic() - started < 3
        finally:
            for hub in (a, b):
                await hub.bus.stop()
                await hub.store.close()

    try:
        asyncio.run(main())
    finally:
        drop_pg_database(url)
