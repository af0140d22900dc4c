"""Live fan-out of new events: in one process, or across processes through PostgreSQL."""

from __future__ import annotations

from echodash.bus.base import Bus
from echodash.store.base import Store


def open_bus(database_url: str, store: Store) -> Bus:
    """The bus that suits the store: processes sharing PostgreSQL hear each other's events."""
    if database_url.startswith(("postgresql://", "postgres://")):
        from echodash.bus.postgres import PostgresBus

        return PostgresBus(database_url, store)
    from echodash.bus.memory import MemoryBus

    return MemoryBus()
