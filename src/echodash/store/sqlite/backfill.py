"""SQLite: backfill runs, their cursors and leases."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson

from echodash.events import utcnow
from echodash.store.base import BackfillProgress, BackfillRun
from echodash.store.base.backfill import DONE, RUNNING
from echodash.store.rows import from_micros, to_micros
from echodash.store.sqlite.connection import SqliteConnection

_COLUMNS = (
    "id, workspace_id, endpoint_id, provider, params, status, items, events_added, duplicates, "
    "error, cursor, token_sealed, background, node, lease_until, created_at, updated_at"
)


def _run(row: Any) -> BackfillRun:
    return BackfillRun(
        id=row[0],
        workspace_id=row[1],
        endpoint_id=row[2],
        provider=row[3],
        params=orjson.loads(row[4]),
        status=row[5],
        items=row[6],
        events_added=row[7],
        duplicates=row[8],
        error=row[9],
        cursor=orjson.loads(row[10]),
        token_sealed=row[11],
        background=bool(row[12]),
        node=row[13],
        lease_until=None if row[14] is None else from_micros(row[14]),
        created_at=from_micros(row[15]),
        updated_at=from_micros(row[16]),
    )


def _params(params: dict[str, Any]) -> str:
    return orjson.dumps(params, option=orjson.OPT_SORT_KEYS).decode()


class SqliteBackfill(SqliteConnection):
    async def create_backfill(
        self,
        workspace_id: int,
        endpoint_id: int,
        provider: str,
        params: dict[str, Any],
        token_sealed: str | None,
        background: bool,
    ) -> BackfillRun:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> BackfillRun:
            row = conn.execute(
                "INSERT INTO backfills (workspace_id, endpoint_id, provider, params, status, "
                "token_sealed, background, created_at, updated_at) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (
                    workspace_id,
                    endpoint_id,
                    provider,
                    _params(params),
                    RUNNING,
                    token_sealed,
                    int(background),
                    now,
                    now,
                ),
            ).fetchone()
            return _run(row)

        return await self._write(fn)

    async def get_backfill(self, workspace_id: int, backfill_id: int) -> BackfillRun | None:
        row = await self._read(
            lambda c: c.execute(
                f"SELECT {_COLUMNS} FROM backfills WHERE id = ? AND workspace_id = ?",
                (backfill_id, workspace_id),
            ).fetchone()
        )
        return None if row is None else _run(row)

    async def resumable_backfill(
        self, workspace_id: int, endpoint_id: int, provider: str, params: dict[str, Any]
    ) -> BackfillRun | None:
        row = await self._read(
            lambda c: c.execute(
                f"SELECT {_COLUMNS} FROM backfills WHERE workspace_id = ? AND endpoint_id = ? "
                "AND provider = ? AND params = ? AND status <> ? ORDER BY id DESC LIMIT 1",
                (workspace_id, endpoint_id, provider, _params(params), DONE),
            ).fetchone()
        )
        return None if row is None else _run(row)

    async def claim_backfill(
        self, node: str, lease: timedelta, backfill_id: int | None = None
    ) -> BackfillRun | None:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> BackfillRun | None:
            free = "(node IS NULL OR lease_until IS NULL OR lease_until < ?)"
            args: tuple[int | str, ...]
            if backfill_id is not None:
                where, args = f"id = ? AND status <> ? AND {free}", (backfill_id, DONE)
            else:
                where, args = f"status = ? AND background = 1 AND {free}", (RUNNING,)
            row = conn.execute(
                "UPDATE backfills SET node = ?, lease_until = ?, status = ?, error = NULL, "
                f"updated_at = ? WHERE id = (SELECT id FROM backfills WHERE {where} "
                f"ORDER BY id LIMIT 1) RETURNING {_COLUMNS}",
                (
                    node,
                    to_micros(now + lease),
                    RUNNING,
                    to_micros(now),
                    *args,
                    to_micros(now),
                ),
            ).fetchone()
            return None if row is None else _run(row)

        return await self._write(fn)

    async def save_backfill_progress(
        self, backfill_id: int, node: str, progress: BackfillProgress, lease: timedelta
    ) -> bool:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> bool:
            changed: int = conn.execute(
                "UPDATE backfills SET cursor = ?, items = ?, events_added = ?, duplicates = ?, "
                "lease_until = ?, updated_at = ? WHERE id = ? AND node = ? AND status = ?",
                (
                    orjson.dumps(progress.cursor).decode(),
                    progress.items,
                    progress.events_added,
                    progress.duplicates,
                    to_micros(now + lease),
                    to_micros(now),
                    backfill_id,
                    node,
                    RUNNING,
                ),
            ).rowcount
            return changed == 1

        return await self._write(fn)

    async def finish_backfill(
        self, backfill_id: int, node: str, status: str, error: str | None = None
    ) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE backfills SET status = ?, error = ?, node = NULL, lease_until = NULL, "
                "token_sealed = CASE WHEN ? THEN NULL ELSE token_sealed END, updated_at = ? "
                "WHERE id = ? AND node = ?",
                (status, error, status == DONE, to_micros(utcnow()), backfill_id, node),
            )

        await self._write(fn)

    async def deliveries_with_events(self, delivery_ids: Sequence[int]) -> int:
        ids = list(delivery_ids)

        def fn(conn: sqlite3.Connection) -> int:
            found = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found += conn.execute(
                    "SELECT count(DISTINCT delivery_id) FROM events "
                    f"WHERE delivery_id IN ({marks})",
                    chunk,
                ).fetchone()[0]
            return found

        return await self._read(fn)
