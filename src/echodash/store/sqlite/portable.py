"""SQLite: export and restore of a workspace's endpoints, deliveries and events."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import TypeVar

from echodash.events import Event
from echodash.store.base import EndpointRecord, StoredDelivery
from echodash.store.rows import (
    DELIVERY_COLUMNS,
    delivery_from_row,
    dumps,
    outcome_value,
    to_micros,
)
from echodash.store.sqlite.alerts import queue_restored
from echodash.store.sqlite.connection import SqliteConnection
from echodash.store.sqlite.sql import endpoint_by_id

T = TypeVar("T")

_CHUNK = 500  # ids per IN (...) list


def _atomic(conn: sqlite3.Connection, fn: Callable[[], T]) -> T:
    """Run `fn` so that all of it or none of it lands.

    The writer commits several jobs together and keeps going when one job raises, so a
    restore that fails half-way must undo its own rows itself.
    """
    conn.execute("SAVEPOINT restore")
    try:
        result = fn()
    except BaseException:
        conn.execute("ROLLBACK TO restore")
        conn.execute("RELEASE restore")
        raise
    conn.execute("RELEASE restore")
    return result


def _workspace_endpoints(conn: sqlite3.Connection, workspace_id: int) -> set[int]:
    rows = conn.execute("SELECT id FROM endpoints WHERE workspace_id = ?", (workspace_id,))
    return {int(r[0]) for r in rows}


def _check_links(conn: sqlite3.Connection, workspace_id: int, events: Sequence[Event]) -> None:
    """Refuse events that point at another workspace's endpoints or deliveries."""
    endpoints = {e.endpoint_id for e in events if e.endpoint_id is not None}
    stray = endpoints - _workspace_endpoints(conn, workspace_id)
    if stray:
        raise ValueError(f"endpoint {min(stray)} is not in workspace {workspace_id}")
    deliveries = sorted({e.delivery_id for e in events if e.delivery_id is not None})
    for start in range(0, len(deliveries), _CHUNK):
        chunk = deliveries[start : start + _CHUNK]
        found = conn.execute(
            f"SELECT id FROM deliveries WHERE workspace_id = ? "
            f"AND id IN ({','.join('?' * len(chunk))})",
            (workspace_id, *chunk),
        )
        missing = set(chunk) - {int(r[0]) for r in found}
        if missing:
            raise ValueError(f"delivery {min(missing)} is not in workspace {workspace_id}")


class SqlitePortable(SqliteConnection):
    async def export_deliveries(
        self, workspace_id: int, after_id: int, limit: int
    ) -> list[tuple[StoredDelivery, bool]]:
        return await self._read(
            lambda c: [
                (delivery_from_row(row), bool(row[-1]))
                for row in c.execute(
                    f"SELECT {DELIVERY_COLUMNS}, processed FROM deliveries "
                    "WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?",
                    (workspace_id, after_id, limit),
                )
            ]
        )

    async def restore_endpoint(self, workspace_id: int, record: EndpointRecord) -> EndpointRecord:
        def restore(conn: sqlite3.Connection) -> EndpointRecord:
            taken = conn.execute("SELECT 1 FROM endpoints WHERE slug = ?", (record.slug,))
            if taken.fetchone() is not None:
                raise ValueError(
                    f"an endpoint with slug {record.slug!r} already exists in this store "
                    "(receive URLs must stay unique)"
                )
            endpoint_id = int(
                conn.execute(
                    "INSERT INTO endpoints (workspace_id, kind, name, slug, options, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        workspace_id,
                        record.kind,
                        record.name,
                        record.slug,
                        dumps(record.options),
                        to_micros(record.created_at),
                    ),
                ).lastrowid
                or 0
            )
            conn.executemany(
                "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                [
                    (
                        endpoint_id,
                        s.sealed,
                        to_micros(s.created_at),
                        to_micros(s.expires_at) if s.expires_at is not None else None,
                    )
                    for s in record.secrets
                ],
            )
            stored = endpoint_by_id(conn, workspace_id, endpoint_id)
            assert stored is not None
            return stored

        return await self._write(lambda c: _atomic(c, lambda: restore(c)))

    async def restore_deliveries(
        self, workspace_id: int, items: Sequence[tuple[StoredDelivery, bool]]
    ) -> dict[int, int]:
        rows = [
            (
                d.id,
                (
                    workspace_id,
                    d.endpoint_id,
                    d.source,
                    d.key,
                    dumps(d.headers),
                    d.body,
                    to_micros(d.received_at),
                    d.duplicates,
                    int(processed),
                    d.origin.value,
                ),
            )
            for d, processed in items
        ]

        def restore(conn: sqlite3.Connection) -> dict[int, int]:
            owned = _workspace_endpoints(conn, workspace_id)
            mapping: dict[int, int] = {}
            for exported_id, params in rows:
                if params[1] not in owned:
                    raise ValueError(f"endpoint {params[1]} is not in workspace {workspace_id}")
                # Secret ids differ between stores: which secret verified it is not kept.
                row = conn.execute(
                    "INSERT INTO deliveries (workspace_id, endpoint_id, source, key, headers, "
                    "body, received_at, secret_id, duplicates, processed, origin) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?) "
                    "ON CONFLICT (endpoint_id, key) DO NOTHING RETURNING id",
                    params,
                ).fetchone()
                if row is None:
                    row = conn.execute(
                        "SELECT id FROM deliveries WHERE endpoint_id = ? AND key = ?",
                        (params[1], params[3]),
                    ).fetchone()
                mapping[exported_id] = int(row[0])
            return mapping

        return await self._write(lambda c: _atomic(c, lambda: restore(c)))

    async def restore_events(self, workspace_id: int, events: Sequence[Event]) -> int:
        rows = [
            (
                workspace_id,
                e.endpoint_id,
                e.delivery_id,
                e.source,
                e.type,
                e.title,
                e.summary,
                e.actor,
                e.subject,
                e.url,
                to_micros(e.occurred_at),
                to_micros(e.received_at),
                e.severity.value,
                dumps(list(e.tags)),
                dumps(e.fields),
                e.category.value,
                e.service,
                e.environment,
                outcome_value(e.outcome),
                dumps(list(e.commits)),
                e.origin.value,
            )
            for e in events
        ]

        def restore(conn: sqlite3.Connection) -> int:
            _check_links(conn, workspace_id, events)
            (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
            # The events_fts triggers index each row, so search finds restored events.
            conn.executemany(
                "INSERT INTO events (workspace_id, endpoint_id, delivery_id, source, type, "
                "title, summary, actor, subject, url, occurred_at, received_at, severity, "
                "tags, fields, category, service, environment, outcome, commits, origin) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            # Queued for alerts like any stored event (as PostgreSQL's shared insert does).
            queue_restored(conn, workspace_id, last)
            return len(rows)

        return await self._write(lambda c: _atomic(c, lambda: restore(c)))
