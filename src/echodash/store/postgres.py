"""The PostgreSQL store: an asyncpg pool, group-committed deliveries, tsvector search.

Several EchoDash processes on several machines share one database: migrations run under an
advisory lock, events are written one transaction at a time (so ids are committed in order)
and announced with NOTIFY in the same transaction, for the live bus on every node.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

from echodash.events import Delivery, Event, EventDraft, utcnow
from echodash.store.base import (
    ApiTokenRecord,
    AppendResult,
    EventFilter,
    Parser,
    RejectionCounts,
    Store,
    StoredDelivery,
    StoreUnavailableError,
)
from echodash.store.migrations import migration_scripts
from echodash.store.postgres_access import (
    OUTAGES,
    Conn,
    PgAccess,
    is_outage,
    reset_connection,
)
from echodash.store.postgres_accounts import PgAccounts
from echodash.store.postgres_endpoints import PgEndpoints
from echodash.store.postgres_portable import PgPortable
from echodash.store.postgres_rewrites import REWRITES
from echodash.store.postgres_sql import (
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    EVENTS_CHANNEL,
    INSERT_EVENTS,
    LOCK_EVENTS,
    LOCK_MIGRATIONS,
    LOCK_SPACE,
    clean,
    delivery_from_row,
    event_columns,
    event_from_row,
    event_row,
    event_where,
    jsonb,
    prefixed,
)
from echodash.store.postgres_upkeep import PgUpkeep
from echodash.store.postgres_writer import PgDeliveryWriter
from echodash.store.rows import LIVE_KEY_QUERY, unstorable_draft

log = logging.getLogger("echodash.store")

CONNECT_TIMEOUT = 5.0
# Anything that stops the store from opening: unreachable, no such database, wrong password.
OPEN_FAILURES: tuple[type[BaseException], ...] = (
    *OUTAGES,
    asyncpg.PostgresError,
    StoreUnavailableError,
)
COMMAND_TIMEOUT = 60.0


class PostgresStore(PgEndpoints, PgUpkeep, PgPortable, PgAccounts, PgAccess, Store):
    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self._pool_size = pool_size
        self._writer = PgDeliveryWriter(lambda: self._pool)

    def observe_commits(self, observer: Callable[[float], None]) -> None:
        self._writer.on_commit = observer

    # Lifecycle
    async def open(self) -> None:
        try:
            self._pool_or_none = await asyncpg.create_pool(
                self.url,
                # No floor: a pool that must keep connections open logs a traceback per
                # attempt while the database is down; connections open on demand instead.
                min_size=0,
                max_size=self._pool_size,
                reset=reset_connection,
                timeout=CONNECT_TIMEOUT,
                command_timeout=COMMAND_TIMEOUT,
                # Connections unused for a minute are closed; the pool reopens on demand.
                max_inactive_connection_lifetime=60.0,
            )
            await self._migrate()
        except OPEN_FAILURES as exc:
            await self.close()
            reason = exc.__cause__ if isinstance(exc, StoreUnavailableError) else exc
            raise StoreUnavailableError(f"cannot open PostgreSQL: {reason}") from exc
        self._writer.start()

    async def _migrate(self) -> None:
        async def fn(conn: Conn) -> None:
            # Nodes starting together take turns; the first applies, the others find it done.
            await conn.execute("SELECT pg_advisory_lock($1, $2)", LOCK_SPACE, LOCK_MIGRATIONS)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
                )
                done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
                for version, name, sql in migration_scripts("postgres"):
                    if version in done:
                        continue
                    async with conn.transaction():
                        await conn.execute(sql)
                        rewrite = REWRITES.get(name)
                        if rewrite is not None:
                            await rewrite(conn)
                        await conn.execute(
                            "INSERT INTO schema_migrations VALUES ($1, $2, $3)",
                            version,
                            name,
                            utcnow(),
                        )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1, $2)", LOCK_SPACE, LOCK_MIGRATIONS)

        await self._run(fn)

    async def close(self) -> None:
        await self._writer.stop()
        if self._pool_or_none is not None:
            pool, self._pool_or_none = self._pool_or_none, None
            try:
                await pool.close()
            except OUTAGES:
                pool.terminate()

    async def ping(self) -> bool:
        try:
            if await self._run(lambda c: c.fetchval("SELECT 1")) != 1:
                return False
            if self._writer.failing:
                # The last commit failed: only a real write shows whether writing works again.
                await self._run(
                    lambda c: c.execute(
                        "INSERT INTO health_probe (id, filler) VALUES (1, $1) "
                        "ON CONFLICT (id) DO UPDATE SET filler = excluded.filler",
                        b"\0" * 1024,
                    )
                )
                self._writer.failing = False
            return True
        except StoreUnavailableError:
            return False

    async def set_meta(self, key: str, value: str) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO instance_meta (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                key,
                clean(value),
            )
        )

    async def get_meta(self, key: str) -> str | None:
        value = await self._run(
            lambda c: c.fetchval("SELECT value FROM instance_meta WHERE key = $1", key)
        )
        return None if value is None else str(value)

    # Workspaces and tokens
    async def ensure_default_workspace(self) -> int:
        async def fn(conn: Conn) -> int:
            # Serialized, so nodes starting together agree on one default workspace.
            await conn.execute("LOCK TABLE workspaces IN SHARE ROW EXCLUSIVE MODE")
            found = await conn.fetchval("SELECT id FROM workspaces ORDER BY id LIMIT 1")
            if found is not None:
                return int(found)
            return int(
                await conn.fetchval(
                    "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id",
                    "Default",
                    utcnow(),
                )
            )

        return await self._tx(fn)

    async def create_workspace(self, name: str) -> int:
        return int(
            await self._run(
                lambda c: c.fetchval(
                    "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id",
                    clean(name),
                    utcnow(),
                )
            )
        )

    async def create_api_token(
        self, workspace_id: int, name: str, token_hash: str, role: str
    ) -> ApiTokenRecord:
        now = utcnow()
        token_id = await self._run(
            lambda c: c.fetchval(
                "INSERT INTO api_tokens (workspace_id, name, token_hash, role, created_at) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                workspace_id,
                clean(name),
                token_hash,
                role,
                now,
            )
        )
        return ApiTokenRecord(int(token_id), workspace_id, name, role, now)

    async def find_api_token(self, token_hash: str) -> ApiTokenRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(LIVE_KEY_QUERY.format(hash="$1"), clean(token_hash))
        )
        if row is None:
            return None
        return ApiTokenRecord(row[0], row[1], row[2], row[3], row[4], row[5])

    async def api_token_ever_existed(self, token_hash: str) -> bool:
        found = await self._run(
            lambda c: c.fetchval(
                "SELECT 1 FROM api_tokens WHERE token_hash = $1", clean(token_hash)
            )
        )
        return found is not None

    async def count_api_tokens(self) -> int:
        return int(
            await self._run(
                lambda c: c.fetchval("SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL")
            )
        )

    # Ingestion
    async def append_delivery(self, delivery: Delivery) -> AppendResult:
        return await self._writer.submit(
            (
                delivery.workspace_id,
                delivery.endpoint_id,
                delivery.source,
                clean(delivery.key),
                jsonb(delivery.headers),
                delivery.body,
                delivery.received_at,
                delivery.secret_id,
            )
        )

    async def record_rejections(self, counts: RejectionCounts) -> None:
        if not counts:
            return
        keys = sorted(counts)
        await self._run(
            lambda c: c.execute(
                "INSERT INTO rejections (endpoint_id, reason, count, last_at) "
                "SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], "
                "$4::timestamptz[]) ON CONFLICT (endpoint_id, reason) DO UPDATE SET "
                "count = rejections.count + excluded.count, "
                "last_at = greatest(rejections.last_at, excluded.last_at)",
                [k[0] for k in keys],
                [clean(k[1]) for k in keys],
                [counts[k][0] for k in keys],
                [counts[k][1] for k in keys],
            )
        )

    async def pending_deliveries(self, limit: int) -> list[StoredDelivery]:
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE NOT processed "
                "ORDER BY id LIMIT $1",
                limit,
            )
        )
        return [delivery_from_row(r) for r in rows]

    async def process_pending(self, limit: int, parse: Parser) -> tuple[int, list[Event]]:
        async def fn(conn: Conn) -> tuple[int, list[Event]]:
            # Rows another node has taken are skipped, not waited for: each delivery is
            # parsed by one node, and if that node dies mid-batch its rows are free again.
            rows = await conn.fetch(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE NOT processed "
                "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                limit,
            )
            if not rows:
                return 0, []
            parsed = await parse([delivery_from_row(r) for r in rows])
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            await conn.execute(
                "UPDATE deliveries SET processed = true WHERE id = ANY($1::bigint[])",
                [r[0] for r in rows],
            )
            return len(rows), await _insert_parsed(conn, parsed)

        return await self._tx(fn)

    async def save_events(
        self, parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]]
    ) -> list[Event]:
        if not parsed:
            return []

        async def fn(conn: Conn) -> list[Event]:
            # One event writer at a time across every node: ids are then committed in order,
            # so a live stream resuming "after id N" never skips an event committed later.
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            claimed = {
                r[0]
                for r in await conn.fetch(
                    "UPDATE deliveries SET processed = true "
                    "WHERE id = ANY($1::bigint[]) AND NOT processed RETURNING id",
                    [d.id for d, _ in parsed],
                )
            }
            # Others were claimed by another node: its events stand.
            return await _insert_parsed(conn, [p for p in parsed if p[0].id in claimed])

        return await self._tx(fn)

    async def save_replayed_events(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> list[Event]:
        async def fn(conn: Conn) -> list[Event]:
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            return await insert_events(conn, _event_rows([(delivery, drafts)]))

        return await self._tx(fn)

    # Queries
    async def list_events(
        self,
        workspace_id: int,
        filters: EventFilter,
        limit: int,
        before_id: int | None = None,
    ) -> list[Event]:
        return await self._events(workspace_id, filters, limit, "<", before_id, "DESC")

    async def events_after(
        self, workspace_id: int, filters: EventFilter, after_id: int, limit: int
    ) -> list[Event]:
        return await self._events(workspace_id, filters, limit, ">", after_id, "ASC")

    async def _events(
        self,
        workspace_id: int,
        filters: EventFilter,
        limit: int,
        direction: str,
        from_id: int | None,
        order: str,
    ) -> list[Event]:
        """A page of the feed: ids beyond `from_id` (if given) in `order`."""
        where, params = event_where(workspace_id, filters)
        if from_id is not None:
            params.append(from_id)
            where.append(f"e.id {direction} ${len(params)}")
        params.append(limit)
        sql = (
            f"SELECT {prefixed(EVENT_COLUMNS)} FROM events e WHERE {' AND '.join(where)} "
            f"ORDER BY e.id {order} LIMIT ${len(params)}"
        )
        return [event_from_row(r) for r in await self._run(lambda c: c.fetch(sql, *params))]

    async def latest_event_id(self) -> int:
        return int(await self._run(lambda c: c.fetchval("SELECT coalesce(max(id), 0) FROM events")))

    async def get_event(self, workspace_id: int, event_id: int) -> Event | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE id = $1 AND workspace_id = $2",
                event_id,
                workspace_id,
            )
        )
        return event_from_row(row) if row else None

    async def get_delivery(self, workspace_id: int, delivery_id: int) -> StoredDelivery | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1 AND workspace_id = $2",
                delivery_id,
                workspace_id,
            )
        )
        return delivery_from_row(row) if row else None


def _event_rows(
    parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]],
) -> list[tuple[Any, ...]]:
    return [
        event_row(
            d.workspace_id,
            d.endpoint_id,
            d.id,
            d.source,
            draft,
            draft.occurred_at or d.received_at,
            d.received_at,
        )
        for d, drafts in parsed
        for draft in drafts
    ]


async def _insert_parsed(
    conn: Conn, parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]]
) -> list[Event]:
    """Every delivery's events, inside the caller's transaction. If the batch cannot be
    stored, each delivery is tried alone, and one whose events cannot be stored gets the one
    event that always can: the others' events stand and nothing blocks the queue."""
    try:
        async with conn.transaction():  # a savepoint: a failure undoes only this
            return await insert_events(conn, _event_rows(parsed))
    except Exception as exc:
        if is_outage(exc) or len(parsed) == 0:
            raise
    saved: list[Event] = []
    for delivery, drafts in parsed:
        try:
            async with conn.transaction():
                saved += await insert_events(conn, _event_rows([(delivery, drafts)]))
        except Exception as exc:
            if is_outage(exc):
                raise
            log.error("events of delivery %s could not be stored: %r", delivery.id, exc)
            fallback = [unstorable_draft(delivery, exc)]
            saved += await insert_events(conn, _event_rows([(delivery, fallback)]))
    return saved


async def insert_events(conn: Conn, rows: list[tuple[Any, ...]]) -> list[Event]:
    """Insert events (inside the caller's transaction) and announce their ids to every node."""
    if not rows:
        return []
    saved = [event_from_row(r) for r in await conn.fetch(INSERT_EVENTS, *event_columns(rows))]
    saved.sort(key=lambda e: e.id)
    await conn.execute("SELECT pg_notify($1, $2)", EVENTS_CHANNEL, f"{saved[0].id}-{saved[-1].id}")
    return saved
