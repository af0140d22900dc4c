"""PostgreSQL: endpoints, their secrets and their delivery and rejection counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from echodash.events import utcnow
from echodash.store.base import EndpointChanges, EndpointRecord, EndpointStats, Refusal
from echodash.store.postgres.connection import Conn, PgConnection
from echodash.store.postgres.sql import (
    ENDPOINT_COLUMNS,
    clean,
    endpoint_from_rows,
    jsonb,
    volume_of,
    volume_query,
)
from echodash.store.rows import REFUSAL_VOLUME


class PgEndpoints(PgConnection):
    async def _endpoints(self, conn: Conn, where: str, *params: Any) -> list[EndpointRecord]:
        rows = await conn.fetch(
            f"SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE {where} ORDER BY id", *params
        )
        if not rows:
            return []
        secrets: dict[int, list[Any]] = {}
        for s in await conn.fetch(
            "SELECT endpoint_id, id, sealed, created_at, expires_at FROM endpoint_secrets "
            "WHERE endpoint_id = ANY($1::bigint[]) ORDER BY id",
            [r[0] for r in rows],
        ):
            secrets.setdefault(s[0], []).append(s)
        return [endpoint_from_rows(r, secrets.get(r[0], [])) for r in rows]

    async def _endpoint(
        self, conn: Conn, workspace_id: int, endpoint_id: int
    ) -> EndpointRecord | None:
        found = await self._endpoints(
            conn, "workspace_id = $1 AND id = $2", workspace_id, endpoint_id
        )
        return found[0] if found else None

    async def create_endpoint(
        self,
        workspace_id: int,
        kind: str,
        name: str,
        slug: str,
        options: dict[str, Any],
        sealed_secret: str | None,
    ) -> EndpointRecord:
        now = utcnow()

        async def fn(conn: Conn) -> EndpointRecord:
            endpoint_id = await conn.fetchval(
                "INSERT INTO endpoints (workspace_id, kind, name, slug, options, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                workspace_id,
                kind,
                clean(name),
                slug,
                jsonb(options),
                now,
            )
            if sealed_secret is not None:
                await conn.execute(
                    "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) "
                    "VALUES ($1, $2, $3)",
                    endpoint_id,
                    sealed_secret,
                    now,
                )
            record = await self._endpoint(conn, workspace_id, endpoint_id)
            assert record is not None
            return record

        return await self._tx(fn)

    async def list_endpoints(self, workspace_id: int) -> list[EndpointRecord]:
        return await self._run(lambda c: self._endpoints(c, "workspace_id = $1", workspace_id))

    async def get_endpoint(self, workspace_id: int, endpoint_id: int) -> EndpointRecord | None:
        return await self._run(lambda c: self._endpoint(c, workspace_id, endpoint_id))

    async def get_endpoint_by_slug(self, slug: str) -> EndpointRecord | None:
        found = await self._run(lambda c: self._endpoints(c, "slug = $1", clean(slug)))
        return found[0] if found else None

    async def update_endpoint(
        self, workspace_id: int, endpoint_id: int, changes: EndpointChanges
    ) -> EndpointRecord | None:
        async def fn(conn: Conn) -> EndpointRecord | None:
            if changes.name is not None:
                await conn.execute(
                    "UPDATE endpoints SET name = $1 WHERE id = $2 AND workspace_id = $3",
                    clean(changes.name),
                    endpoint_id,
                    workspace_id,
                )
            if changes.options is not None:
                await conn.execute(
                    "UPDATE endpoints SET options = $1 WHERE id = $2 AND workspace_id = $3",
                    jsonb(changes.options),
                    endpoint_id,
                    workspace_id,
                )
            return await self._endpoint(conn, workspace_id, endpoint_id)

        return await self._tx(fn)

    async def delete_endpoint(self, workspace_id: int, endpoint_id: int) -> bool:
        status = await self._run(
            lambda c: c.execute(
                "DELETE FROM endpoints WHERE id = $1 AND workspace_id = $2",
                endpoint_id,
                workspace_id,
            )
        )
        return str(status) != "DELETE 0"

    async def add_secret(
        self, workspace_id: int, endpoint_id: int, sealed: str, expire_others_at: datetime | None
    ) -> EndpointRecord | None:
        async def fn(conn: Conn) -> EndpointRecord | None:
            owned = await conn.fetchval(
                "SELECT 1 FROM endpoints WHERE id = $1 AND workspace_id = $2 FOR UPDATE",
                endpoint_id,
                workspace_id,
            )
            if owned is None:
                return None
            if expire_others_at is not None:
                await conn.execute(
                    "UPDATE endpoint_secrets SET expires_at = $1 WHERE endpoint_id = $2 "
                    "AND (expires_at IS NULL OR expires_at > $1)",
                    expire_others_at,
                    endpoint_id,
                )
            await conn.execute(
                "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) "
                "VALUES ($1, $2, $3)",
                endpoint_id,
                sealed,
                utcnow(),
            )
            return await self._endpoint(conn, workspace_id, endpoint_id)

        return await self._tx(fn)

    async def refusals(self, workspace_id: int, endpoint_id: int, limit: int) -> list[Refusal]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT l.at, l.reason, l.count FROM refusal_log l JOIN endpoints e "
                "ON e.id = l.endpoint_id WHERE l.endpoint_id = $1 AND e.workspace_id = $2 "
                "ORDER BY l.at DESC, l.id DESC LIMIT $3",
                endpoint_id,
                workspace_id,
                limit,
            )
        )
        return [Refusal(r[0], r[1], int(r[2])) for r in rows]

    async def refusal_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        sql, params = volume_query(REFUSAL_VOLUME, workspace_id, since, bucket, buckets)
        return volume_of(await self._run(lambda c: c.fetch(sql, *params)), buckets)

    async def endpoint_stats(self, workspace_id: int, endpoint_id: int) -> EndpointStats:
        async def fn(conn: Conn) -> EndpointStats:
            row = await conn.fetchrow(
                "SELECT count(*), coalesce(sum(duplicates), 0), max(received_at) "
                "FROM deliveries WHERE endpoint_id = $1 AND workspace_id = $2",
                endpoint_id,
                workspace_id,
            )
            rejections = await conn.fetch(
                "SELECT r.reason, r.count, r.last_at FROM rejections r JOIN endpoints e "
                "ON e.id = r.endpoint_id WHERE r.endpoint_id = $1 AND e.workspace_id = $2",
                endpoint_id,
                workspace_id,
            )
            assert row is not None  # an aggregate always has a row
            return EndpointStats(
                deliveries=int(row[0]),
                duplicates=int(row[1]),
                last_delivery_at=row[2],
                rejections={r[0]: int(r[1]) for r in rejections},
                last_rejection_at=max((r[2] for r in rejections), default=None),
            )

        return await self._run(fn)
