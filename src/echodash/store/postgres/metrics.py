"""PostgreSQL: metric facts, kept in the transaction that stores their events (under the
event writers' advisory lock, so one node at a time merges incidents)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from echodash.events import Event
from echodash.metrics.dora import Deployment, Incident, Push
from echodash.metrics.facts import DEFAULT_INCIDENT_LABEL
from echodash.metrics.product import Activity
from echodash.metrics.revenue import Snapshot
from echodash.metrics.settings import MetricSettings
from echodash.store.base.ingest import StoredDelivery
from echodash.store.base.metrics import (
    CommitRow,
    FactBatch,
    HeadRow,
    Relabel,
    collect_facts,
    discount_json,
    event_ids_json,
    fact_count,
    items_json,
    merge_marks,
    pushes_from,
    snapshot_from,
)
from echodash.store.postgres.connection import Conn, PgConnection, is_outage
from echodash.store.postgres.product_sql import (
    ACTIVE_GAPS,
    RETENTION,
    fetch_counted,
    funnel_sql,
)
from echodash.store.postgres.sql import (
    LOCK_EVENTS,
    LOCK_SPACE,
    clean,
)
from echodash.store.rows import EVENT_AND_DELIVERY, EVENTS_AND_DELIVERIES, as_is, event_and_delivery

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


def _most_first(pair: tuple[str, int]) -> tuple[int, str]:
    return -pair[1], pair[0]


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


def _text(value: str | None) -> str | None:
    return None if value is None else clean(value)


async def _upsert(
    conn: Conn,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Any, ...]],
    conflict: str,
) -> None:
    """Insert `rows` as column arrays in one statement (keys are unique within a batch)."""
    names = ", ".join(name for name, _type in columns)
    arrays = ", ".join(f"${n}::{kind}[]" for n, (_name, kind) in enumerate(columns, start=1))
    await conn.execute(
        f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT {conflict}",
        *([list(column) for column in zip(*rows, strict=True)]),
    )


async def _write(conn: Conn, batch: FactBatch) -> None:
    if batch.deployments:
        await _upsert(
            conn,
            "metric_deployments",
            [
                ("workspace_id", "bigint"),
                ("key", "text"),
                ("service", "text"),
                ("environment", "text"),
                ("at", "timestamptz"),
                ("sha", "text"),
                ("ref", "text"),
                ("event_id", "bigint"),
            ],
            [
                (
                    w,
                    clean(d.key),
                    clean(d.service),
                    clean(d.environment),
                    d.at,
                    _text(d.sha),
                    _text(d.ref),
                    d.event_id,
                )
                for w, d in batch.deployments.values()
            ],
            "(workspace_id, key) DO UPDATE SET service = excluded.service, "
            "environment = excluded.environment, at = excluded.at, sha = excluded.sha, "
            "ref = excluded.ref, event_id = excluded.event_id "
            "WHERE excluded.at < metric_deployments.at",
        )
    if batch.commits:
        await _upsert(
            conn,
            "metric_commits",
            [
                ("workspace_id", "bigint"),
                ("service", "text"),
                ("ref", "text"),
                ("sha", "text"),
                ("committed_at", "timestamptz"),
                ("pushed_at", "timestamptz"),
                ("event_id", "bigint"),
            ],
            [
                (
                    c.workspace_id,
                    clean(c.service),
                    clean(c.ref),
                    clean(c.sha),
                    c.committed_at,
                    c.pushed_at,
                    c.event_id,
                )
                for c in batch.commits.values()
            ],
            "(workspace_id, service, ref, sha) DO UPDATE SET "
            "committed_at = excluded.committed_at, pushed_at = excluded.pushed_at, "
            "event_id = excluded.event_id WHERE excluded.pushed_at < metric_commits.pushed_at",
        )
    if batch.heads:
        await _upsert(
            conn,
            "metric_push_heads",
            [
                ("workspace_id", "bigint"),
                ("service", "text"),
                ("ref", "text"),
                ("head", "text"),
                ("at", "timestamptz"),
                ("event_id", "bigint"),
            ],
            [
                (h.workspace_id, clean(h.service), clean(h.ref), clean(h.head), h.at, h.event_id)
                for h in batch.heads.values()
            ],
            "(workspace_id, service, ref, head) DO UPDATE SET at = excluded.at, "
            "event_id = excluded.event_id WHERE excluded.at < metric_push_heads.at",
        )
    if batch.marks:
        keys = sorted({(w, clean(m.key)) for w, m in batch.marks})
        rows = await conn.fetch(
            f"SELECT workspace_id, {_INCIDENT_COLUMNS} FROM metric_incidents "
            "WHERE (workspace_id, key) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        current = {(r[0], r[1]): _incident(r[1:]) for r in rows}
        marks = [
            (w, replace(m, key=clean(m.key), service=clean(m.service))) for w, m in batch.marks
        ]
        merged = merge_marks(current, marks)
        await _upsert(
            conn,
            "metric_incidents",
            [
                ("workspace_id", "bigint"),
                ("key", "text"),
                ("service", "text"),
                ("start_at", "timestamptz"),
                ("end_at", "timestamptz"),
                ("root_cause", "text"),
                ("event_ids", "text"),
            ],
            [
                (w, i.key, i.service, i.start, i.end, _text(i.root_cause), event_ids_json(i))
                for (w, _k), i in merged.items()
            ],
            "(workspace_id, key) DO UPDATE SET service = excluded.service, "
            "start_at = excluded.start_at, end_at = excluded.end_at, "
            "root_cause = excluded.root_cause, event_ids = excluded.event_ids",
        )
    if batch.snapshots:
        await _upsert(
            conn,
            "metric_snapshots",
            [
                ("workspace_id", "bigint"),
                ("key", "text"),
                ("subscription", "text"),
                ("customer", "text"),
                ("currency", "text"),
                ("status", "text"),
                ("created", "timestamptz"),
                ("items", "text"),
                ("discount", "text"),
                ("event_id", "bigint"),
            ],
            [
                (
                    w,
                    clean(key),
                    clean(s.subscription),
                    clean(s.customer),
                    clean(s.currency),
                    clean(s.status),
                    s.created,
                    clean(items_json(s)),
                    _text(discount_json(s)),
                    s.event_id,
                )
                for (_w, key), (w, s) in batch.snapshots.items()
            ],
            "(workspace_id, key) DO NOTHING",
        )
    if batch.activity:
        await _upsert(
            conn,
            "metric_activity",
            [
                ("workspace_id", "bigint"),
                ("key", "text"),
                ("distinct_id", "text"),
                ("name", "text"),
                ("at", "timestamptz"),
                ("day", "text"),
                ("score", "double precision"),
                ("event_id", "bigint"),
            ],
            [
                (
                    w,
                    clean(key),
                    clean(a.distinct_id),
                    clean(a.name),
                    a.at,
                    a.at.date().isoformat(),
                    a.score,
                    a.event_id,
                )
                for (_w, key), (w, a) in batch.activity.items()
            ],
            "(workspace_id, key) DO NOTHING",
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
    async def keep_metric_facts(
        self,
        pairs: Sequence[tuple[Event, StoredDelivery | None]],
        incident_labels: Mapping[int, str] | None = None,
    ) -> int:
        batch = collect_facts(pairs, incident_labels=incident_labels)

        async def fn(conn: Conn) -> None:
            # Incidents merge: one writer at a time, as when events are stored.
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            await _write(conn, batch)

        if batch:
            await self._tx(fn)
        return fact_count(batch)

    async def clear_metric_incidents(self, workspace_id: int, key_prefixes: Sequence[str]) -> None:
        async def fn(conn: Conn) -> None:
            # Incidents merge under the event writers' lock: so are they forgotten.
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            await conn.execute(
                "DELETE FROM metric_incidents WHERE workspace_id = $1 AND key ^@ ANY($2::text[])",
                workspace_id,
                list(key_prefixes),
            )

        await self._tx(fn)

    async def events_of_kind(
        self, workspace_id: int, source: str, kind: str, after_id: int, until_id: int, limit: int
    ) -> list[tuple[Event, StoredDelivery | None]]:
        # The type range [kind., kind/) holds every `kind.…` ('/' sorts right after '.').
        sql = (
            f"SELECT {EVENT_AND_DELIVERY} FROM {EVENTS_AND_DELIVERIES} "
            "WHERE e.workspace_id = $1 AND e.source = $2 "
            'AND (e.type = $3 OR (e.type COLLATE "C" >= $4 AND e.type COLLATE "C" < $5)) '
            "AND e.id > $6 AND e.id <= $7 ORDER BY e.id LIMIT $8"
        )
        rows = await self._run(
            lambda c: c.fetch(
                sql,
                workspace_id,
                clean(source),
                clean(kind),
                clean(kind) + ".",
                clean(kind) + "/",
                after_id,
                until_id,
                limit,
            )
        )
        return [event_and_delivery(row, as_is) for row in rows]

    async def get_metric_settings(self, workspace_id: int) -> MetricSettings:
        row = await self._run(
            lambda c: c.fetchrow(
                "SELECT production_environment, incident_label, timezone, currency "
                "FROM metric_settings WHERE workspace_id = $1",
                workspace_id,
            )
        )
        return MetricSettings() if row is None else MetricSettings(*row)

    async def set_metric_settings(self, workspace_id: int, settings: MetricSettings) -> bool:
        async def fn(conn: Conn) -> bool:
            # One change at a time per workspace: the label's version counts every change.
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                LOCK_SPACE,
                f"metric-settings:{workspace_id}",
            )
            before = await conn.fetchval(
                "SELECT incident_label FROM metric_settings WHERE workspace_id = $1",
                workspace_id,
            )
            relabel = (before or DEFAULT_INCIDENT_LABEL) != settings.incident_label
            await conn.execute(
                "INSERT INTO metric_settings (workspace_id, production_environment, "
                "incident_label, timezone, currency, label_version, label_changed_at, "
                "updated_at) VALUES ($1, $2, $3, $4, $5, $6::bigint, "
                "CASE WHEN $6::bigint > 0 THEN now() ELSE 'epoch'::timestamptz END, now()) "
                "ON CONFLICT (workspace_id) DO UPDATE "
                "SET production_environment = excluded.production_environment, "
                "incident_label = excluded.incident_label, timezone = excluded.timezone, "
                "currency = excluded.currency, updated_at = excluded.updated_at, "
                "label_version = metric_settings.label_version + excluded.label_version, "
                "label_changed_at = CASE WHEN excluded.label_version > 0 "
                "THEN excluded.label_changed_at ELSE metric_settings.label_changed_at END",
                workspace_id,
                settings.production,
                settings.incident_label,
                settings.timezone,
                settings.currency,
                int(relabel),
            )
            return relabel

        return await self._tx(fn)

    async def incident_labels(self) -> dict[int, str]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT workspace_id, incident_label FROM metric_settings "
                "WHERE incident_label <> $1",
                DEFAULT_INCIDENT_LABEL,
            )
        )
        return {int(r[0]): str(r[1]) for r in rows}

    async def pending_relabels(self) -> list[Relabel]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT workspace_id, incident_label, label_version, label_changed_at "
                "FROM metric_settings WHERE facts_version < label_version ORDER BY workspace_id"
            )
        )
        return [Relabel(int(r[0]), str(r[1]), int(r[2]), r[3]) for r in rows]

    async def finish_relabel(self, workspace_id: int, version: int) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE metric_settings SET facts_version = $2 "
                "WHERE workspace_id = $1 AND facts_version < $2",
                workspace_id,
                version,
            )
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
        *,
        ordered: bool = True,
    ) -> list[Activity]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT distinct_id, name, at, event_id, score FROM metric_activity "
                "WHERE workspace_id = $1 AND at < $2 AND ($3::timestamptz IS NULL OR at >= $3) "
                "AND ($4::text[] IS NULL OR name = ANY($4::text[]))"
                + (" ORDER BY at, event_id" if ordered else ""),
                workspace_id,
                until,
                since,
                # Names were stored cleaned (no NUL): asked for the same way, they match.
                None if names is None else [clean(n) for n in names],
            )
        )
        return [Activity(*r) for r in rows]

    async def metric_activity_overview(
        self, workspace_id: int, since: datetime, until: datetime, name: str | None = None
    ) -> tuple[list[tuple[str, int]], int]:
        async def fn(c: Conn) -> tuple[list[tuple[str, int]], int]:
            rows = await c.fetch(
                "SELECT name, count(*) AS n FROM metric_activity WHERE workspace_id = $1 "
                "AND at >= $2 AND at < $3 GROUP BY name",
                workspace_id,
                since,
                until,
            )
            people = await c.fetchval(
                "SELECT count(DISTINCT distinct_id) FROM metric_activity WHERE workspace_id = $1 "
                "AND at >= $2 AND at < $3 AND ($4::text IS NULL OR name = $4)",
                workspace_id,
                since,
                until,
                None if name is None else clean(name),
            )
            # Ties by code point, as on every backend (not by the database's collation).
            counts = sorted(((row["name"], int(row["n"])) for row in rows), key=_most_first)
            return counts, int(people)

        return await self._run(fn)

    async def metric_score_counts(
        self, workspace_id: int, since: datetime, until: datetime, name: str
    ) -> dict[float, int]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT score, count(*) FROM metric_activity WHERE workspace_id = $1 "
                "AND name = $2 AND at >= $3 AND at < $4 AND score IS NOT NULL GROUP BY score",
                workspace_id,
                clean(name),
                since,
                until,
            )
        )
        return {float(score): n for score, n in rows}

    async def metric_firsts(
        self, workspace_id: int, first: str, then: str | None, until: datetime
    ) -> list[tuple[str, datetime, datetime | None]]:
        rows = await self._run(
            lambda c: c.fetch(
                "WITH firsts AS (SELECT distinct_id, min(at) AS at FROM metric_activity "
                "WHERE workspace_id = $1 AND name = $2 AND at < $4 GROUP BY distinct_id) "
                "SELECT f.distinct_id, f.at, min(a.at) FROM firsts f "
                "LEFT JOIN metric_activity a ON a.workspace_id = $1 AND a.name = $3 "
                "AND a.distinct_id = f.distinct_id AND a.at >= f.at AND a.at < $4 "
                "GROUP BY f.distinct_id, f.at"
                if then is not None
                else "SELECT distinct_id, min(at), NULL::timestamptz FROM metric_activity "
                "WHERE workspace_id = $1 AND name = $2 AND $3::text IS NULL AND at < $4 "
                "GROUP BY distinct_id",
                workspace_id,
                clean(first),
                None if then is None else clean(then),
                until,
            )
        )
        return [(person, at, later) for person, at, later in rows]

    async def metric_active_gaps(
        self,
        workspace_id: int,
        since: datetime,
        until: datetime,
        names: Sequence[str] | None = None,
        zone: str = "UTC",
    ) -> list[tuple[date, int, int]]:
        asked = None if names is None else [clean(n) for n in names]
        rows = await self._run(
            lambda c: fetch_counted(c, ACTIVE_GAPS, workspace_id, since, until, asked, zone)
        )
        return [(d, gap, n) for d, gap, n in rows]

    async def metric_retention_counts(
        self,
        workspace_id: int,
        start_event: str,
        return_event: str,
        period: str,
        since: datetime,
        until: datetime,
        zone: str = "UTC",
    ) -> list[tuple[date, int | None, int]]:
        rows = await self._run(
            lambda c: fetch_counted(
                c,
                RETENTION,
                workspace_id,
                clean(start_event),
                clean(return_event),
                period,
                since,
                until,
                zone,
            )
        )
        return [(start, n, people) for start, n, people in rows]

    async def metric_funnel_paths(
        self,
        workspace_id: int,
        steps: Sequence[str],
        since: datetime,
        until: datetime,
        window: timedelta,
    ) -> list[tuple[int | None, ...]]:
        sql = funnel_sql(steps)
        names = [clean(s) for s in steps]
        rows = await self._run(
            lambda c: fetch_counted(c, sql, workspace_id, since, until, window, *names)
        )
        return [tuple(r) for r in rows]
