"""Stores whose every write shares its commit with a job that fails: the contract suite run
on them proves that one job's exception (any exception) costs nothing but that job."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from echodash.events import Delivery
from echodash.store.base import AppendResult
from echodash.store.sqlite import SqliteStore

T = TypeVar("T")

# What a job may raise: its own mistakes, the interpreter's, and what no job should raise.
FAULTS: tuple[Callable[[], BaseException], ...] = (
    lambda: OverflowError("Python int too large to convert to SQLite INTEGER"),
    lambda: ValueError("bad value"),
    lambda: KeyError("missing"),
    lambda: TypeError("wrong type"),
    lambda: UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
    lambda: RecursionError("maximum recursion depth exceeded"),
    lambda: MemoryError(),
    lambda: ZeroDivisionError("division by zero"),
    lambda: AssertionError("a bug"),
    lambda: RuntimeError("a bug"),
    lambda: sqlite3.IntegrityError("UNIQUE constraint failed"),
    lambda: sqlite3.ProgrammingError("Incorrect number of bindings"),
    lambda: sqlite3.DataError("string or blob too big"),
    lambda: KeyboardInterrupt(),
    lambda: SystemExit(1),
    lambda: GeneratorExit(),
)
MARKER = "fault-injected"


class InjectedFault(Exception):
    """Stands for whatever the faulty job raised, as its caller sees it."""


def raise_after_writing(conn: sqlite3.Connection) -> None:
    """Write, then fail: the write must be undone (the marker never appears)."""
    conn.execute(
        "INSERT OR REPLACE INTO instance_meta (key, value) VALUES (?, ?)", (MARKER, "leaked")
    )
    raise random.choice(FAULTS)()


class FaultySqliteStore(SqliteStore):
    """Every write and every delivery travels with a failing job in the same group commit."""

    async def _with_fault(self, real: Awaitable[T]) -> T:
        faulty = asyncio.ensure_future(self._writer.submit(raise_after_writing))
        try:
            return await real
        finally:
            with contextlib.suppress(Exception):
                await faulty

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._with_fault(super()._write(fn))

    async def append_delivery(self, delivery: Delivery) -> AppendResult:
        return await self._with_fault(super().append_delivery(delivery))


def make_faulty_postgres(url: str) -> Any:
    """A PostgreSQL store whose every statement batch first runs a failing job on the pool."""
    from echodash.store.postgres import PostgresStore
    from echodash.store.postgres.connection import Conn

    async def failing(conn: Conn) -> None:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO instance_meta (key, value) VALUES ($1, 'leaked') "
                "ON CONFLICT (key) DO NOTHING",
                MARKER,
            )
            # Only exceptions: a coroutine raising SystemExit stops the event loop itself,
            # whatever the store does (the SQLite writer's thread must survive even those).
            raise random.choice([f for f in FAULTS if isinstance(f(), Exception)])()

    class FaultyPostgresStore(PostgresStore):
        async def _run(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
            if fn is not failing:
                with contextlib.suppress(Exception):
                    await super()._run(failing)
            return await super()._run(fn)

    return FaultyPostgresStore(url)
