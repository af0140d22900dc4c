"""SQLite: metric facts, kept by the writer in the transaction that stores their events."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

import orjson

from echodash.events import Event, utcnow
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
from echodash.store.rows import (
    EVENT_AND_DELIVERY,
    EVENTS_AND_DELIVERIES,
    event_and_delivery,
    from_micros,
    to_micros,
)
from echodash.store.sqlite.connection import SqliteConnection
from echodash.store.sqlite.product_sql import (
    active_days_sql,
    activity_where,
    count_gaps,
    funnel_sql,
    period_of_key,
    retention_sql,
)
from echodash.store.sqlite.writer import is_store_error

log = logging.getLogger("echodash.store")

_TABLES = (
    "metric_deployments",
    "metric_commits",
    "metric_push_heads",
    "metric_incidents",
    "metric_snapshots",
    "metric_activity",
)


def keep_facts(conn: sqlite3.Connection, batch: FactBatch) -> None:
    """Write one batch's facts inside the caller's transaction: one statement per table. A
    failure undoes only the facts (logged), never the events."""
    if not batch:
        return
    conn.execute("SAVEPOINT metric_facts")
    try:
        _write(conn, batch)
    except BaseException as exc:
        if is_store_error(exc):
            raise
        conn.execute("ROLLBACK TO metric_facts")
        conn.execute("RELEASE metric_facts")
        log.error("metric facts could not be kept: %r", exc)
        return
    conn.execute("RELEASE metric_facts")


def _write(conn: sqlite3.Connection, batch: FactBatch) -> None:
    if batch.deployments:
        conn.executemany(
            "INSERT INTO metric_deployments (workspace_id, key, service, environment, at, sha, "
            "ref, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, key) "
            "DO UPDATE SET service = excluded.service, environment = excluded.environment, "
            "at = excluded.at, sha = excluded.sha, ref = excluded.ref, "
            "event_id = excluded.event_id WHERE excluded.at < metric_deployments.at",
            [
                (w, d.key, d.service, d.environment, to_micros(d.at), d.sha, d.ref, d.event_id)
                for w, d in batch.deployments.values()
            ],
        )
    if batch.commits:
        conn.executemany(
            "INSERT INTO metric_commits (workspace_id, service, ref, sha, committed_at, "
            "pushed_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (workspace_id, service, ref, sha) DO UPDATE SET "
            "committed_at = excluded.committed_at, pushed_at = excluded.pushed_at, "
            "event_id = excluded.event_id WHERE excluded.pushed_at < metric_commits.pushed_at",
            [
                (
                    c.workspace_id,
                    c.service,
                    c.ref,
                    c.sha,
                    to_micros(c.committed_at),
                    to_micros(c.pushed_at),
                    c.event_id,
                )
                for c in batch.commits.values()
            ],
        )
    if batch.heads:
        conn.executemany(
            "INSERT INTO metric_push_heads (workspace_id, service, ref, head, at, event_id) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, service, ref, head) "
            "DO UPDATE SET at = excluded.at, event_id = excluded.event_id "
            "WHERE excluded.at < metric_push_heads.at",
            [
                (h.workspace_id, h.service, h.ref, h.head, to_micros(h.at), h.event_id)
                for h in batch.heads.values()
            ],
        )
    if batch.marks:
        current: dict[tuple[int, str], Incident] = {}
        for workspace_id, key in {(w, m.key) for w, m in batch.marks}:
            row = conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM metric_incidents "
                "WHERE workspace_id = ? AND key = ?",
                (workspace_id, key),
            ).fetchone()
            if row is not None:
                current[(workspace_id, key)] = _incident(row)
        merged = merge_marks(current, batch.marks)
        conn.executemany(
            "INSERT INTO metric_incidents (workspace_id, key, service, start_at, end_at, "
            "root_cause, event_ids) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (workspace_id, key) DO UPDATE SET service = excluded.service, "
            "start_at = excluded.start_at, end_at = excluded.end_at, "
            "root_cause = excluded.root_cause, event_ids = excluded.event_ids",
            [
                (
                    w,
                    i.key,
                    i.service,
                    to_micros(i.start),
                    None if i.end is None else to_micros(i.end),
                    i.root_cause,
                    event_ids_json(i),
                )
                for (w, _k), i in merged.items()
            ],
        )
    if batch.snapshots:
        conn.executemany(
            "INSERT INTO metric_snapshots (workspace_id, key, subscription, customer, currency, "
            "status, created, items, discount, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (workspace_id, key) DO NOTHING",
            [
                (
                    w,
                    key,
                    s.subscription,
                    s.customer,
                    s.currency,
                    s.status,
                    to_micros(s.created),
                    items_json(s),
                    discount_json(s),
                    s.event_id,
                )
                for (_w, key), (w, s) in batch.snapshots.items()
            ],
        )
    if batch.activity:
        conn.executemany(
            "INSERT INTO metric_activity (workspace_id, key, distinct_id, name, at, day, score, "
            "event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, key) DO NOTHING",
            [
                (
                    w,
                    key,
                    a.distinct_id,
                    a.name,
                    to_micros(a.at),
                    a.at.date().isoformat(),
                    a.score,
                    a.event_id,
                )
                for (_w, key), (w, a) in batch.activity.items()
            ],
        )


_INCIDENT_COLUMNS = "key, service, start_at, end_at, root_cause, event_ids"
_DAY = 86_400_000_000  # microseconds: times are kept in UTC microseconds


def _incident(row: sqlite3.Row | tuple[object, ...]) -> Incident:
    key, service, start, end, cause, ids = row
    assert isinstance(start, int) and isinstance(ids, str)
    return Incident(
        key=str(key),
        service=str(service),
        start=from_micros(start),
        end=from_micros(end) if isinstance(end, int) else None,
        root_cause=cause if isinstance(cause, str) else None,
        event_ids=tuple(orjson.loads(ids)),
    )


class SqliteMetrics(SqliteConnection):
    async def keep_metric_facts(
        self,
        pairs: Sequence[tuple[Event, StoredDelivery | None]],
        incident_labels: Mapping[int, str] | None = None,
    ) -> int:
        batch = collect_facts(pairs, incident_labels=incident_labels)
        await self._write(lambda conn: keep_facts(conn, batch))
        return fact_count(batch)

    async def clear_metric_incidents(self, workspace_id: int, key_prefixes: Sequence[str]) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            for prefix in key_prefixes:
                conn.execute(
                    "DELETE FROM metric_incidents WHERE workspace_id = ? AND substr(key, 1, ?) = ?",
                    (workspace_id, len(prefix), prefix),
                )

        await self._write(fn)

    async def events_of_kind(
        self, workspace_id: int, source: str, kind: str, after_id: int, until_id: int, limit: int
    ) -> list[tuple[Event, StoredDelivery | None]]:
        # The type range [kind., kind/) holds every `kind.…` ('/' sorts right after '.').
        sql = (
            f"SELECT {EVENT_AND_DELIVERY} FROM {EVENTS_AND_DELIVERIES} "
            "WHERE e.workspace_id = ? AND e.source = ? "
            "AND (e.type = ? OR (e.type >= ? AND e.type < ?)) "
            "AND e.id > ? AND e.id <= ? ORDER BY e.id LIMIT ?"
        )
        params = (workspace_id, source, kind, kind + ".", kind + "/", after_id, until_id, limit)

        def fn(conn: sqlite3.Connection) -> list[tuple[Event, StoredDelivery | None]]:
            return [event_and_delivery(row) for row in conn.execute(sql, params)]

        return await self._read(fn)

    async def get_metric_settings(self, workspace_id: int) -> MetricSettings:
        def fn(conn: sqlite3.Connection) -> MetricSettings:
            row = conn.execute(
                "SELECT production_environment, incident_label, timezone, currency "
                "FROM metric_settings WHERE workspace_id = ?",
                (workspace_id,),
            ).fetchone()
            return MetricSettings() if row is None else MetricSettings(*row)

        return await self._read(fn)

    async def set_metric_settings(self, workspace_id: int, settings: MetricSettings) -> bool:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT incident_label FROM metric_settings WHERE workspace_id = ?",
                (workspace_id,),
            ).fetchone()
            before = DEFAULT_INCIDENT_LABEL if row is None else row[0]
            relabel = before != settings.incident_label
            conn.execute(
                "INSERT INTO metric_settings (workspace_id, production_environment, "
                "incident_label, timezone, currency, label_version, label_changed_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE "
                "SET production_environment = excluded.production_environment, "
                "incident_label = excluded.incident_label, timezone = excluded.timezone, "
                "currency = excluded.currency, updated_at = excluded.updated_at, "
                "label_version = metric_settings.label_version + excluded.label_version, "
                "label_changed_at = CASE WHEN excluded.label_version > 0 "
                "THEN excluded.label_changed_at ELSE metric_settings.label_changed_at END",
                (
                    workspace_id,
                    settings.production,
                    settings.incident_label,
                    settings.timezone,
                    settings.currency,
                    int(relabel),
                    now if relabel else 0,
                    now,
                ),
            )
            return relabel

        return await self._write(fn)

    async def incident_labels(self) -> dict[int, str]:
        return await self._read(
            lambda conn: {
                int(w): str(label)
                for w, label in conn.execute(
                    "SELECT workspace_id, incident_label FROM metric_settings "
                    "WHERE incident_label != ?",
                    (DEFAULT_INCIDENT_LABEL,),
                )
            }
        )

    async def pending_relabels(self) -> list[Relabel]:
        return await self._read(
            lambda conn: [
                Relabel(w, label, version, from_micros(at))
                for w, label, version, at in conn.execute(
                    "SELECT workspace_id, incident_label, label_version, label_changed_at "
                    "FROM metric_settings WHERE facts_version < label_version "
                    "ORDER BY workspace_id"
                )
            ]
        )

    async def finish_relabel(self, workspace_id: int, version: int) -> None:
        await self._write(
            lambda conn: conn.execute(
                "UPDATE metric_settings SET facts_version = ? "
                "WHERE workspace_id = ? AND facts_version < ?",
                (version, workspace_id, version),
            )
        )

    async def clear_metric_facts(self, workspace_id: int | None = None) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            for table in _TABLES:
                if workspace_id is None:
                    conn.execute(f"DELETE FROM {table}")
                else:
                    conn.execute(f"DELETE FROM {table} WHERE workspace_id = ?", (workspace_id,))

        await self._write(fn)

    async def metric_deployments(self, workspace_id: int, until: datetime) -> list[Deployment]:
        def fn(conn: sqlite3.Connection) -> list[Deployment]:
            return [
                Deployment(key, service, env, from_micros(at), sha, ref, event_id)
                for key, service, env, at, sha, ref, event_id in conn.execute(
                    "SELECT key, service, environment, at, sha, ref, event_id "
                    "FROM metric_deployments WHERE workspace_id = ? AND at < ? ORDER BY at, key",
                    (workspace_id, to_micros(until)),
                )
            ]

        return await self._read(fn)

    async def metric_pushes(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[Push]:
        bounds = (workspace_id, to_micros(since), to_micros(until))

        def fn(conn: sqlite3.Connection) -> list[Push]:
            commits = [
                CommitRow(workspace_id, service, ref, sha, from_micros(c), from_micros(p), e)
                for service, ref, sha, c, p, e in conn.execute(
                    "SELECT service, ref, sha, committed_at, pushed_at, event_id "
                    "FROM metric_commits WHERE workspace_id = ? AND pushed_at >= ? "
                    "AND pushed_at < ?",
                    bounds,
                )
            ]
            heads = [
                HeadRow(workspace_id, service, ref, head, from_micros(at), e)
                for service, ref, head, at, e in conn.execute(
                    "SELECT service, ref, head, at, event_id FROM metric_push_heads "
                    "WHERE workspace_id = ? AND at >= ? AND at < ?",
                    bounds,
                )
            ]
            return pushes_from(commits, heads)

        return await self._read(fn)

    async def metric_incidents(self, workspace_id: int, until: datetime) -> list[Incident]:
        return await self._read(
            lambda conn: [
                _incident(row)
                for row in conn.execute(
                    f"SELECT {_INCIDENT_COLUMNS} FROM metric_incidents "
                    "WHERE workspace_id = ? AND start_at < ? ORDER BY start_at, key",
                    (workspace_id, to_micros(until)),
                )
            ]
        )

    async def metric_snapshots(self, workspace_id: int, until: datetime) -> list[Snapshot]:
        def fn(conn: sqlite3.Connection) -> list[Snapshot]:
            rows = conn.execute(
                "SELECT subscription, customer, currency, status, created, items, discount, "
                "event_id FROM metric_snapshots WHERE workspace_id = ? AND created < ? "
                "ORDER BY created, event_id",
                (workspace_id, to_micros(until)),
            )
            return [
                snapshot_from(r[0], r[1], r[2], r[3], from_micros(r[4]), r[5], r[6], r[7])
                for r in rows
            ]

        return await self._read(fn)

    async def metric_activity(
        self,
        workspace_id: int,
        since: datetime | None,
        until: datetime,
        names: Sequence[str] | None = None,
        *,
        ordered: bool = True,
    ) -> list[Activity]:
        where, params = activity_where(workspace_id, since, until, names)
        sql = (
            "SELECT distinct_id, name, at, event_id, score FROM metric_activity "
            f"WHERE {where}" + (" ORDER BY at, event_id" if ordered else "")
        )
        return await self._read(
            lambda conn: [
                Activity(person, name, from_micros(at), event_id, score)
                for person, name, at, event_id, score in conn.execute(sql, params)
            ]
        )

    async def metric_activity_overview(
        self, workspace_id: int, since: datetime, until: datetime, name: str | None = None
    ) -> tuple[list[tuple[str, int]], int]:
        window = (to_micros(since), to_micros(until))

        def fn(conn: sqlite3.Connection) -> tuple[list[tuple[str, int]], int]:
            # Name by name along the (workspace_id, name, at) index: each count is read from
            # the index alone, and the next name is one seek away (a workspace has a few
            # dozen names, and a window may hold millions of events).
            counts: list[tuple[str, int]] = []
            people: set[str] = set()
            current = conn.execute(
                "SELECT min(name) FROM metric_activity WHERE workspace_id = ?", (workspace_id,)
            ).fetchone()[0]
            while current is not None:
                (count,) = conn.execute(
                    "SELECT count(*) FROM metric_activity INDEXED BY metric_activity_name "
                    "WHERE workspace_id = ? AND name = ? AND at >= ? AND at < ?",
                    (workspace_id, current, *window),
                ).fetchone()
                if count:
                    counts.append((current, count))
                    if name is None or name == current:
                        people.update(
                            person
                            for (person,) in conn.execute(
                                "SELECT DISTINCT distinct_id FROM metric_activity "
                                "INDEXED BY metric_activity_person WHERE workspace_id = ? "
                                "AND name = ? AND at >= ? AND at < ?",
                                (workspace_id, current, *window),
                            )
                        )
                current = conn.execute(
                    "SELECT min(name) FROM metric_activity WHERE workspace_id = ? AND name > ?",
                    (workspace_id, current),
                ).fetchone()[0]
            counts.sort(key=lambda pair: (-pair[1], pair[0]))
            return counts, len(people)

        return await self._read(fn)

    async def metric_score_counts(
        self, workspace_id: int, since: datetime, until: datetime, name: str
    ) -> dict[float, int]:
        sql = (
            "SELECT score, count(*) FROM metric_activity WHERE workspace_id = ? AND name = ? "
            "AND at >= ? AND at < ? AND score IS NOT NULL GROUP BY score"
        )
        params = (workspace_id, name, to_micros(since), to_micros(until))
        return await self._read(
            lambda conn: {float(score): n for score, n in conn.execute(sql, params)}
        )

    async def metric_firsts(
        self, workspace_id: int, first: str, then: str | None, until: datetime
    ) -> list[tuple[str, datetime, datetime | None]]:
        # Driven from the `then` events (by their name index) towards the firsts, which
        # SQLite indexes on the fly: the other way round it scans the table for each person.
        sql = (
            "WITH firsts AS MATERIALIZED (SELECT distinct_id, min(at) AS at FROM metric_activity "
            "WHERE workspace_id = ? AND name = ? AND at < ? GROUP BY distinct_id), "
            "reached AS MATERIALIZED (SELECT a.distinct_id, min(a.at) AS at "
            "FROM metric_activity a JOIN firsts f ON f.distinct_id = a.distinct_id "
            "WHERE a.workspace_id = ? AND a.name = ? AND a.at < ? AND a.at >= f.at "
            "GROUP BY a.distinct_id) "
            "SELECT f.distinct_id, f.at, r.at FROM firsts f "
            "LEFT JOIN reached r ON r.distinct_id = f.distinct_id"
        )
        end = to_micros(until)
        params: tuple[object, ...] = (workspace_id, first, end, workspace_id, then, end)
        if then is None:
            sql = (
                "SELECT distinct_id, min(at), NULL FROM metric_activity "
                "WHERE workspace_id = ? AND name = ? AND at < ? GROUP BY distinct_id"
            )
            params = (workspace_id, first, end)
        return await self._read(
            lambda conn: [
                (person, from_micros(at), None if later is None else from_micros(later))
                for person, at, later in conn.execute(sql, params)
            ]
        )

    async def metric_active_gaps(
        self,
        workspace_id: int,
        since: datetime,
        until: datetime,
        names: Sequence[str] | None = None,
        zone: str = "UTC",
    ) -> list[tuple[date, int, int]]:
        sql, params = active_days_sql(workspace_id, since, until, names, zone)
        return await self._read(lambda conn: count_gaps(set(conn.execute(sql, params))))

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
        sql, params = retention_sql(
            workspace_id, start_event, return_event, period, since, until, zone
        )
        return await self._read(
            lambda conn: [
                (period_of_key(key, period), n, people)
                for key, n, people in conn.execute(sql, params)
            ]
        )

    async def metric_funnel_paths(
        self,
        workspace_id: int,
        steps: Sequence[str],
        since: datetime,
        until: datetime,
        window: timedelta,
    ) -> list[tuple[int | None, ...]]:
        sql, params = funnel_sql(workspace_id, steps, since, until, window)
        return await self._read(lambda conn: [tuple(r) for r in conn.execute(sql, params)])
