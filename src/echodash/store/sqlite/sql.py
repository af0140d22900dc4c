"""SQL for the SQLite store: statements, filters and row conversions (no connections held)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

import orjson

from echodash.events import EventDraft, Origin, storable
from echodash.store.base import (
    AppendResult,
    EndpointRecord,
    EventFilter,
    SecretRecord,
    StoredDelivery,
)
from echodash.store.rows import (
    VolumeSource,
    dumps,
    from_micros,
    fts_query,
    origin_of,
    outcome_value,
    to_micros,
)

_APPEND = (
    "INSERT INTO deliveries (workspace_id, endpoint_id, source, key, headers, body, received_at, "
    "secret_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (endpoint_id, key) DO NOTHING"
)


def append_deliveries(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[AppendResult]:
    """Insert a group of deliveries; repeats become duplicates.

    The usual group, every delivery new, is one `executemany` and no row read back: the
    writer holds the only write lock, and SQLite numbers a row of a table without
    AUTOINCREMENT one above the largest, so the group's ids are the last one's and those just
    before it (checked against the largest id before the group). When a delivery was there
    already, each row's id is looked up: the ids above that largest are this group's, and a
    key seen twice in one group (two copies arriving together) is stored once — the first
    copy is the delivery, the second is answered as its duplicate.
    """
    before = conn.execute("SELECT coalesce(max(id), 0) FROM deliveries").fetchone()[0]
    added = conn.executemany(_APPEND, rows).rowcount
    if added == len(rows):
        last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        if last - before == added:
            return [
                AppendResult(delivery_id, duplicate=False)
                for delivery_id in range(before + 1, last + 1)
            ]
    results: list[AppendResult] = []
    new: set[int] = set()
    for row in rows:
        (delivery_id,) = conn.execute(
            "SELECT id FROM deliveries WHERE endpoint_id = ? AND key = ?", (row[1], row[3])
        ).fetchone()
        if delivery_id > before and delivery_id not in new:
            new.add(delivery_id)
            results.append(AppendResult(delivery_id, duplicate=False))
            continue
        conn.execute(
            "UPDATE deliveries SET duplicates = duplicates + 1 WHERE id = ?", (delivery_id,)
        )
        results.append(AppendResult(delivery_id, duplicate=True))
    return results


def prefixed(columns: str) -> str:
    return ", ".join("e." + c.strip() for c in columns.split(","))


def event_where(workspace_id: int, filters: EventFilter) -> tuple[list[str], list[Any]]:
    where = ["e.workspace_id = ?"]
    params: list[Any] = [workspace_id]
    for column, value in (
        ("source", filters.source),
        ("type", filters.type),
        ("endpoint_id", filters.endpoint_id),
        ("severity", filters.severity),
        ("category", filters.category),
        ("service", filters.service),
        ("environment", filters.environment),
        ("outcome", filters.outcome),
        ("origin", filters.origin),
    ):
        if value is not None:
            where.append(f"e.{column} = ?")
            params.append(value)
    if filters.since is not None:
        where.append("e.occurred_at >= ?")
        params.append(to_micros(filters.since))
    if filters.until is not None:
        where.append("e.occurred_at < ?")
        params.append(to_micros(filters.until))
    if filters.q:
        match = fts_query(filters.q)
        if match is not None:
            where.append("e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
            params.append(match)
    return where, params


def event_params(
    delivery: StoredDelivery, draft: EventDraft, origin: Origin | None = None
) -> tuple[Any, ...]:
    """The INSERT's values; the origin is the delivery's (`origin_of`) unless given."""
    draft = storable(draft)
    occurred = draft.occurred_at or delivery.received_at
    return (
        delivery.workspace_id,
        delivery.endpoint_id,
        delivery.id,
        delivery.source,
        draft.type,
        draft.title,
        draft.summary,
        draft.actor,
        draft.subject,
        draft.url,
        to_micros(occurred),
        to_micros(delivery.received_at),
        draft.severity.value,
        dumps(list(draft.tags)),
        dumps(draft.fields),
        draft.category.value,
        draft.service,
        draft.environment,
        outcome_value(draft.outcome),
        dumps(list(draft.commits)),
        (origin or origin_of(delivery)).value,
    )


def select_endpoints(
    conn: sqlite3.Connection, where: str, params: tuple[Any, ...]
) -> list[EndpointRecord]:
    rows = conn.execute(
        "SELECT e.id, e.workspace_id, e.kind, e.name, e.slug, e.options, e.created_at "
        f"FROM endpoints e WHERE {where} ORDER BY e.id",
        params,
    ).fetchall()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    marks = ",".join("?" * len(ids))
    secrets: dict[int, list[SecretRecord]] = {}
    for s in conn.execute(
        "SELECT endpoint_id, id, sealed, created_at, expires_at FROM endpoint_secrets "
        f"WHERE endpoint_id IN ({marks}) ORDER BY id",
        ids,
    ):
        secrets.setdefault(s[0], []).append(
            SecretRecord(s[1], s[2], from_micros(s[3]), from_micros(s[4]) if s[4] else None)
        )
    return [
        EndpointRecord(
            id=r[0],
            workspace_id=r[1],
            kind=r[2],
            name=r[3],
            slug=r[4],
            options=orjson.loads(r[5]),
            created_at=from_micros(r[6]),
            secrets=tuple(secrets.get(r[0], ())),
        )
        for r in rows
    ]


def split_sql(script: str) -> list[str]:
    """Statements of a migration script; trigger bodies keep their inner semicolons."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        candidate = "\n".join(current)
        if stripped.endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            current = []
    if current and "".join(current).strip():
        statements.append("\n".join(current))
    return statements


def endpoint_by_id(
    conn: sqlite3.Connection, workspace_id: int, endpoint_id: int
) -> EndpointRecord | None:
    """One endpoint of one workspace, read on the given connection (inside a write, too)."""
    found = select_endpoints(conn, "e.workspace_id = ? AND e.id = ?", (workspace_id, endpoint_id))
    return found[0] if found else None


def volume(
    conn: sqlite3.Connection,
    source: VolumeSource,
    workspace_id: int,
    since: datetime,
    bucket: timedelta,
    buckets: int,
) -> dict[int, list[int]]:
    """Per endpoint, the amount in each of `buckets` intervals of `bucket` from `since`."""
    table, endpoint, workspace, at, amount = source
    start = to_micros(since)
    width = max(1, int(bucket.total_seconds() * 1_000_000))
    found: dict[int, list[int]] = {}
    for endpoint_id, slot, count in conn.execute(
        f"SELECT {endpoint}, ({at} - ?) / ?, {amount} FROM {table} "
        f"WHERE {workspace} = ? AND {at} >= ? AND {at} < ? GROUP BY 1, 2",
        (start, width, workspace_id, start, start + width * buckets),
    ):
        found.setdefault(endpoint_id, [0] * buckets)[int(slot)] = int(count)
    return found
