"""PostgreSQL: metric facts, kept in the transaction that stores their events (under the
event writers' advisory lock, so one node at a time merges incidents)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from echodash.events import Event
from echodash.metrics.dora import Deployment, Incident, Push
from echodash.metrics.product import Activity
from echodash.metrics.revenue import Snapshot
from echodash.store.base.ingest import StoredDelivery
from echodash.store.base.metrics import (
    CommitRow,
    FactBatch,
    HeadRow,
    collect_facts,
    discount_json,
    event_ids_json,
    items_json,
    merge_marks,
    pushes_from,
    snapshot_from,
)
from echodash.store.postgres.connection import Conn, PgConnection, is_outage
from echodash.store.postgres.sql import LOCK_EVENTS, LOCK_SPACE

log = logging.getLogger("echodash.store")

_TABLES = (
    "metric_deployments",
    "metric_commits",
    "metric_push_heads",
    "metric_incidents",
    "metric_snapshots",
    "metric_activity",
)
_INCIDENT_COLUMNS = "key, service, start_at, end_at, root_cause, event_ids"


async def keep_facts(conn: Conn, batch: FactBatch) -> None:
    """Write one batch's facts inside the caller's transaction (which holds the event
    writers' lock): one statement per table. A failure undoes only the facts (logged)."""
    if not batch:
        return
    try:
        async with conn.transaction():  # a savepoint
            await _write(conn, batch)
    except Exception as exc:
        if is_outage(exc):
            raise
        log.error("metric facts could not be kept: %r", exc)


async def _write(conn: Conn, batch: FactBatch) -> None:
    if batch.deployments:
        await conn.executemany(
            "INSERT INTO metric_deployments (workspace_id, key, service, environment, at, sha, "
            "ref, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (workspace_id, key) DO UPDATE SET service = excluded.service, "
            "environment = excluded.environment, at = excluded.at, sha = excluded.sha, "
            "ref = excluded.ref, event_id = excluded.event_id "
            "WHERE excluded.at < metric_deployments.at",
            [
                (w, d.key, d.service, d.environment, d.at, d.sha, d.ref, d.event_id)
                for w, d in batch.deployments.values()
            ],
        )
    if batch.commits:
        await conn.executemany(
            "INSERT INTO metric_commits (workspace_id, service, ref, sha, committed_at, "
            "pushed_at, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (workspace_id, service, ref, sha) DO UPDATE SET "
            "committed_at = excluded.committed_at, pushed_at = excluded.pushed_at, "
            "event_id = excluded.event_id WHERE excluded.pushed_at < metric_commits.pushed_at",
            [
                (c.workspace_id, c.service, c.ref, c.sha, c.committed_at, c.pushed_at, c.event_id)
                for c in batch.commits.values()
            ],
        )
    if batch.heads:
        await conn.executemany(
            "INSERT INTO metric_push_heads (workspace_id, service, ref, head, at, event_id) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, service, ref, head) "
            "DO UPDATE SET at = excluded.at, event_id = excluded.event_id "
            "WHERE excluded.at < metric_push_heads.at",
            [
                (h.workspace_id, h.service, h.ref, h.head, h.at, h.event_id)
                for h in batch.heads.values()
            ],
        )
    if batch.marks:
        keys = sorted({(w, m.key) for w, m in batch.marks})
        rows = await conn.fetch(
            f"SELECT workspace_id, {_INCIDENT_COLUMNS} FROM metric_incidents "
            "WHERE (workspace_id, key) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        current = {(r[0], r[1]): _incident(r[1:]) for r in rows}
        merged = merge_marks(current, batch.marks)
        await conn.executemany(
            "INSERT INTO metric_incidents (workspace_id, key, service, start_at, end_at, "
            "root_cause, event_ids) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (workspace_id, key) DO UPDATE SET service = excluded.service, "
            "start_at = excluded.start_at, end_at = excluded.end_at, "
            "root_cause = excluded.root_cause, event_ids = excluded.event_ids",
            [
                (w, i.key, i.service, i.start, i.end, i.root_cause, event_ids_json(i))
                for (w, _k), i in merged.items()
            ],
        )
    if batch.snapshots:
        await conn.executemany(
            "INSERT INTO metric_snapshots (workspace_id, key, subscription, customer, currency, "
            "status, created, items, discount, event_id) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
            "ON CONFLICT (workspace_id, key) DO NOTHING",
            [
                (
                    w,
                    key,
                    s.subscription,
                    s.customer,
                    s.currency,
                    s.status,
                    s.created,
                    items_json(s),
                    discount_json(s),
                    s.event_id,
                )
                for (_w, key), (w, s) in batch.snapshots.items()
            ],
        )
    if batch.activity:
        await conn.executemany(
            "INSERT INTO metric_activity (workspace_id, key, distinct_id, name, at, day, score, "
            "event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (workspace_id, key) DO NOTHING",
            [
                (w, key, a.distinct_id, a.name, a.at, a.at.date().isoformat(), a.score, a.event_id)
                for (_w, key), (w, a) in batch.activity.items()
            ],
        )


def _incident(row: Any) -> Incident:
    key, service, start, end, cause, ids = row
    return Incident(
        key=key,
        service=service,
        start=start,
        end=end,
        root_cause=cause,
        event_ids=tuple(orjson.loads(ids)),
    )


class PgMetrics(PgConnection):
    async def keep_metric_facts(self, pairs: Sequence[tuple[Event, StoredDelivery | None]]) -> int:
        batch = collect_facts(pairs)

        async def fn(conn: Conn) -> None:
            # Incidents merge: one writer at a time, as when events are stored.
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            await _write(conn, batch)

        if batch:
            await self._tx(fn)
        return (
            len(batch.deployments)
            + len(batch.commits)
            + len(batch.heads)
            + len(batch.marks)
            + len(batch.snapshots)
            + len(batch.activity)
        )

    async def clear_metric_facts(self, workspace_id: int | None = None) -> None:
        async def fn(conn: Conn) -> None:
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            for table in _TABLES:
                if workspace_id is None:
                    await conn.execute(f"DELETE FROM {table}")
                else:
                    await conn.execute(f"DELETE FROM {table} WHERE workspace_id = $1", workspace_id)

        await self._tx(fn)

    async def metric_deployments(self, workspace_id: int, until: datetime) -> list[Deployment]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT key, service, environment, at, sha, ref, event_id FROM metric_deployments "
                "WHERE workspace_id = $1 AND at < $2 ORDER BY at, key",
                workspace_id,
                until,
            )
        )
        return [Deployment(*r) for r in rows]

    async def metric_pushes(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[Push]:
        async def fn(conn: Conn) -> list[Push]:
            commits = [
                CommitRow(workspace_id, *r)
                for r in await conn.fetch(
                    "SELECT service, ref, sha, committed_at, pushed_at, event_id "
                    "FROM metric_commits WHERE workspace_id = $1 AND pushed_at >= $2 "
                    "AND pushed_at < $3",
                    workspace_id,
                    since,
                    until,
                )
            ]
            heads = [
                HeadRow(workspace_id, *r)
                for r in await conn.fetch(
                    "SELECT service, ref, head, at, event_id FROM metric_push_heads "
                    "WHERE workspace_id = $1 AND at >= $2 AND at < $3",
                    workspace_id,
                    since,
                    until,
                )
            ]
            return pushes_from(commits, heads)

        return await self._run(fn)

    async def metric_incidents(self, workspace_id: int, until: datetime) -> list[Incident]:
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {_INCIDENT_COLUMNS} FROM metric_incidents "
                "WHERE workspace_id = $1 AND start_at < $2 ORDER BY start_at, key",
                workspace_id,
                until,
            )
        )
        return [_incident(r) for r in rows]

    async def metric_snapshots(self, workspace_id: int, until: datetime) -> list[Snapshot]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT subscription, customer, currency, status, created, items, discount, "
                "event_id FROM metric_snapshots WHERE workspace_id = $1 AND created < $2 "
                "ORDER BY created, event_id",
                workspace_id,
                until,
            )
        )
        return [snapshot_from(*r) for r in rows]

    async def metric_activity(
        self,
        workspace_id: int,
        since: datetime | None,
        until: datetime,
        names: Sequence[str] | None = None,
    ) -> list[Activity]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT distinct_id, name, at, event_id, score FROM metric_activity "
                "WHERE workspace_id = $1 AND at < $2 AND ($3::timestamptz IS NULL OR at >= $3) "
                "AND ($4::text[] IS NULL OR name = ANY($4::text[])) ORDER BY at, event_id",
                workspace_id,
                until,
                since,
                None if names is None else list(names),
            )
        )
        return [Activity(*r) for r in rows]
