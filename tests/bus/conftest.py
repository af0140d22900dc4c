"""Bus contract fixtures: `run_hub(fn)` calls `fn(hub)` with a store and the bus that goes
with it (the in-process bus on SQLite, LISTEN/NOTIFY on PostgreSQL), both open."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from echodash.bus.base import Bus, Subscription
from echodash.bus.memory import DEFAULT_BACKLOG, MemoryBus
from echodash.events import Delivery, Event, EventDraft, utcnow
from echodash.store.base import EndpointRecord, Store
from echodash.store.sqlite import SqliteStore
from tests.support import create_pg_database, drop_pg_database

T = TypeVar("T")
KINDS = ("memory", "postgres")


@dataclass
class Hub:
    """A store and its bus, as the pipeline uses them: events are stored, then published."""

    store: Store
    bus: Bus
    endpoints: dict[int, EndpointRecord] = field(default_factory=dict)
    sent: int = 0

    async def workspace(self, name: str | None = None) -> int:
        """A workspace (the default one first) with an endpoint to receive deliveries on."""
        ws = (
            await self.store.create_workspace(name)
            if name
            else await self.store.ensure_default_workspace()
        )
        self.endpoints[ws] = await self.store.create_endpoint(
            ws, "custom", "app", f"bus-{ws}", {}, None
        )
        return ws

    async def publish(self, workspace_id: int, count: int) -> list[Event]:
        """Store `count` new events of one workspace in one commit, then publish them."""
        endpoint = self.endpoints[workspace_id]
        for _ in range(count):
            self.sent += 1
            await self.store.append_delivery(
                Delivery(
                    endpoint.id, workspace_id, "custom", f"k{self.sent}", {}, b"{}", utcnow(), None
                )
            )
        pending = await self.store.pending_deliveries(count)
        saved = await self.store.save_events(
            [(d, [EventDraft(type="x", title=f"event {d.key}")]) for d in pending]
        )
        self.bus.publish(saved)
        return saved


async def receive(subscription: Subscription, count: int, timeout: float = 10.0) -> list[Event]:
    """The next `count` events of a subscription (fewer if they do not come in time)."""
    got: list[Event] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and (left := deadline - time.monotonic()) > 0:
        batch = await subscription.next_batch(left)
        assert batch is not None, "the subscription overflowed"
        got += batch
    return got


async def open_hub(kind: str, tmp_path: Path, backlog: int = DEFAULT_BACKLOG) -> Hub:
    if kind == "memory":
        sqlite = SqliteStore(tmp_path / "bus.db")
        await sqlite.open()
        return Hub(sqlite, MemoryBus(backlog))
    from echodash.bus.postgres import PostgresBus
    from echodash.store.postgres import PostgresStore

    url = (tmp_path / "pg-url").read_text()
    store = PostgresStore(url)
    await store.open()
    bus = PostgresBus(url, store, backlog)
    await bus.start()
    assert bus.connected.is_set()
    return Hub(store, bus)


@pytest.fixture(params=KINDS)
def bus_kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each bus's name; for PostgreSQL, a fresh database whose URL is in tmp_path."""
    if request.param == "postgres":
        url = create_pg_database()
        (tmp_path / "pg-url").write_text(url)
        yield request.param
        drop_pg_database(url)
    else:
        yield request.param


@pytest.fixture
def run_hub(bus_kind: str, tmp_path: Path) -> Callable[..., Any]:
    """Run `fn(hub)` on a fresh store and bus of each kind; `backlog` bounds each subscriber."""

    def runner(fn: Callable[[Hub], Coroutine[Any, Any, T]], backlog: int = DEFAULT_BACKLOG) -> T:
        async def main() -> T:
            hub = await open_hub(bus_kind, tmp_path, backlog)
            try:
                return await fn(hub)
            finally:
                await hub.bus.stop()
                await hub.store.close()

        return asyncio.run(main())

    return runner
