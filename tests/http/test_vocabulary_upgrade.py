"""An upgrade over HTTP: a server started on a database an older version left behind answers
at once, and its older events get their vocabulary in the background (the log says so)."""

from __future__ import annotations

import asyncio
import time

from echodash.store import open_store
from tests.jobs.test_vocabulary import (
    HELLO,
    _as_an_older_version_left_it,
    _forget_the_migration,
)
from tests.support import Server


def test_a_server_fills_the_vocabulary_of_older_events_after_it_starts(
    fresh_server: Server,
) -> None:
    url = fresh_server.database_url
    backend = "sqlite" if url.startswith("sqlite") else "postgres"

    async def older_version() -> None:
        store = open_store(url)
        await store.open()
        try:
            await _as_an_older_version_left_it(store)
        finally:
            await store.close()
        await _forget_the_migration(backend, url)

    asyncio.run(older_version())
    fresh_server.start()
    deadline = time.monotonic() + 20
    while "vocabulary: done" not in fresh_server.log():
        assert time.monotonic() < deadline, fresh_server.log()
        time.sleep(0.1)
    assert "vocabulary: filling 6 older events in the background" in fresh_server.log()
    deployments = fresh_server.all_events(category="deployment", service=HELLO)
    assert [(e["title"], e["environment"], e["outcome"], e["origin"]) for e in deployments] == [
        ("older replay", "production", "success", "replay"),
        ("older title 0", "production", "success", "webhook"),
    ]
    assert [e["title"] for e in fresh_server.all_events(origin="import")] == ["older title 3"]
    assert len(fresh_server.all_events()) == 6  # nothing added, nothing lost
