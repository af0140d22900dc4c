"""Store contract fixtures: `run(fn)` calls `fn(store)` on a fresh store of each backend."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from echodash.store.base import Store
from echodash.store.sqlite import SqliteStore
from tests.store.faults import MARKER, FaultySqliteStore, make_faulty_postgres
from tests.support import create_pg_database, drop_pg_database

T = TypeVar("T")


def make_sqlite(tmp_path: Path) -> Store:
    return SqliteStore(tmp_path / "contract.db")


def make_postgres(tmp_path: Path) -> Store:
    from echodash.store.postgres import PostgresStore

    return PostgresStore((tmp_path / "pg-url").read_text())


def make_faulty_sqlite(tmp_path: Path) -> Store:
    return FaultySqliteStore(tmp_path / "contract.db")


def make_faulty_pg(tmp_path: Path) -> Store:
    store: Store = make_faulty_postgres((tmp_path / "pg-url").read_text())
    return store


BACKENDS: dict[str, Callable[[Path], Store]] = {"sqlite": make_sqlite, "postgres": make_postgres}
# The same stores with a failing job riding along every write (see faults.py).
FAULTY: dict[str, Callable[[Path], Store]] = {
    "sqlite-faults": make_faulty_sqlite,
    "postgres-faults": make_faulty_pg,
}


@pytest.fixture(params=sorted(BACKENDS) + sorted(FAULTY))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each backend's name; for PostgreSQL, a fresh database whose URL is in tmp_path."""
    if request.param.startswith("postgres"):
        url = create_pg_database()
        (tmp_path / "pg-url").write_text(url)
        yield request.param
        drop_pg_database(url)
    else:
        yield request.param


@pytest.fixture
def run(backend: str, tmp_path: Path) -> Callable[..., Any]:
    """Run a coroutine function `fn(store)` against a fresh, open store of each backend."""

    def runner(fn: Callable[[Store], Coroutine[Any, Any, T]]) -> T:
        async def main() -> T:
            store = {**BACKENDS, **FAULTY}[backend](tmp_path)
            await store.open()
            try:
                result = await fn(store)
                # Every failing job's own write was undone.
                assert await store.get_meta(MARKER) is None
                return result
            finally:
                await store.close()

        return asyncio.run(main())

    return runner
