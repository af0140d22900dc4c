"""SQLite: deliveries appended by the group-committing writer, then turned into events."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import timedelta

from echodash.events import Delivery, Event, EventDraft, Origin, utcnow
from echodash.store.base import (
    AppendResult,
    Parser,
    RejectionCounts,
    StoredDelivery,
)
from echodash.store.base.endpoints import REFUSAL_LOG_DAYS
from echodash.store.base.metrics import collect_facts, fact_documents
from echodash.store.rows import (
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    delivery_from_row,
    dumps,
    event_from_row,
    to_micros,
    unstorable_draft,
)
from echodash.store.sqlite.alerts import queue_for_alerts
from echodash.store.sqlite.connection import SqliteConnection
from echodash.store.sqlite.metrics import keep_facts
from echodash.store.sqlite.sql import (
    event_params,
)
from echodash.store.sqlite.writer import is_store_error

log = logging.getLogger("echodash.store")

_INSERT_EVENT = (
    "INSERT INTO events (workspace_id, endpoint_id, delivery_id, source, type, title, summary, "
    "actor, subject, url, occurred_at, received_at, severity, tags, fields, category, service, "
    "environment, outcome, commits, origin) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + EVENT_COLUMNS
)


class SqliteIngest(SqliteConnection):
    def append_delivery(self, delivery: Delivery) -> asyncio.Future[AppendResult]:
        return self._writer.submit_row(
            (
                delivery.workspace_id,
                delivery.endpoint_id,
                delivery.source,
                delivery.key,
                dumps(delivery.headers),
                delivery.body,
                to_micros(delivery.received_at),
                delivery.secret_id,
                delivery.origin.value,
            )
        )

    async def record_rejections(self, counts: RejectionCounts) -> None:
        rows = [
            (endpoint_id, reason, count, to_micros(last))
            for (endpoint_id, reason), (count, last) in counts.items()
        ]
        forget = to_micros(utcnow() - timedelta(days=REFUSAL_LOG_DAYS))

        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO rejections (endpoint_id, reason, count, last_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (endpoint_id, reason) DO UPDATE SET count = count + excluded.count, "
                "last_at = max(last_at, excluded.last_at)",
                rows,
            )
            conn.executemany(
                "INSERT INTO refusal_log (endpoint_id, reason, count, at) VALUES (?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "DELETE FROM refusal_log WHERE endpoint_id = ? AND at < ?",
                [(endpoint_id, forget) for endpoint_id in {r[0] for r in rows}],
            )

        await self._write(fn)

    async def pending_deliveries(self, limit: int) -> list[StoredDelivery]:
        return await self._read(
            lambda c: [
                delivery_from_row(row)
                for row in c.execute(
                    f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE processed = 0 "
                    "ORDER BY id LIMIT ?",
                    (limit,),
                )
            ]
        )

    async def process_pending(
        self, limit: int, parse: Parser, incident_labels: Mapping[int, str] | None = None
    ) -> tuple[int, list[Event]]:
        # One process owns a SQLite database; within it, one batch at a time.
        async with self._processing:
            pending = await self.pending_deliveries(limit)
            if not pending:
                return 0, []
            return len(pending), await self.save_events(await parse(pending), incident_labels)

    async def save_events(
        self,
        parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]],
        incident_labels: Mapping[int, str] | None = None,
    ) -> list[Event]:
        documents = fact_documents(parsed)  # outside the writer thread

        def fn(conn: sqlite3.Connection) -> list[Event]:
            saved: list[Event] = []
            stored: list[tuple[Event, StoredDelivery | None]] = []
            for delivery, drafts in parsed:
                events = _save_delivery_events(conn, delivery, drafts)
                saved.extend(events)
                stored.extend((event, delivery) for event in events)
            # The metric facts of these events, in the same transaction: kept exactly once.
            keep_facts(conn, collect_facts(stored, documents, incident_labels))
            return saved

        return await self._write(fn)

    async def save_replayed_events(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> list[Event]:
        return await self._write(
            lambda conn: [_insert_event(conn, delivery, draft, Origin.REPLAY) for draft in drafts]
        )


def _save_delivery_events(
    conn: sqlite3.Connection, delivery: StoredDelivery, drafts: Sequence[EventDraft]
) -> list[Event]:
    """Mark one delivery processed and store its events, both or neither. If its events
    cannot be stored, it gets the one event that always can: never lost, never blocking."""
    conn.execute("SAVEPOINT delivery")
    try:
        claimed = conn.execute(
            "UPDATE deliveries SET processed = 1 WHERE id = ? AND processed = 0",
            (delivery.id,),
        ).rowcount
        if not claimed:
            conn.execute("RELEASE delivery")
            return []  # another worker got there first: its events stand
        if delivery.thing is not None and not _first_of_thing(conn, delivery):
            conn.execute("RELEASE delivery")
            return []  # the same thing came before (as a webhook or from a backfill)
        events = [_insert_event(conn, delivery, draft) for draft in drafts]
    except BaseException as exc:
        if is_store_error(exc):
            raise
        conn.execute("ROLLBACK TO delivery")
        conn.execute("RELEASE delivery")
        log.error("events of delivery %s could not be stored: %r", delivery.id, exc)
        conn.execute("UPDATE deliveries SET processed = 1 WHERE id = ?", (delivery.id,))
        return [_insert_event(conn, delivery, unstorable_draft(delivery, exc))]
    conn.execute("RELEASE delivery")
    return events


def _first_of_thing(conn: sqlite3.Connection, delivery: StoredDelivery) -> bool:
    """Whether `delivery` may have events: the first of its thing on its endpoint (it now
    holds it), or not the other path's (a webhook after webhooks, a backfill after a
    backfill: their own dedup stands)."""
    mine = int(delivery.origin is Origin.BACKFILL)
    taken: int = conn.execute(
        "INSERT OR IGNORE INTO delivery_things (endpoint_id, thing, delivery_id, backfilled) "
        "VALUES (?, ?, ?, ?)",
        (delivery.endpoint_id, delivery.thing, delivery.id, mine),
    ).rowcount
    if taken == 1:
        return True
    held = conn.execute(
        "SELECT backfilled FROM delivery_things WHERE endpoint_id = ? AND thing = ?",
        (delivery.endpoint_id, delivery.thing),
    ).fetchone()
    return held is None or int(held[0]) == mine


def _insert_event(
    conn: sqlite3.Connection,
    delivery: StoredDelivery,
    draft: EventDraft,
    origin: Origin | None = None,
) -> Event:
    params = event_params(delivery, draft, origin)
    event = event_from_row(conn.execute(_INSERT_EVENT, params).fetchone())
    # In the same transaction: an event stored is an event evaluated (replays too; the
    # evaluator tells them by their origin).
    queue_for_alerts(conn, event.id, event.workspace_id)
    return event
