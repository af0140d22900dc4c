"""SQLite: endpoints, their secrets and their delivery and rejection counts."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from echodash.events import utcnow
from echodash.store.base import (
    EndpointChanges,
    EndpointRecord,
    EndpointStats,
    Refusal,
)
from echodash.store.rows import (
    REFUSAL_VOLUME,
    dumps,
    from_micros,
    to_micros,
)
from echodash.store.sqlite.connection import SqliteConnection
from echodash.store.sqlite.sql import (
    endpoint_by_id,
    select_endpoints,
    volume,
)


class SqliteEndpoints(SqliteConnection):
    async def create_endpoint(
        self,
        workspace_id: int,
        kind: str,
        name: str,
        slug: str,
        options: dict[str, Any],
        sealed_secret: str | None,
    ) -> EndpointRecord:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> EndpointRecord:
            cur = conn.execute(
                "INSERT INTO endpoints (workspace_id, kind, name, slug, options, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (workspace_id, kind, name, slug, dumps(options), now),
            )
            endpoint_id = int(cur.lastrowid or 0)
            if sealed_secret is not None:
                conn.execute(
                    "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) "
                    "VALUES (?, ?, ?)",
                    (endpoint_id, sealed_secret, now),
                )
            record = endpoint_by_id(conn, workspace_id, endpoint_id)
            assert record is not None
            return record

        return await self._write(fn)

    async def list_endpoints(self, workspace_id: int) -> list[EndpointRecord]:
        return await self._read(
            lambda c: select_endpoints(c, "e.workspace_id = ?", (workspace_id,))
        )

    async def get_endpoint(self, workspace_id: int, endpoint_id: int) -> EndpointRecord | None:
        return await self._read(lambda c: endpoint_by_id(c, workspace_id, endpoint_id))

    async def get_endpoint_by_slug(self, slug: str) -> EndpointRecord | None:
        found = await self._read(lambda c: select_endpoints(c, "e.slug = ?", (slug,)))
        return found[0] if found else None

    async def update_endpoint(
        self, workspace_id: int, endpoint_id: int, changes: EndpointChanges
    ) -> EndpointRecord | None:
        def fn(conn: sqlite3.Connection) -> EndpointRecord | None:
            if changes.name is not None:
                conn.execute(
                    "UPDATE endpoints SET name = ? WHERE id = ? AND workspace_id = ?",
                    (changes.name, endpoint_id, workspace_id),
                )
            if changes.options is not None:
                conn.execute(
                    "UPDATE endpoints SET options = ? WHERE id = ? AND workspace_id = ?",
                    (dumps(changes.options), endpoint_id, workspace_id),
                )
            return endpoint_by_id(conn, workspace_id, endpoint_id)

        return await self._write(fn)

    async def delete_endpoint(self, workspace_id: int, endpoint_id: int) -> bool:
        def fn(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "DELETE FROM endpoints WHERE id = ? AND workspace_id = ?",
                (endpoint_id, workspace_id),
            )
            return cur.rowcount > 0

        return await self._write(fn)

    async def add_secret(
        self, workspace_id: int, endpoint_id: int, sealed: str, expire_others_at: datetime | None
    ) -> EndpointRecord | None:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> EndpointRecord | None:
            owned = conn.execute(
                "SELECT 1 FROM endpoints WHERE id = ? AND workspace_id = ?",
                (endpoint_id, workspace_id),
            ).fetchone()
            if owned is None:
                return None
            if expire_others_at is not None:
                cutoff = to_micros(expire_others_at)
                conn.execute(
                    "UPDATE endpoint_secrets SET expires_at = ? WHERE endpoint_id = ? "
                    "AND (expires_at IS NULL OR expires_at > ?)",
                    (cutoff, endpoint_id, cutoff),
                )
            conn.execute(
                "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) VALUES (?, ?, ?)",
                (endpoint_id, sealed, now),
            )
            return endpoint_by_id(conn, workspace_id, endpoint_id)

        return await self._write(fn)

    async def refusals(self, workspace_id: int, endpoint_id: int, limit: int) -> list[Refusal]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT l.at, l.reason, l.count FROM refusal_log l JOIN endpoints e "
                "ON e.id = l.endpoint_id WHERE l.endpoint_id = ? AND e.workspace_id = ? "
                "ORDER BY l.at DESC, l.id DESC LIMIT ?",
                (endpoint_id, workspace_id, limit),
            ).fetchall()
        )
        return [Refusal(from_micros(r[0]), r[1], int(r[2])) for r in rows]

    async def refusal_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        return await self._read(
            lambda c: volume(c, REFUSAL_VOLUME, workspace_id, since, bucket, buckets)
        )

    async def endpoint_stats(self, workspace_id: int, endpoint_id: int) -> EndpointStats:
        def fn(conn: sqlite3.Connection) -> EndpointStats:
            row = conn.execute(
                "SELECT count(*), coalesce(sum(duplicates), 0), max(received_at) FROM deliveries "
                "WHERE endpoint_id = ? AND workspace_id = ?",
                (endpoint_id, workspace_id),
            ).fetchone()
            rejections = conn.execute(
                "SELECT r.reason, r.count, r.last_at FROM rejections r JOIN endpoints e "
                "ON e.id = r.endpoint_id WHERE r.endpoint_id = ? AND e.workspace_id = ?",
                (endpoint_id, workspace_id),
            ).fetchall()
            last_rejection = max((r[2] for r in rejections), default=None)
            return EndpointStats(
                deliveries=int(row[0]),
                duplicates=int(row[1]),
                last_delivery_at=from_micros(row[2]) if row[2] is not None else None,
                rejections={r[0]: int(r[1]) for r in rejections},
                last_rejection_at=from_micros(last_rejection) if last_rejection else None,
            )

        return await self._read(fn)
