"""SQLite: opening (migrations), closing, health and instance facts."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from echodash.events import utcnow
from echodash.store.base import (
    StoreUnavailableError,
)
from echodash.store.migrations import migration_scripts
from echodash.store.rows import (
    to_micros,
)
from echodash.store.sqlite.connection import SqliteConnection
from echodash.store.sqlite.rewrites import REWRITES
from echodash.store.sqlite.sql import (
    split_sql,
)

log = logging.getLogger("echodash.store")

HEALTH_PROBE_BYTES = 256 * 1024


class SqliteLifecycle(SqliteConnection):
    def observe_commits(self, observer: Callable[[float], None]) -> None:
        self._writer.on_commit = observer

    async def open(self) -> None:
        # Deliveries hold customer data: the folder and the files are the owner's alone.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        await asyncio.to_thread(self._migrate)
        self._writer.start()
        self._readers = ThreadPoolExecutor(self._readers_count, "echodash-sqlite-reader")

    def _migrate(self) -> None:
        conn = self._connect_writer()
        try:
            # What a migration rewrites (a secret taken out) is zeroed in the file, not left
            # behind in free space.
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
            )
            conn.execute("BEGIN IMMEDIATE")
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            applied = False
            for version, name, sql in migration_scripts("echodash.store.sqlite"):
                if version in done:
                    continue
                for statement in split_sql(sql):
                    conn.execute(statement)
                rewrite = REWRITES.get(name)
                if rewrite is not None:
                    rewrite(conn)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (version, name, to_micros(utcnow())),
                )
                applied = True
            conn.execute("COMMIT")
            if applied:
                # Into the database file now, over the pages as they were, not at some later
                # checkpoint.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    async def close(self) -> None:
        await asyncio.to_thread(self._writer.stop)
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    async def ping(self) -> bool:
        if not self._writer.alive:
            return False  # nothing could be stored: load balancers must take this node out
        try:
            if not await self._read(lambda c: c.execute("SELECT 1").fetchone()[0] == 1):
                return False
            if self._writer.failing:
                # The last commit failed: only a real write shows whether writing works again.
                await self._write(
                    lambda c: c.execute(
                        "INSERT OR REPLACE INTO health_probe (id, filler) VALUES (1, zeroblob(?))",
                        (HEALTH_PROBE_BYTES,),
                    )
                )
            return True
        except StoreUnavailableError:
            return False

    async def set_meta(self, key: str, value: str) -> None:
        await self._write(
            lambda c: c.execute(
                "INSERT INTO instance_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    async def get_meta(self, key: str) -> str | None:
        def fn(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM instance_meta WHERE key = ?", (key,)).fetchone()
            return str(row[0]) if row else None

        return await self._read(fn)
