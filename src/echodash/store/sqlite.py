"""The SQLite store: WAL, one group-committing writer thread, read-only reader threads."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from echodash.events import Delivery, Event, EventDraft, utcnow
from echodash.store.base import (
    ApiTokenRecord,
    AppendResult,
    EndpointChanges,
    EndpointRecord,
    EndpointStats,
    Parser,
    RejectionCounts,
    Store,
    StoredDelivery,
    StoreUnavailableError,
)
from echodash.store.migrations import migration_scripts
from echodash.store.rows import (
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    LIVE_KEY_QUERY,
    delivery_from_row,
    dumps,
    event_from_row,
    from_micros,
    to_micros,
    unstorable_draft,
)
from echodash.store.sqlite_accounts import SqliteAccounts
from echodash.store.sqlite_portable import SqlitePortable
from echodash.store.sqlite_queries import SqliteQueries
from echodash.store.sqlite_rewrites import REWRITES
from echodash.store.sqlite_sql import (
    append_deliveries,
    endpoint_by_id,
    event_params,
    select_endpoints,
    split_sql,
)
from echodash.store.sqlite_upkeep import SqliteUpkeep
from echodash.store.sqlite_writer import SqliteWriter, is_store_error

T = TypeVar("T")
log = logging.getLogger("echodash.store")


HEALTH_PROBE_BYTES = 256 * 1024


_INSERT_EVENT = (
    "INSERT INTO events (workspace_id, endpoint_id, delivery_id, source, type, title, summary, "
    "actor, subject, url, occurred_at, received_at, severity, tags, fields) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + EVENT_COLUMNS
)


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url!r} (expected sqlite:///path/to/file.db)")
    return Path(url.removeprefix("sqlite:///"))


class SqliteStore(SqliteQueries, SqliteUpkeep, SqlitePortable, SqliteAccounts, Store):
    def __init__(self, path: Path, readers: int = 2) -> None:
        self.path = path
        self._readers_count = readers
        self._writer = SqliteWriter(self._connect_writer, append_deliveries)
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._processing = asyncio.Lock()

    # Connections
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
        assert self._readers is not None, "store is not open"
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: fn(self._reader()))
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"the database cannot be read: {exc}") from exc

    def observe_commits(self, observer: Callable[[float], None]) -> None:
        self._writer.on_commit = observer

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        result: T = await self._writer.submit(fn)
        return result

    # Lifecycle
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
            for version, name, sql in migration_scripts("sqlite"):
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

    # Workspaces and tokens
    async def ensure_default_workspace(self) -> int:
        def fn(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT id FROM workspaces ORDER BY id LIMIT 1").fetchone()
            if row:
                return int(row[0])
            cur = conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES (?, ?)",
                ("Default", to_micros(utcnow())),
            )
            return int(cur.lastrowid or 0)

        return await self._write(fn)

    async def create_workspace(self, name: str) -> int:
        now = to_micros(utcnow())
        return await self._write(
            lambda c: int(
                c.execute(
                    "INSERT INTO workspaces (name, created_at) VALUES (?, ?)", (name, now)
                ).lastrowid
                or 0
            )
        )

    async def create_api_token(
        self, workspace_id: int, name: str, token_hash: str, role: str
    ) -> ApiTokenRecord:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> ApiTokenRecord:
            cur = conn.execute(
                "INSERT INTO api_tokens (workspace_id, name, token_hash, role, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (workspace_id, name, token_hash, role, to_micros(now)),
            )
            return ApiTokenRecord(int(cur.lastrowid or 0), workspace_id, name, role, now)

        return await self._write(fn)

    async def find_api_token(self, token_hash: str) -> ApiTokenRecord | None:
        def fn(conn: sqlite3.Connection) -> ApiTokenRecord | None:
            row = conn.execute(LIVE_KEY_QUERY.format(hash="?"), (token_hash,)).fetchone()
            if row is None:
                return None
            return ApiTokenRecord(row[0], row[1], row[2], row[3], from_micros(row[4]), row[5])

        return await self._read(fn)

    async def api_token_ever_existed(self, token_hash: str) -> bool:
        return await self._read(
            lambda c: (
                c.execute("SELECT 1 FROM api_tokens WHERE token_hash = ?", (token_hash,)).fetchone()
                is not None
            )
        )

    async def count_api_tokens(self) -> int:
        return await self._read(
            lambda c: int(
                c.execute("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL").fetchone()[0]
            )
        )

    # Endpoints
    async def create_endpoint(
        self,
        workspace_id: int,
        kind: str,
        name: str,
        slug: str,
        options: dict[str, Any],
        sealed_secret: str | None,
    ) -> EndpointRecord:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> EndpointRecord:
            cur = conn.execute(
                "INSERT INTO endpoints (workspace_id, kind, name, slug, options, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (workspace_id, kind, name, slug, dumps(options), now),
            )
            endpoint_id = int(cur.lastrowid or 0)
            if sealed_secret is not None:
                conn.execute(
                    "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) "
                    "VALUES (?, ?, ?)",
                    (endpoint_id, sealed_secret, now),
                )
            record = endpoint_by_id(conn, workspace_id, endpoint_id)
            assert record is not None
            return record

        return await self._write(fn)

    async def list_endpoints(self, workspace_id: int) -> list[EndpointRecord]:
        return await self._read(
            lambda c: select_endpoints(c, "e.workspace_id = ?", (workspace_id,))
        )

    async def get_endpoint(self, workspace_id: int, endpoint_id: int) -> EndpointRecord | None:
        return await self._read(lambda c: endpoint_by_id(c, workspace_id, endpoint_id))

    async def get_endpoint_by_slug(self, slug: str) -> EndpointRecord | None:
        found = await self._read(lambda c: select_endpoints(c, "e.slug = ?", (slug,)))
        return found[0] if found else None

    async def update_endpoint(
        self, workspace_id: int, endpoint_id: int, changes: EndpointChanges
    ) -> EndpointRecord | None:
        def fn(conn: sqlite3.Connection) -> EndpointRecord | None:
            if changes.name is not None:
                conn.execute(
                    "UPDATE endpoints SET name = ? WHERE id = ? AND workspace_id = ?",
                    (changes.name, endpoint_id, workspace_id),
                )
            if changes.options is not None:
                conn.execute(
                    "UPDATE endpoints SET options = ? WHERE id = ? AND workspace_id = ?",
                    (dumps(changes.options), endpoint_id, workspace_id),
                )
            return endpoint_by_id(conn, workspace_id, endpoint_id)

        return await self._write(fn)

    async def delete_endpoint(self, workspace_id: int, endpoint_id: int) -> bool:
        def fn(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "DELETE FROM endpoints WHERE id = ? AND workspace_id = ?",
                (endpoint_id, workspace_id),
            )
            return cur.rowcount > 0

        return await self._write(fn)

    async def add_secret(
        self, workspace_id: int, endpoint_id: int, sealed: str, expire_others_at: datetime | None
    ) -> EndpointRecord | None:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> EndpointRecord | None:
            owned = conn.execute(
                "SELECT 1 FROM endpoints WHERE id = ? AND workspace_id = ?",
                (endpoint_id, workspace_id),
            ).fetchone()
            if owned is None:
                return None
            if expire_others_at is not None:
                cutoff = to_micros(expire_others_at)
                conn.execute(
                    "UPDATE endpoint_secrets SET expires_at = ? WHERE endpoint_id = ? "
                    "AND (expires_at IS NULL OR expires_at > ?)",
                    (cutoff, endpoint_id, cutoff),
                )
            conn.execute(
                "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) VALUES (?, ?, ?)",
                (endpoint_id, sealed, now),
            )
            return endpoint_by_id(conn, workspace_id, endpoint_id)

        return await self._write(fn)

    async def endpoint_stats(self, workspace_id: int, endpoint_id: int) -> EndpointStats:
        def fn(conn: sqlite3.Connection) -> EndpointStats:
            row = conn.execute(
                "SELECT count(*), coalesce(sum(duplicates), 0), max(received_at) FROM deliveries "
                "WHERE endpoint_id = ? AND workspace_id = ?",
                (endpoint_id, workspace_id),
            ).fetchone()
            rejections = conn.execute(
                "SELECT r.reason, r.count, r.last_at FROM rejections r JOIN endpoints e "
                "ON e.id = r.endpoint_id WHERE r.endpoint_id = ? AND e.workspace_id = ?",
                (endpoint_id, workspace_id),
            ).fetchall()
            last_rejection = max((r[2] for r in rejections), default=None)
            return EndpointStats(
                deliveries=int(row[0]),
                duplicates=int(row[1]),
                last_delivery_at=from_micros(row[2]) if row[2] is not None else None,
                rejections={r[0]: int(r[1]) for r in rejections},
                last_rejection_at=from_micros(last_rejection) if last_rejection else None,
            )

        return await self._read(fn)

    # Ingestion
    async def append_delivery(self, delivery: Delivery) -> AppendResult:
        params = (
            delivery.workspace_id,
            delivery.endpoint_id,
            delivery.source,
            delivery.key,
            dumps(delivery.headers),
            delivery.body,
            to_micros(delivery.received_at),
            delivery.secret_id,
        )

        result: AppendResult = await self._writer.submit_row(params)
        return result

    async def record_rejections(self, counts: RejectionCounts) -> None:
        rows = [
            (endpoint_id, reason, count, to_micros(last))
            for (endpoint_id, reason), (count, last) in counts.items()
        ]
        await self._write(
            lambda conn: conn.executemany(
                "INSERT INTO rejections (endpoint_id, reason, count, last_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (endpoint_id, reason) DO UPDATE SET count = count + excluded.count, "
                "last_at = max(last_at, excluded.last_at)",
                rows,
            )
        )

    async def pending_deliveries(self, limit: int) -> list[StoredDelivery]:
        return await self._read(
            lambda c: [
                delivery_from_row(row)
                for row in c.execute(
                    f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE processed = 0 "
                    "ORDER BY id LIMIT ?",
                    (limit,),
                )
            ]
        )

    async def process_pending(self, limit: int, parse: Parser) -> tuple[int, list[Event]]:
        # One process owns a SQLite database; within it, one batch at a time.
        async with self._processing:
            pending = await self.pending_deliveries(limit)
            if not pending:
                return 0, []
            return len(pending), await self.save_events(await parse(pending))

    async def save_events(
        self, parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]]
    ) -> list[Event]:
        def fn(conn: sqlite3.Connection) -> list[Event]:
            saved: list[Event] = []
            for delivery, drafts in parsed:
                saved.extend(_save_delivery_events(conn, delivery, drafts))
            return saved

        return await self._write(fn)

    async def save_replayed_events(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> list[Event]:
        return await self._write(
            lambda conn: [_insert_event(conn, delivery, draft) for draft in drafts]
        )


def _save_delivery_events(
    conn: sqlite3.Connection, delivery: StoredDelivery, drafts: Sequence[EventDraft]
) -> list[Event]:
    """Mark one delivery processed and store its events, both or neither. If its events
    cannot be stored, it gets the one event that always can: never lost, never blocking."""
    conn.execute("SAVEPOINT delivery")
    try:
        claimed = conn.execute(
            "UPDATE deliveries SET processed = 1 WHERE id = ? AND processed = 0",
            (delivery.id,),
        ).rowcount
        if not claimed:
            conn.execute("RELEASE delivery")
            return []  # another worker got there first: its events stand
        events = [_insert_event(conn, delivery, draft) for draft in drafts]
    except BaseException as exc:
        if is_store_error(exc):
            raise
        conn.execute("ROLLBACK TO delivery")
        conn.execute("RELEASE delivery")
        log.error("events of delivery %s could not be stored: %r", delivery.id, exc)
        conn.execute("UPDATE deliveries SET processed = 1 WHERE id = ?", (delivery.id,))
        return [_insert_event(conn, delivery, unstorable_draft(delivery, exc))]
    conn.execute("RELEASE delivery")
    return events


def _insert_event(conn: sqlite3.Connection, delivery: StoredDelivery, draft: EventDraft) -> Event:
    return event_from_row(conn.execute(_INSERT_EVENT, event_params(delivery, draft)).fetchone())
