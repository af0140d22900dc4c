"""The SQLite store: WAL, one group-committing writer thread, read-only reader threads."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from echodash.store.base import Store
from echodash.store.sqlite.accounts import SqliteAccounts
from echodash.store.sqlite.alerts import SqliteAlerts
from echodash.store.sqlite.backfill import SqliteBackfill
from echodash.store.sqlite.demo import SqliteDemo
from echodash.store.sqlite.endpoints import SqliteEndpoints
from echodash.store.sqlite.feed import SqliteFeed
from echodash.store.sqlite.ingest import SqliteIngest
from echodash.store.sqlite.lifecycle import SqliteLifecycle
from echodash.store.sqlite.metrics import SqliteMetrics
from echodash.store.sqlite.portable import SqlitePortable
from echodash.store.sqlite.sql import append_deliveries
from echodash.store.sqlite.upkeep import SqliteUpkeep
from echodash.store.sqlite.writer import SqliteWriter


class SqliteStore(
    SqliteLifecycle,
    SqliteAccounts,
    SqliteEndpoints,
    SqliteIngest,
    SqliteFeed,
    SqliteUpkeep,
    SqlitePortable,
    SqliteAlerts,
    SqliteMetrics,
    SqliteBackfill,
    SqliteDemo,
    Store,
):
    def __init__(self, path: Path, readers: int = 2) -> None:
        self.path = path
        self._readers_count = readers
        self._writer = SqliteWriter(self._connect_writer, append_deliveries)
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._processing = asyncio.Lock()
        self._evaluating = asyncio.Lock()
