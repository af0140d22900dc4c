"""PostgreSQL: deliveries appended by the group-committing writer, then turned into events
(one event writer at a time across every node, announced with NOTIFY in its transaction)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from echodash.events import Delivery, Event, EventDraft, Origin, utcnow
from echodash.store.base import (
    AppendResult,
    Parser,
    RejectionCounts,
    StoredDelivery,
)
from echodash.store.base.endpoints import REFUSAL_LOG_DAYS
from echodash.store.base.metrics import collect_facts, fact_documents
from echodash.store.postgres.connection import (
    Conn,
    PgConnection,
    is_outage,
)
from echodash.store.postgres.metrics import keep_facts
from echodash.store.postgres.sql import (
    DELIVERY_COLUMNS,
    EVENTS_CHANNEL,
    INSERT_EVENTS,
    LOCK_EVENTS,
    LOCK_SPACE,
    clean,
    delivery_from_row,
    event_columns,
    event_from_row,
    event_row,
    jsonb,
)
from echodash.store.rows import origin_of, unstorable_draft

log = logging.getLogger("echodash.store")


class PgIngest(PgConnection):
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
                delivery.origin.value,
            )
        )

    async def record_rejections(self, counts: RejectionCounts) -> None:
        if not counts:
            return
        keys = sorted(counts)
        columns = (
            [k[0] for k in keys],
            [clean(k[1]) for k in keys],
            [counts[k][0] for k in keys],
            [counts[k][1] for k in keys],
        )
        forget = utcnow() - timedelta(days=REFUSAL_LOG_DAYS)

        async def fn(conn: Conn) -> None:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO rejections (endpoint_id, reason, count, last_at) "
                    "SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], "
                    "$4::timestamptz[]) ON CONFLICT (endpoint_id, reason) DO UPDATE SET "
                    "count = rejections.count + excluded.count, "
                    "last_at = greatest(rejections.last_at, excluded.last_at)",
                    *columns,
                )
                await conn.execute(
                    "INSERT INTO refusal_log (endpoint_id, reason, count, at) "
                    "SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], "
                    "$4::timestamptz[])",
                    *columns,
                )
                await conn.execute(
                    "DELETE FROM refusal_log WHERE endpoint_id = ANY($1::bigint[]) AND at < $2",
                    sorted(set(columns[0])),
                    forget,
                )

        await self._run(fn)

    async def pending_deliveries(self, limit: int) -> list[StoredDelivery]:
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE NOT processed "
                "ORDER BY id LIMIT $1",
                limit,
            )
        )
        return [delivery_from_row(r) for r in rows]

    async def process_pending(
        self, limit: int, parse: Parser, incident_labels: Mapping[int, str] | None = None
    ) -> tuple[int, list[Event]]:
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
            documents = fact_documents(parsed)  # before the event writers' lock
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            await conn.execute(
                "UPDATE deliveries SET processed = true WHERE id = ANY($1::bigint[])",
                [r[0] for r in rows],
            )
            return len(rows), await _insert_parsed(conn, parsed, documents, incident_labels)

        return await self._tx(fn)

    async def save_events(
        self,
        parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]],
        incident_labels: Mapping[int, str] | None = None,
    ) -> list[Event]:
        if not parsed:
            return []

        documents = fact_documents(parsed)  # before the event writers' lock

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
            return await _insert_parsed(
                conn, [p for p in parsed if p[0].id in claimed], documents, incident_labels
            )

        return await self._tx(fn)

    async def save_replayed_events(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> list[Event]:
        async def fn(conn: Conn) -> list[Event]:
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
            return await insert_events(conn, _event_rows([(delivery, drafts)], Origin.REPLAY))

        return await self._tx(fn)


def _event_rows(
    parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]],
    origin: Origin | None = None,
) -> list[tuple[Any, ...]]:
    """INSERT rows; each delivery's events get its origin (`origin_of`) unless one is given."""
    return [
        event_row(
            d.workspace_id,
            d.endpoint_id,
            d.id,
            d.source,
            draft,
            draft.occurred_at or d.received_at,
            d.received_at,
            origin or origin_of(d),
        )
        for d, drafts in parsed
        for draft in drafts
    ]


async def _insert_parsed(
    conn: Conn,
    parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]],
    documents: Mapping[int, Any],
    incident_labels: Mapping[int, str] | None = None,
) -> list[Event]:
    """Every delivery's events, and their metric facts (from the deliveries' JSON bodies
    in `documents`, incidents by each workspace's label), inside the caller's transaction."""
    parsed = await _firsts_of_things(conn, parsed)
    saved = await _insert_events_of(conn, parsed)
    deliveries = {d.id: d for d, _ in parsed}
    pairs = [(e, deliveries.get(e.delivery_id or 0)) for e in saved]
    await keep_facts(conn, collect_facts(pairs, documents, incident_labels))
    return saved


async def _firsts_of_things(
    conn: Conn, parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]]
) -> Sequence[tuple[StoredDelivery, Sequence[EventDraft]]]:
    """The deliveries that may have events: those that report no thing, the first of their
    thing on their endpoint (each now holds it), and those not of the other path than the
    first (a backfilled delivery of a thing a webhook reported gets none, nor does a webhook
    of a thing a backfill brought). Called under the event writers' lock."""
    things = [d for d, _ in parsed if d.thing is not None]
    if not things:
        return parsed
    await conn.execute(
        "INSERT INTO delivery_things (endpoint_id, thing, delivery_id, backfilled) "
        "SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::boolean[]) "
        "ON CONFLICT DO NOTHING",
        [d.endpoint_id for d in things],
        [d.thing for d in things],
        [d.id for d in things],
        [d.origin is Origin.BACKFILL for d in things],
    )
    held = {
        (r[0], r[1]): r[2]
        for r in await conn.fetch(
            "SELECT t.endpoint_id, t.thing, t.backfilled FROM delivery_things t "
            "JOIN unnest($1::bigint[], $2::text[]) AS k(endpoint_id, thing) "
            "ON t.endpoint_id = k.endpoint_id AND t.thing = k.thing",
            [d.endpoint_id for d in things],
            [d.thing for d in things],
        )
    }
    return [
        (d, drafts)
        for d, drafts in parsed
        if d.thing is None
        or held.get((d.endpoint_id, d.thing), d.origin is Origin.BACKFILL)
        == (d.origin is Origin.BACKFILL)
    ]


async def _insert_events_of(
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
