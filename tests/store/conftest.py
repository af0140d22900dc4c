"""Store contract fixtures: `run(fn)` calls `fn(store)` on a fresh store of each backend."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from echodash.store.base import Store
from echodash.store.sqlite import SqliteStore
from tests.support import create_pg_database, drop_pg_database

T = TypeVar("T")


def make_sqlite(tmp_path: Path) -> Store:
    return SqliteStore(tmp_path / "contract.db")


def make_postgres(tmp_path: Path) -> Store:
    from echodash.store.postgres import PostgresStore

    return PostgresStore((tmp_path / "pg-url").read_text())


BACKENDS: dict[str, Callable[[Path], Store]] = {"sqlite": make_sqlite, "postgres": make_postgres}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each backend's name; for PostgreSQL, a fresh database whose URL is in tmp_path."""
    if request.param == "postgres":
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
            store = BACKENDS[backend](tmp_path)
            await store.open()
            try:
                return await fn(store)
            finally:
                await store.close()

        return asyncio.run(main())

    return runner
