"""Whatever one write job raises, the SQLite writer lives on: that job alone fails, its
writes are undone, the jobs committed with it stand, and the next delivery is stored."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import Delivery, utcnow
from echodash.store.base import Store, StoreUnavailableError
from echodash.store.sqlite import SqliteStore
from tests.store.faults import FAULTS

pytestmark = pytest.mark.own_stores


def _delivery(endpoint_id: int, workspace_id: int, key: str) -> Delivery:
    return Delivery(
        endpoint_id=endpoint_id,
        workspace_id=workspace_id,
        source="github",
        key=key,
        headers={"x-github-event": "ping"},
        body=b"{}",
        received_at=utcnow(),
        secret_id=None,
    )


async def _survives(store: SqliteStore, fault: BaseException, write_first: bool) -> None:
    ws = await store.ensure_default_workspace()
    endpoint = await store.create_endpoint(ws, "github", "acme/web", "slug-1", {}, None)

    def faulty(conn: sqlite3.Connection) -> None:
        if write_first:
            conn.execute("INSERT INTO instance_meta (key, value) VALUES ('undone', 'x')")
        raise fault

    def neighbour(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO instance_meta (key, value) VALUES ('kept', 'y')")
        return "done"

    # The faulty job, a neighbour and a delivery queued together: one group commit.
    results = await asyncio.gather(
        store._write(faulty),
        store._write(neighbour),
        store.append_delivery(_delivery(endpoint.id, ws, "with-the-fault")),
        return_exceptions=True,
    )
    assert isinstance(results[0], Exception)
    if isinstance(fault, Exception):
        assert results[0] is fault  # the caller learns what went wrong
    assert results[1] == "done"
    assert not isinstance(results[2], BaseException) and not results[2].duplicate
    assert store._writer.alive
    assert await store.ping()
    assert await store.get_meta("undone") is None
    assert await store.get_meta("kept") == "y"
    # And the next delivery is stored as usual.
    after = await store.append_delivery(_delivery(endpoint.id, ws, "after-the-fault"))
    assert not after.duplicate
    assert {d.key for d in await store.pending_deliveries(10)} == {
        "with-the-fault",
        "after-the-fault",
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(fault=st.sampled_from(FAULTS), write_first=st.booleans())
def test_any_exception_of_a_job_leaves_the_writer_alive(fault: object, write_first: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:

        async def main() -> None:
            store = SqliteStore(Path(folder) / "writer.db")
            await store.open()
            try:
                await _survives(store, fault(), write_first)  # type: ignore[operator]
            finally:
                await store.close()

        asyncio.run(main())


def test_an_overflowing_id_fails_its_own_job_only(tmp_path: Path) -> None:
    """The attack of issue 10: a token id ≥ 2^63 reached the writer and killed its thread."""

    async def main() -> None:
        store = SqliteStore(tmp_path / "overflow.db")
        await store.open()
        try:
            ws = await store.ensure_default_workspace()
            with pytest.raises(OverflowError):
                await store.revoke_token(ws, 2**63, None)
            assert store._writer.alive
            endpoint = await store.create_endpoint(ws, "github", "a", "slug-2", {}, None)
            stored = await store.append_delivery(_delivery(endpoint.id, ws, "next"))
            assert not stored.duplicate
        finally:
            await store.close()

    asyncio.run(main())


def test_a_dead_writer_fails_health_and_fast(tmp_path: Path) -> None:
    """If the writer thread is gone anyway, /healthz says so and writes fail at once
    instead of waiting forever."""

    async def main() -> None:
        store: Store = SqliteStore(tmp_path / "dead.db")
        await store.open()
        assert isinstance(store, SqliteStore)
        try:
            await asyncio.to_thread(store._writer.stop)
            assert not await store.ping()
            ws_write = store.ensure_default_workspace()
            with pytest.raises(StoreUnavailableError):
                await asyncio.wait_for(ws_write, 2)
        finally:
            await store.close()

    asyncio.run(main())
