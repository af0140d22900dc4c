"""PostgreSQL: backfill runs, their cursors and leases (a lease taken with one UPDATE, so
of N nodes asking at once exactly one gets a run)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson

from echodash.events import utcnow
from echodash.store.base import BackfillProgress, BackfillRun
from echodash.store.base.backfill import DONE, RUNNING
from echodash.store.postgres.connection import Conn, PgConnection
from echodash.store.postgres.sql import jsonb

_COLUMNS = (
    "id, workspace_id, endpoint_id, provider, params::text, status, items, events_added, "
    "duplicates, error, cursor::text, token_sealed, background, node, lease_until, created_at, "
    "updated_at"
)


def _run(row: Any) -> BackfillRun:
    return BackfillRun(
        id=row[0],
        workspace_id=row[1],
        endpoint_id=row[2],
        provider=row[3],
        params=orjson.loads(row[4]),
        status=row[5],
        items=row[6],
        events_added=row[7],
        duplicates=row[8],
        error=row[9],
        cursor=orjson.loads(row[10]),
        token_sealed=row[11],
        background=row[12],
        node=row[13],
        lease_until=row[14],
        created_at=row[15],
        updated_at=row[16],
    )


class PgBackfill(PgConnection):
    async def create_backfill(
        self,
        workspace_id: int,
        endpoint_id: int,
        provider: str,
        params: dict[str, Any],
        token_sealed: str | None,
        background: bool,
    ) -> BackfillRun:
        now = utcnow()
        row = await self._run(
            lambda c: c.fetchrow(
                "INSERT INTO backfills (workspace_id, endpoint_id, provider, params, status, "
                "token_sealed, background, created_at, updated_at) "
                f"VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $8) RETURNING {_COLUMNS}",
                workspace_id,
                endpoint_id,
                provider,
                jsonb(params),
                RUNNING,
                token_sealed,
                background,
                now,
            )
        )
        return _run(row)

    async def get_backfill(self, workspace_id: int, backfill_id: int) -> BackfillRun | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {_COLUMNS} FROM backfills WHERE id = $1 AND workspace_id = $2",
                backfill_id,
                workspace_id,
            )
        )
        return None if row is None else _run(row)

    async def resumable_backfill(
        self, workspace_id: int, endpoint_id: int, provider: str, params: dict[str, Any]
    ) -> BackfillRun | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {_COLUMNS} FROM backfills WHERE workspace_id = $1 AND endpoint_id = $2 "
                "AND provider = $3 AND params = $4::jsonb AND status <> $5 "
                "ORDER BY id DESC LIMIT 1",
                workspace_id,
                endpoint_id,
                provider,
                jsonb(params),
                DONE,
            )
        )
        return None if row is None else _run(row)

    async def claim_backfill(
        self, node: str, lease: timedelta, backfill_id: int | None = None
    ) -> BackfillRun | None:
        now = utcnow()
        free = "(node IS NULL OR lease_until IS NULL OR lease_until < $3)"
        if backfill_id is not None:
            where, arg = f"id = $5 AND status <> $6 AND {free}", backfill_id
            extra: Any = DONE
        else:
            where, arg = f"status = $4 AND background AND $5::bigint IS NULL AND {free}", None
            extra = None

        async def fn(conn: Conn) -> Any:
            return await conn.fetchrow(
                "UPDATE backfills SET node = $1, lease_until = $2, status = $4, error = NULL, "
                f"updated_at = $3 WHERE id = (SELECT id FROM backfills WHERE {where} "
                f"ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING {_COLUMNS}",
                node,
                now + lease,
                now,
                RUNNING,
                arg,
                *(() if extra is None else (extra,)),
            )

        row = await self._run(fn)
        return None if row is None else _run(row)

    async def save_backfill_progress(
        self, backfill_id: int, node: str, progress: BackfillProgress, lease: timedelta
    ) -> bool:
        now = utcnow()
        done = await self._run(
            lambda c: c.execute(
                "UPDATE backfills SET cursor = $1::jsonb, items = $2, events_added = $3, "
                "duplicates = $4, lease_until = $5, updated_at = $6 "
                "WHERE id = $7 AND node = $8 AND status = $9",
                jsonb(progress.cursor),
                progress.items,
                progress.events_added,
                progress.duplicates,
                now + lease,
                now,
                backfill_id,
                node,
                RUNNING,
            )
        )
        return bool(done == "UPDATE 1")

    async def finish_backfill(
        self, backfill_id: int, node: str, status: str, error: str | None = None
    ) -> None:
        await self._run(
            lambda c: c.execute(
                "UPDATE backfills SET status = $1, error = $2, node = NULL, lease_until = NULL, "
                "token_sealed = CASE WHEN $3 THEN NULL ELSE token_sealed END, updated_at = $4 "
                "WHERE id = $5 AND node = $6",
                status,
                error,
                status == DONE,
                utcnow(),
                backfill_id,
                node,
            )
        )

    async def deliveries_with_events(self, delivery_ids: Sequence[int]) -> int:
        found = await self._run(
            lambda c: c.fetchval(
                "SELECT count(DISTINCT delivery_id) FROM events "
                "WHERE delivery_id = ANY($1::bigint[])",
                list(delivery_ids),
            )
        )
        return int(found or 0)
