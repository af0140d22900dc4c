"""PostgreSQL: reading the feed (filtered pages, search, catch-up after an id, one event, one
delivery, events by id for the live bus, counts and volume).

Search pages, as on SQLite: the newest events under the filters are walked first (their index,
backwards), the words checked on each row with the same `@@` the search index answers; the GIN
index is asked only for what lies below the rows walked, once the words turned out rare there.
Left to itself, the planner either reads every match from the GIN index and sorts them (a
common word) or walks the whole feed index for a rare one; the walk bounds both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from echodash.events import Event
from echodash.store.base import (
    EventFilter,
    StoredDelivery,
)
from echodash.store.postgres.connection import (
    PgConnection,
)
from echodash.store.postgres.sql import (
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    delivery_from_row,
    event_from_row,
    event_where,
    prefixed,
    ts_query,
    volume_of,
    volume_query,
)
from echodash.store.rows import DELIVERY_VOLUME

# As on SQLite (store/sqlite/feed.py): rows walked before looking at how dense the matches are,
# and at most, before the search index takes over.
FIRST_WALK = 1_000
MOST_WALKED = 20_000


def walk_sql(where: list[str], first: int) -> str:
    """Ids of the newest rows under the filters below an id (${first}), ${first+1} of them,
    and which of them match the query (${first+2}): one row back per walked slice."""
    inner = (
        f"SELECT e.id, e.search FROM events e WHERE {' AND '.join(where)} AND e.id < ${first} "
        f"ORDER BY e.id DESC LIMIT ${first + 1}"
    )
    return (
        "SELECT count(*), min(w.id), coalesce(array_agg(w.id ORDER BY w.id DESC) "
        f"FILTER (WHERE w.search @@ ${first + 2}::tsquery), '{{}}') FROM ({inner}) AS w"
    )


def index_sql(where: list[str], first: int) -> str:
    """Matches below an id (${first}) from the search index, newest first, ${first+1} at most."""
    return (
        f"SELECT {prefixed(EVENT_COLUMNS)} FROM events e WHERE {' AND '.join(where)} "
        f"AND e.id < ${first} ORDER BY e.id DESC LIMIT ${first + 1}"
    )


class PgFeed(PgConnection):
    async def list_events(
        self,
        workspace_id: int,
        filters: EventFilter,
        limit: int,
        before_id: int | None = None,
    ) -> list[Event]:
        query = ts_query(filters.q) if filters.q else None
        if query is not None:
            return await self._search(workspace_id, filters, query, limit, before_id)
        return await self._events(workspace_id, filters, limit, "<", before_id, "DESC")

    async def _search(
        self,
        workspace_id: int,
        filters: EventFilter,
        query: str,
        limit: int,
        before_id: int | None,
    ) -> list[Event]:
        where, params = event_where(workspace_id, replace(filters, q=None))
        walk = walk_sql(where, len(params) + 1)
        below = before_id if before_id is not None else 2**63 - 1
        found: list[int] = []
        walked, step = 0, FIRST_WALK
        if limit <= 0:
            return []
        while True:
            args = [*params, below, step, query]
            row = await self._run(lambda c: c.fetchrow(walk, *args))  # noqa: B023 (awaited now)
            assert row is not None  # an aggregate gives one row
            count, lowest, hits = row[0], row[1], row[2]
            found.extend(hits[: limit - len(found)])
            walked += count
            if len(found) == limit or count < step:
                return await self._by_ids(found)
            below = lowest
            # Rows still to walk at the density seen so far; rarer, the index is cheaper.
            needed = (limit - len(found)) * walked / len(found) if found else float("inf")
            if walked + needed > MOST_WALKED:
                break
            step = min(MOST_WALKED - walked, max(FIRST_WALK, int(needed * 1.25) + 1))
        where, params = event_where(workspace_id, filters)
        sql = index_sql(where, len(params) + 1)
        args = [*params, below, limit - len(found)]
        rest = await self._run(lambda c: c.fetch(sql, *args))
        return [*await self._by_ids(found), *(event_from_row(r) for r in rest)]

    async def _by_ids(self, ids: list[int]) -> list[Event]:
        if not ids:
            return []
        return (await self.events_by_ids(ids))[::-1]

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

    async def events_by_ids(self, ids: Sequence[int]) -> list[Event]:
        if not ids:
            return []
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ANY($1::bigint[]) ORDER BY id",
                list(ids),
            )
        )
        return [event_from_row(r) for r in rows]

    async def count_events(self, workspace_id: int, filters: EventFilter, cap: int) -> int:
        where, params = event_where(workspace_id, filters)
        if filters.origin is None:
            where.append("e.origin <> 'replay'")
        params.append(max(0, cap))
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM events e WHERE {' AND '.join(where)} "
            f"LIMIT ${len(params)}) AS matching"
        )
        return int(await self._run(lambda c: c.fetchval(sql, *params)))

    async def event_counts(
        self, workspace_id: int, since: datetime, until: datetime, replays: bool = False
    ) -> list[tuple[str, str, str, str, int]]:
        skip = "" if replays else "AND origin <> 'replay' "
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT source, type, severity, outcome, count(*) FROM events "
                "WHERE workspace_id = $1 AND received_at >= $2 AND received_at < $3 "
                f"{skip}GROUP BY source, type, severity, outcome",
                workspace_id,
                since,
                until,
            )
        )
        return [(r[0], r[1], r[2], r[3] or "", int(r[4])) for r in rows]

    async def delivery_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        sql, params = volume_query(DELIVERY_VOLUME, workspace_id, since, bucket, buckets)
        return volume_of(await self._run(lambda c: c.fetch(sql, *params)), buckets)
