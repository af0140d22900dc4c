"""PostgreSQL: workspaces' settings, retention pruning, cluster-wide jobs, bus lookups."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from echodash.events import Event
from echodash.store.base import JobRun, StoreUnavailableError, WorkspaceRecord
from echodash.store.postgres_access import OUTAGES, Conn, PgAccess, release_quietly
from echodash.store.postgres_sql import EVENT_COLUMNS, LOCK_SPACE, clean, event_from_row

_WORKSPACE_COLUMNS = "id, name, retention_days, created_at"


def _workspace(row: Any) -> WorkspaceRecord:
    return WorkspaceRecord(row[0], row[1], row[2], row[3])


class PgUpkeep(PgAccess):
    async def get_workspace(self, workspace_id: int) -> WorkspaceRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces WHERE id = $1", workspace_id
            )
        )
        return _workspace(row) if row else None

    async def list_workspaces(self) -> list[WorkspaceRecord]:
        rows = await self._run(
            lambda c: c.fetch(f"SELECT {_WORKSPACE_COLUMNS} FROM workspaces ORDER BY id")
        )
        return [_workspace(r) for r in rows]

    async def set_retention(self, workspace_id: int, days: int | None) -> WorkspaceRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                "UPDATE workspaces SET retention_days = $1 WHERE id = $2 "
                f"RETURNING {_WORKSPACE_COLUMNS}",
                days,
                workspace_id,
            )
        )
        return _workspace(row) if row else None

    async def events_by_ids(self, ids: Sequence[int]) -> list[Event]:
        if not ids:
            return []
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ANY($1::bigint[]) ORDER BY id",
                list(ids),
            )
        )
        return [event_from_row(r) for r in rows]

    async def prune_workspace(self, workspace_id: int, before: datetime, limit: int) -> int:
        async def fn(conn: Conn) -> int:
            removed = 0
            for table in ("events", "deliveries"):
                status = await conn.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} "
                    "WHERE workspace_id = $1 AND received_at < $2 ORDER BY id LIMIT $3)",
                    workspace_id,
                    before,
                    limit,
                )
                removed += int(str(status).rsplit(" ", 1)[-1])
            return removed

        return await self._tx(fn)

    def job_lease(self, name: str, every: timedelta) -> AbstractAsyncContextManager[bool]:
        return self._lease(name, every)

    @contextlib.asynccontextmanager
    async def _lease(self, name: str, every: timedelta) -> AsyncIterator[bool]:
        try:
            conn = await self._pool.acquire()
        except OUTAGES as exc:
            raise StoreUnavailableError(f"the database is unavailable: {exc}") from exc
        key = ("SELECT pg_try_advisory_lock($1, hashtext($2))", LOCK_SPACE, f"job:{name}")
        locked = False
        try:
            try:
                # Held while the job runs: a run that outlasts `every` is never joined by a
                # second one. A node that dies drops its connection, and with it the lock.
                locked = bool(await conn.fetchval(*key))
                mine = locked and await self._claim(conn, name, every)
            except OUTAGES as exc:
                raise StoreUnavailableError(f"the database is unavailable: {exc}") from exc
            yield mine
        finally:
            try:
                if locked:
                    await conn.execute(
                        "SELECT pg_advisory_unlock($1, hashtext($2))", LOCK_SPACE, f"job:{name}"
                    )
            except OUTAGES:
                pass
            finally:
                await release_quietly(self._pool, conn)

    @staticmethod
    async def _claim(conn: Conn, name: str, every: timedelta) -> bool:
        # The database's clock, not the node's: nodes' clocks may disagree.
        await conn.execute(
            "INSERT INTO job_schedule (name, due_at) VALUES ($1, '-infinity') "
            "ON CONFLICT (name) DO NOTHING",
            name,
        )
        claimed = await conn.fetchval(
            "UPDATE job_schedule SET due_at = clock_timestamp() + $2 "
            "WHERE name = $1 AND due_at <= clock_timestamp() RETURNING true",
            name,
            every,
        )
        return bool(claimed)

    async def record_job_run(self, run: JobRun) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO job_runs (name, node, started_at, finished_at, detail) "
                "VALUES ($1, $2, $3, $4, $5)",
                run.name,
                clean(run.node),
                run.started_at,
                run.finished_at,
                clean(run.detail),
            )
        )

    async def job_runs(self, name: str, limit: int) -> list[JobRun]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT name, node, started_at, finished_at, detail FROM job_runs "
                "WHERE name = $1 ORDER BY id DESC LIMIT $2",
                name,
                limit,
            )
        )
        return [JobRun(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def event_counts(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[tuple[str, str, str, int]]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT source, type, severity, count(*) FROM events "
                "WHERE workspace_id = $1 AND received_at >= $2 AND received_at < $3 "
                "GROUP BY source, type, severity",
                workspace_id,
                since,
                until,
            )
        )
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    async def delivery_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        width = max(bucket.total_seconds(), 0.000001)
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT endpoint_id, floor(extract(epoch FROM received_at - $2) / $3)::int, "
                "count(*) FROM deliveries WHERE workspace_id = $1 AND received_at >= $2 "
                "AND received_at < $4 GROUP BY 1, 2",
                workspace_id,
                since,
                width,
                since + bucket * buckets,
            )
        )
        volume: dict[int, list[int]] = {}
        for endpoint_id, slot, count in rows:
            if 0 <= slot < buckets:
                volume.setdefault(endpoint_id, [0] * buckets)[slot] = int(count)
        return volume
