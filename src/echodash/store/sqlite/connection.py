"""What every part of the SQLite store uses: the writer, the readers and running a function on
either (the connections themselves are made by `SqliteStore`)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from echodash.store.base import StoreUnavailableError
from echodash.store.sqlite.writer import SqliteWriter

T = TypeVar("T")


class SqliteConnection:
    """Base of the SQLite store's parts: a WAL database with one writer thread and a few
    read-only reader threads."""

    path: Path
    _writer: SqliteWriter
    _readers: ThreadPoolExecutor | None
    _local: threading.local
    _reader_conns: list[sqlite3.Connection]
    _lock: threading.Lock
    _readers_count: int
    # One batch of pending deliveries at a time (one process owns a SQLite database).
    _processing: asyncio.Lock

    def _connect_writer(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a delivery acknowledged after COMMIT survives power loss and kill -9 alike.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                f"file:{self.path}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._lock:
                self._reader_conns.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on a read-only connection."""
        assert self._readers is not None, "store is not open"
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: fn(self._reader()))
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"the database cannot be read: {exc}") from exc

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` inside the writer's next group transaction; its result after COMMIT."""
        result: T = await self._writer.submit(fn)
        return result
