"""SQLite: workspaces' settings, retention pruning, the job schedule and log, bus lookups."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from echodash.events import Event, utcnow
from echodash.store.base import JobRun, WorkspaceRecord
from echodash.store.rows import EVENT_COLUMNS, event_from_row, from_micros, to_micros
from echodash.store.sqlite_access import SqliteAccess

_WORKSPACE_COLUMNS = "id, name, retention_days, created_at"


def _workspace(row: Any) -> WorkspaceRecord:
    return WorkspaceRecord(row[0], row[1], row[2], from_micros(row[3]))


class SqliteUpkeep(SqliteAccess):
    async def get_workspace(self, workspace_id: int) -> WorkspaceRecord | None:
        def fn(conn: sqlite3.Connection) -> WorkspaceRecord | None:
            row = conn.execute(
                f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces WHERE id = ?", (workspace_id,)
            ).fetchone()
            return _workspace(row) if row else None

        return await self._read(fn)

    async def list_workspaces(self) -> list[WorkspaceRecord]:
        return await self._read(
            lambda c: [
                _workspace(r)
                for r in c.execute(f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces ORDER BY id")
            ]
        )

    async def set_retention(self, workspace_id: int, days: int | None) -> WorkspaceRecord | None:
        def fn(conn: sqlite3.Connection) -> WorkspaceRecord | None:
            row = conn.execute(
                f"UPDATE workspaces SET retention_days = ? WHERE id = ? "
                f"RETURNING {_WORKSPACE_COLUMNS}",
                (days, workspace_id),
            ).fetchone()
            return _workspace(row) if row else None

        return await self._write(fn)

    async def events_by_ids(self, ids: Sequence[int]) -> list[Event]:
        if not ids:
            return []
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        return await self._read(
            lambda c: [
                event_from_row(r)
                for r in c.execute(
                    f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({marks}) ORDER BY id", wanted
                )
            ]
        )

    async def prune_workspace(self, workspace_id: int, before: datetime, limit: int) -> int:
        cutoff = to_micros(before)

        def fn(conn: sqlite3.Connection) -> int:
            removed = 0
            for table in ("events", "deliveries"):
                removed += conn.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} "
                    "WHERE workspace_id = ? AND received_at < ? ORDER BY id LIMIT ?)",
                    (workspace_id, cutoff, limit),
                ).rowcount
            return removed

        return await self._write(fn)

    def job_lease(self, name: str, every: timedelta) -> AbstractAsyncContextManager[bool]:
        return self._lease(name, every)

    @contextlib.asynccontextmanager
    async def _lease(self, name: str, every: timedelta) -> AsyncIterator[bool]:
        now = utcnow()

        def claim(conn: sqlite3.Connection) -> bool:
            # One statement: whoever moves the due time forward first runs the job. SQLite
            # serializes writers, so two processes sharing the file never both claim it.
            conn.execute(
                "INSERT INTO job_schedule (name, due_at) VALUES (?, 0) "
                "ON CONFLICT (name) DO NOTHING",
                (name,),
            )
            return (
                conn.execute(
                    "UPDATE job_schedule SET due_at = ? WHERE name = ? AND due_at <= ?",
                    (to_micros(now + every), name, to_micros(now)),
                ).rowcount
                == 1
            )

        yield await self._write(claim)

    async def record_job_run(self, run: JobRun) -> None:
        await self._write(
            lambda c: c.execute(
                "INSERT INTO job_runs (name, node, started_at, finished_at, detail) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    run.name,
                    run.node,
                    to_micros(run.started_at),
                    to_micros(run.finished_at),
                    run.detail,
                ),
            )
        )

    async def job_runs(self, name: str, limit: int) -> list[JobRun]:
        return await self._read(
            lambda c: [
                JobRun(r[0], r[1], from_micros(r[2]), from_micros(r[3]), r[4])
                for r in c.execute(
                    "SELECT name, node, started_at, finished_at, detail FROM job_runs "
                    "WHERE name = ? ORDER BY id DESC LIMIT ?",
                    (name, limit),
                )
            ]
        )

    async def event_counts(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[tuple[str, str, str, int]]:
        return await self._read(
            lambda c: [
                (r[0], r[1], r[2], int(r[3]))
                for r in c.execute(
                    "SELECT source, type, severity, count(*) FROM events "
                    "WHERE workspace_id = ? AND received_at >= ? AND received_at < ? "
                    "GROUP BY source, type, severity",
                    (workspace_id, to_micros(since), to_micros(until)),
                )
            ]
        )

    async def delivery_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        start = to_micros(since)
        width = max(1, int(bucket.total_seconds() * 1_000_000))
        end = start + width * buckets

        def fn(conn: sqlite3.Connection) -> dict[int, list[int]]:
            volume: dict[int, list[int]] = {}
            for endpoint_id, slot, count in conn.execute(
                "SELECT endpoint_id, (received_at - ?) / ?, count(*) FROM deliveries "
                "WHERE workspace_id = ? AND received_at >= ? AND received_at < ? "
                "GROUP BY 1, 2",
                (start, width, workspace_id, start, end),
            ):
                volume.setdefault(endpoint_id, [0] * buckets)[int(slot)] = int(count)
            return volume

        return await self._read(fn)
