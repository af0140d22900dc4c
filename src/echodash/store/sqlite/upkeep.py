"""SQLite: retention pruning, the job schedule and the job log."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from echodash.events import Event, clean_text, utcnow
from echodash.store.base import JobRun, StoredDelivery
from echodash.store.rows import (
    EVENT_AND_DELIVERY,
    EVENTS_AND_DELIVERIES,
    dumps,
    event_and_delivery,
    from_micros,
    outcome_value,
    to_micros,
)
from echodash.store.sqlite.connection import SqliteConnection


class SqliteUpkeep(SqliteConnection):
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

    async def events_to_refill(
        self, after_id: int, until_id: int, limit: int
    ) -> list[tuple[Event, StoredDelivery | None]]:
        sql = (
            f"SELECT {EVENT_AND_DELIVERY} FROM {EVENTS_AND_DELIVERIES} "
            "WHERE e.id > ? AND e.id <= ? ORDER BY e.id LIMIT ?"
        )
        return await self._read(
            lambda c: [event_and_delivery(r) for r in c.execute(sql, (after_id, until_id, limit))]
        )

    async def count_events_between(self, after_id: int, until_id: int) -> int:
        return await self._read(
            lambda c: int(
                c.execute(
                    "SELECT count(*) FROM events WHERE id > ? AND id <= ?", (after_id, until_id)
                ).fetchone()[0]
            )
        )

    async def refill_vocabulary(
        self, events: Sequence[Event], meta_key: str, meta_value: str
    ) -> None:
        rows = [
            (
                e.category.value,
                None if e.service is None else clean_text(e.service),
                None if e.environment is None else clean_text(e.environment),
                outcome_value(e.outcome),
                dumps([clean_text(c) for c in e.commits]),
                e.origin.value,
                e.id,
            )
            for e in events
        ]

        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE events SET category = ?, service = ?, environment = ?, outcome = ?, "
                "commits = ?, origin = ? WHERE id = ?",
                rows,
            )
            conn.execute(
                "INSERT INTO instance_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (meta_key, meta_value),
            )

        await self._write(fn)
