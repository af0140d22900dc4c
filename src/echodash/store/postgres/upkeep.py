"""PostgreSQL: retention pruning, cluster-wide jobs (advisory locks, the database's clock) and
the job log."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from echodash.events import Event
from echodash.store.base import (
    JobRun,
    StoredDelivery,
    StoreUnavailableError,
)
from echodash.store.postgres.connection import (
    OUTAGES,
    Conn,
    PgConnection,
    release_quietly,
)
from echodash.store.postgres.sql import (
    LOCK_SPACE,
    clean,
    jsonb,
)
from echodash.store.rows import (
    EVENT_AND_DELIVERY,
    EVENTS_AND_DELIVERIES,
    as_is,
    event_and_delivery,
    outcome_value,
)


class PgUpkeep(PgConnection):
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

    async def events_to_refill(
        self, after_id: int, until_id: int, limit: int
    ) -> list[tuple[Event, StoredDelivery | None]]:
        sql = (
            f"SELECT {EVENT_AND_DELIVERY} FROM {EVENTS_AND_DELIVERIES} "
            "WHERE e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3"
        )
        rows = await self._run(lambda c: c.fetch(sql, after_id, until_id, limit))
        return [event_and_delivery(row, as_is) for row in rows]

    async def count_events_between(self, after_id: int, until_id: int) -> int:
        found = await self._run(
            lambda c: c.fetchval(
                "SELECT count(*) FROM events WHERE id > $1 AND id <= $2", after_id, until_id
            )
        )
        return int(found)

    async def refill_vocabulary(
        self, events: Sequence[Event], meta_key: str, meta_value: str
    ) -> None:
        async def fn(conn: Conn) -> None:
            await conn.execute(
                "UPDATE events e SET category = t.ca, service = t.sv, environment = t.ev, "
                "outcome = t.ou, commits = t.cm, origin = t.og "
                "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], "
                "$6::jsonb[], $7::text[]) AS t(id, ca, sv, ev, ou, cm, og) WHERE e.id = t.id",
                [e.id for e in events],
                [e.category.value for e in events],
                [None if e.service is None else clean(e.service) for e in events],
                [None if e.environment is None else clean(e.environment) for e in events],
                [outcome_value(e.outcome) for e in events],
                [jsonb([clean(c) for c in e.commits]) for e in events],
                [e.origin.value for e in events],
            )
            await conn.execute(
                "INSERT INTO instance_meta (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                meta_key,
                meta_value,
            )

        await self._tx(fn)
