"""SQLite: reading the feed (filtered pages, search, catch-up after an id, one event, one
delivery, events by id for the live bus, counts and volume)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from echodash.events import Event
from echodash.store.base import EventFilter, StoredDelivery
from echodash.store.rows import (
    DELIVERY_COLUMNS,
    DELIVERY_VOLUME,
    EVENT_COLUMNS,
    delivery_from_row,
    event_from_row,
    fts_query,
    to_micros,
)
from echodash.store.sqlite.connection import SqliteConnection
from echodash.store.sqlite.search import search_rows
from echodash.store.sqlite.sql import event_where, prefixed, volume


class SqliteFeed(SqliteConnection):
    async def list_events(
        self,
        workspace_id: int,
        filters: EventFilter,
        limit: int,
        before_id: int | None = None,
    ) -> list[Event]:
        if fts_query(filters.q or "") is not None:
            return await self._read(
                lambda c: [
                    event_from_row(r)
                    for r in search_rows(c, workspace_id, filters, limit, before_id)
                ]
            )
        where, params = event_where(workspace_id, filters)
        if before_id is not None:
            where.append("e.id < ?")
            params.append(before_id)
        sql = (
            f"SELECT {prefixed(EVENT_COLUMNS)} FROM events e WHERE {' AND '.join(where)} "
            "ORDER BY e.id DESC LIMIT ?"
        )
        params.append(limit)
        return await self._read(lambda c: [event_from_row(r) for r in c.execute(sql, params)])

    async def events_after(
        self, workspace_id: int, filters: EventFilter, after_id: int, limit: int
    ) -> list[Event]:
        where, params = event_where(workspace_id, filters)
        where.append("e.id > ?")
        params.append(after_id)
        sql = (
            f"SELECT {prefixed(EVENT_COLUMNS)} FROM events e WHERE {' AND '.join(where)} "
            "ORDER BY e.id LIMIT ?"
        )
        params.append(limit)
        return await self._read(lambda c: [event_from_row(r) for r in c.execute(sql, params)])

    async def latest_event_id(self) -> int:
        return await self._read(
            lambda c: int(c.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
        )

    async def get_event(self, workspace_id: int, event_id: int) -> Event | None:
        def fn(conn: sqlite3.Connection) -> Event | None:
            row = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ? AND workspace_id = ?",
                (event_id, workspace_id),
            ).fetchone()
            return event_from_row(row) if row else None

        return await self._read(fn)

    async def get_delivery(self, workspace_id: int, delivery_id: int) -> StoredDelivery | None:
        def fn(conn: sqlite3.Connection) -> StoredDelivery | None:
            row = conn.execute(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ? AND workspace_id = ?",
                (delivery_id, workspace_id),
            ).fetchone()
            return delivery_from_row(row) if row else None

        return await self._read(fn)

    async def events_by_ids(self, ids: Sequence[int]) -> list[Event]:
        if not ids:
            return []
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        return await self._read(
            lambda c: [
                event_from_row(r)
                for r in c.execute(
                    f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({marks}) ORDER BY id", wanted
                )
            ]
        )

    async def count_events(self, workspace_id: int, filters: EventFilter, cap: int) -> int:
        match = fts_query(filters.q) if filters.q else None
        where, params = event_where(workspace_id, replace(filters, q=None))
        if filters.origin is None:
            where.append("e.origin <> 'replay'")
        if match is not None:
            where.insert(0, "events_fts MATCH ?")
            params.insert(0, match)
            source = "events_fts f JOIN events e ON e.id = f.rowid"
        else:
            source = "events e"
        inner = f"SELECT 1 FROM {source} WHERE {' AND '.join(where)}"
        sql = f"SELECT count(*) FROM ({inner} LIMIT ?)"
        params.append(max(0, cap))
        return await self._read(lambda c: int(c.execute(sql, params).fetchone()[0]))

    async def event_counts(
        self, workspace_id: int, since: datetime, until: datetime, replays: bool = False
    ) -> list[tuple[str, str, str, str, int]]:
        skip = "" if replays else "AND origin <> 'replay' "
        return await self._read(
            lambda c: [
                (r[0], r[1], r[2], r[3] or "", int(r[4]))
                for r in c.execute(
                    "SELECT source, type, severity, outcome, count(*) FROM events "
                    "WHERE workspace_id = ? AND received_at >= ? AND received_at < ? "
                    f"{skip}GROUP BY source, type, severity, outcome",
                    (workspace_id, to_micros(since), to_micros(until)),
                )
            ]
        )

    async def delivery_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        return await self._read(
            lambda c: volume(c, DELIVERY_VOLUME, workspace_id, since, bucket, buckets)
        )
