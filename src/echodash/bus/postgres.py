"""Live fan-out across processes with PostgreSQL LISTEN/NOTIFY.

The store announces every commit of new events in the committing transaction (payload: the
first and last event id, see `store/postgres/ingest.py`), so notifications arrive on every node in
commit order, which is id order. Each node fetches the announced events once and hands them
to its own subscribers. When the listening connection drops, the node reconnects, and every
subscriber reads whatever it may have missed from the store (by its last event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg

from echodash.bus.base import Bus, BusListener, Subscription
from echodash.bus.memory import DEFAULT_BACKLOG, MemoryBus
from echodash.events import Event
from echodash.store.base import Store, StoreUnavailableError
from echodash.store.postgres.connection import OUTAGES
from echodash.store.postgres.sql import ACCESS_CHANNEL, EVENTS_CHANNEL

log = logging.getLogger("echodash.bus")

CHECK_EVERY = 5.0  # seconds between liveness checks of the listening connection
RETRY_EVERY = 0.5  # seconds between reconnection attempts


def parse_payload(payload: str) -> list[int]:
    """Event ids from a notification: "first-last" (or one id)."""
    first, _, last = payload.partition("-")
    try:
        low, high = int(first), int(last or first)
    except ValueError:
        return []
    if high < low or high - low > 100_000:
        return []
    return list(range(low, high + 1))


class PostgresBus(Bus):
    def __init__(self, url: str, store: Store, backlog: int = DEFAULT_BACKLOG) -> None:
        self._url = url
        self._store = store
        # This node's subscribers, each with a bounded backlog (see `bus/memory.py`).
        self._local = MemoryBus(backlog)
        self._payloads: asyncio.Queue[str] = asyncio.Queue()
        self._lost = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None
        self._announcing: set[asyncio.Task[None]] = set()
        # One operation at a time on the listening connection (asyncpg allows no more).
        self._using = asyncio.Lock()
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="echodash-bus-listen"),
            asyncio.create_task(self._deliver(), name="echodash-bus-deliver"),
        ]
        # Give the first connection a moment, so a stream opened right after start-up
        # already receives events; if the database is slow, the listener keeps trying.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), 5.0)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def publish(self, events: Sequence[Event]) -> None:
        """Nothing to do: the store's commit announced these events to every node."""

    def subscribe(self, workspace_id: int) -> Subscription:
        return self._local.subscribe(workspace_id)

    def listen(self, listener: BusListener) -> None:
        self._local.listen(listener)

    def access_changed(self, workspace_id: int) -> None:
        self._local.access_changed(workspace_id)
        if self._conn is not None:  # else the others' streams check again at their next tick
            task = asyncio.create_task(self._announce(self._conn, workspace_id))
            self._announcing.add(task)
            task.add_done_callback(self._announcing.discard)

    async def _announce(self, conn: asyncpg.Connection[asyncpg.Record], workspace_id: int) -> None:
        with contextlib.suppress(*OUTAGES):
            async with self._using:
                await conn.execute("SELECT pg_notify($1, $2)", ACCESS_CHANNEL, str(workspace_id))

    def _on_access(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        if str(payload).isascii() and str(payload).isdigit():
            self._local.access_changed(int(str(payload)))

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        if self._local.has_subscribers:
            self._payloads.put_nowait(str(payload))

    async def _listen(self) -> None:
        ever_connected = False
        while True:
            try:
                conn = await asyncpg.connect(self._url, timeout=RETRY_EVERY * 10)
            except OUTAGES:
                await asyncio.sleep(RETRY_EVERY)
                continue
            try:
                self._lost.clear()
                conn.add_termination_listener(lambda _conn: self._lost.set())
                await conn.add_listener(EVENTS_CHANNEL, self._on_notify)
                await conn.add_listener(ACCESS_CHANNEL, self._on_access)
                self._conn = conn
                if ever_connected:
                    log.warning("live bus reconnected; streams catch up from the store")
                    self._local.overflow_all()
                ever_connected = True
                self.connected.set()
                await self._watch(conn)
            except OUTAGES:
                pass
            finally:
                self._conn = None
                self.connected.clear()
                with contextlib.suppress(*OUTAGES):
                    await conn.close(timeout=1.0)
            log.warning("live bus lost its database connection; reconnecting")
            # Events committed while nobody listened are read from the store by each stream.
            self._local.overflow_all()
            await asyncio.sleep(RETRY_EVERY)

    async def _watch(self, conn: asyncpg.Connection[asyncpg.Record]) -> None:
        """Return when the connection is gone (closed by the server, or not answering)."""
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), CHECK_EVERY)
                return
            async with self._using:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), CHECK_EVERY)

    async def _deliver(self) -> None:
        while True:
            payloads = [await self._payloads.get()]
            while not self._payloads.empty():
                payloads.append(self._payloads.get_nowait())
            ids = sorted({i for p in payloads for i in parse_payload(p)})
            if not ids or not self._local.has_subscribers:
                continue
            try:
                events = await self._store.events_by_ids(ids)
            except StoreUnavailableError:
                self._local.overflow_all()
                continue
            except Exception:
                log.exception("live bus could not fetch events %s..%s", ids[0], ids[-1])
                self._local.overflow_all()
                continue
            self._local.publish(events)
