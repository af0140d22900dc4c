"""Live fan-out of new events: in one process, or across processes through PostgreSQL."""

from __future__ import annotations

from echodash.bus.base import Bus
from echodash.store.backends import backend_for
from echodash.store.base import Store


def open_bus(database_url: str, store: Store) -> Bus:
    """The bus that suits the store (the backend table's choice): processes sharing
    PostgreSQL hear each other's events."""
    return backend_for(database_url).open_bus(database_url, store)
