"""SQLite: reading the feed (filtered pages, search, catch-up after an id, one event, one
delivery, events by id for the live bus, counts and volume).

Search, newest first, with work that stays small at 10 M events. FTS5 answers a prefix word
(`"octocat"*`, how every search word is matched) by first merging the whole list of rows of
every indexed word with that prefix, before the first row comes out: 71 ms for a common word
at 10 M events, 560 ms for `re`, and for a common word under a filter it then reads the event
of every match until the page is full (1.5 s). So a search first walks the newest events under
its filters (their index, newest first) and checks the words on each row itself; only when the
words turn out rare among those rows does it ask the search index, for what lies below the
rows already walked (a rare word's list is short, so merging it is cheap). A filter that
matches nothing ends the walk at once; a common word fills the page within a few hundred rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from echodash.events import Event
from echodash.search import stored_words, text_words, texts_match
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
from echodash.store.sqlite.sql import event_where, prefixed, volume

# Rows walked before the first look at how dense the matches are, and at most in all: at
# ~2 µs a row the walk costs at most ~40 ms, and a page of 50 needs the words in one row of
# 400 to be found this way; rarer words have short lists in the search index.
FIRST_WALK = 1_000
MOST_WALKED = 20_000
# Filters with fewer rows than this (below the page) are read whole by their own index.
FEW_ROWS = 4_000
_TEXTS = "e.id, e.title, e.summary, e.actor, e.subject, e.type, e.source"


def walk_sql(where: list[str]) -> str:
    """The newest rows under the filters (and below an id), with the text search looks in."""
    return (
        f"SELECT {_TEXTS} FROM events e WHERE {' AND '.join(where)} AND e.id < ? "
        "ORDER BY e.id DESC LIMIT ?"
    )


def few_sql(where: list[str], limit: bool) -> str:
    """The rows under the filters below an id, by the index of the filters' own columns (`+id`
    keeps SQLite from walking the whole feed index in id order instead): counted up to a
    limit, to learn whether the filters are rare, or all of them (a rare filter's few rows)."""
    rows = f"FROM events e WHERE {' AND '.join(where)} AND +e.id < ?"
    if limit:
        return f"SELECT count(*) FROM (SELECT 1 {rows} LIMIT ?)"
    return f"SELECT {_TEXTS} {rows} ORDER BY +e.id DESC"


def index_sql(where: list[str]) -> str:
    """Matches from the search index below an id, newest first, filters applied in the join."""
    return (
        f"SELECT {prefixed(EVENT_COLUMNS)} FROM events_fts f JOIN events e ON e.id = f.rowid "
        f"WHERE events_fts MATCH ? AND {' AND '.join(where)} AND f.rowid < ? "
        "ORDER BY f.rowid DESC LIMIT ?"
    )


def search_rows(
    conn: sqlite3.Connection,
    workspace_id: int,
    filters: EventFilter,
    limit: int,
    before_id: int | None,
) -> list[Any]:
    """Up to `limit` events (rows in EVENT_COLUMNS order) matching `filters.q` and the other
    filters, newest first, ids below `before_id`; the same rows the search index alone gives."""
    match = fts_query(filters.q or "")
    where, params = event_where(workspace_id, replace(filters, q=None))
    if match is None or limit <= 0:
        return []
    words = stored_words(filters.q or "")
    below = before_id if before_id is not None else 2**63 - 1
    found: list[int] = []
    if (
        len(where) > 1
        and conn.execute(few_sql(where, True), [*params, below, FEW_ROWS]).fetchone()[0] < FEW_ROWS
    ):
        # A rare filter (one matching nothing, too): its rows, words checked on each.
        for row in conn.execute(few_sql(where, False), [*params, below]):
            if texts_match(words, row[1:]):
                found.append(row[0])
                if len(found) == limit:
                    break
        return _by_ids(conn, found)
    walked, step = 0, FIRST_WALK
    walk = walk_sql(where)
    while True:
        rows = conn.execute(walk, [*params, below, step]).fetchall()
        for row in rows:
            if texts_match(words, row[1:]):
                found.append(row[0])
                if len(found) == limit:
                    return _by_ids(conn, found)
        walked += len(rows)
        if len(rows) < step:
            return _by_ids(conn, found)  # no more rows under the filters
        below = rows[-1][0]
        # Rows still to walk at the density seen so far; rarer than that, the index is cheaper.
        needed = (limit - len(found)) * walked / len(found) if found else float("inf")
        if walked + needed > MOST_WALKED:
            break
        step = min(MOST_WALKED - walked, max(FIRST_WALK, int(needed * 1.25) + 1))
    match += _indexed_filters(filters)
    rest = conn.execute(index_sql(where), [match, *params, below, limit - len(found)])
    return [*_by_ids(conn, found), *rest.fetchall()]


def _indexed_filters(filters: EventFilter) -> str:
    """The source and type filters as search-index terms too (`source : "stripe"`): implied by
    the filters themselves, so the answer is the same, but the index then intersects its own
    lists instead of reading the event of every match of a common word to test its source."""
    terms = ""
    for column, value in (("source", filters.source), ("type", filters.type)):
        words = text_words(value or "")
        if words:
            terms += f' {column} : "{" ".join(words)}"'
    return terms


def _by_ids(conn: sqlite3.Connection, ids: list[int]) -> list[Any]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({marks}) ORDER BY id DESC", ids
    ).fetchall()


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
