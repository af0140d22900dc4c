"""PostgreSQL: export and restore of a workspace's endpoints, deliveries and events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from echodash.events import Event, EventDraft
from echodash.store.base import EndpointRecord, StoredDelivery
from echodash.store.postgres.connection import Conn, PgConnection
from echodash.store.postgres.ingest import insert_events
from echodash.store.postgres.sql import (
    DELIVERY_COLUMNS,
    ENDPOINT_COLUMNS,
    LOCK_EVENTS,
    LOCK_SPACE,
    clean,
    delivery_from_row,
    endpoint_from_rows,
    event_row,
    jsonb,
)


class PgPortable(PgConnection):
    async def export_deliveries(
        self, workspace_id: int, after_id: int, limit: int
    ) -> list[tuple[StoredDelivery, bool]]:
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {DELIVERY_COLUMNS}, processed FROM deliveries "
                "WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                workspace_id,
                after_id,
                limit,
            )
        )
        return [(delivery_from_row(r), bool(r[-1])) for r in rows]

    async def restore_endpoint(self, workspace_id: int, record: EndpointRecord) -> EndpointRecord:
        async def fn(conn: Conn) -> EndpointRecord:
            taken = await conn.fetchval("SELECT 1 FROM endpoints WHERE slug = $1", record.slug)
            if taken:
                raise ValueError(
                    f"an endpoint with slug {record.slug!r} already exists in this store"
                )
            row = await conn.fetchrow(
                "INSERT INTO endpoints (workspace_id, kind, name, slug, options, created_at) "
                f"VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ENDPOINT_COLUMNS}",
                workspace_id,
                record.kind,
                clean(record.name),
                record.slug,
                jsonb(record.options),
                record.created_at,
            )
            assert row is not None
            secrets = [
                await conn.fetchrow(
                    "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at, expires_at) "
                    "VALUES ($1, $2, $3, $4) "
                    "RETURNING endpoint_id, id, sealed, created_at, expires_at",
                    row[0],
                    s.sealed,
                    s.created_at,
                    s.expires_at,
                )
                for s in record.secrets
            ]
            return endpoint_from_rows(row, secrets)

        return await self._tx(fn)

    async def restore_deliveries(
        self, workspace_id: int, items: Sequence[tuple[StoredDelivery, bool]]
    ) -> dict[int, int]:
        async def fn(conn: Conn) -> dict[int, int]:
            mapping: dict[int, int] = {}
            for d, processed in items:
                new_id = await conn.fetchval(
                    "INSERT INTO deliveries (workspace_id, endpoint_id, source, key, headers, "
                    "body, received_at, secret_id, duplicates, processed, origin) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10) "
                    "ON CONFLICT (endpoint_id, key) DO NOTHING RETURNING id",
                    workspace_id,
                    d.endpoint_id,
                    d.source,
                    clean(d.key),
                    jsonb(d.headers),
                    d.body,
                    d.received_at,
                    d.duplicates,
                    processed,
                    d.origin.value,
                )
                if new_id is None:
                    new_id = await conn.fetchval(
                        "SELECT id FROM deliveries WHERE endpoint_id = $1 AND key = $2",
                        d.endpoint_id,
                        clean(d.key),
                    )
                mapping[d.id] = int(new_id)
            return mapping

        return await self._tx(fn)

    async def restore_events(self, workspace_id: int, events: Sequence[Event]) -> int:
        rows: list[tuple[Any, ...]] = [
            event_row(
                workspace_id,
                e.endpoint_id,
                e.delivery_id,
                e.source,
                EventDraft(
                    type=e.type,
                    title=e.title,
                    summary=e.summary,
                    actor=e.actor,
                    subject=e.subject,
                    url=e.url,
                    severity=e.severity,
                    tags=e.tags,
                    fields=e.fields,
                    category=e.category,
                    service=e.service,
                    environment=e.environment,
                    outcome=e.outcome,
                    commits=e.commits,
                ),
                e.occurred_at,
                e.received_at,
                e.origin,
            )
            for e in events
        ]

        async def fn(conn: Conn) -> int:
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            return len(await insert_events(conn, rows))

        return await self._tx(fn)
