"""The backend table: which store and which live bus serve a database URL, and whether several
EchoDash processes may share that database. The only place a URL's scheme is read.

Drivers are imported only when their backend is opened (asyncpg for PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from echodash.bus.base import Bus
    from echodash.store.base import Store


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    # How its URLs begin (scheme and what must follow it).
    prefixes: tuple[str, ...]
    open_store: Callable[[str], Store]
    open_bus: Callable[[str, Store], Bus]
    # Whether several processes (workers, nodes) may share one database.
    several_nodes: bool
    # The database as logs and banners show it when its URL holds no password.
    shown: Callable[[str], str]


def _sqlite_location(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _sqlite_store(url: str) -> Store:
    from echodash.store.sqlite import SqliteStore

    return SqliteStore(Path(_sqlite_location(url)))


def _memory_bus(url: str, store: Store) -> Bus:
    from echodash.bus.memory import MemoryBus

    return MemoryBus()


def _postgres_store(url: str) -> Store:
    try:
        import asyncpg  # noqa: F401
    except ImportError as exc:
        raise ValueError(
            "PostgreSQL needs the asyncpg driver: pip install 'echodash[postgres]'"
        ) from exc
    from echodash.store.postgres import PostgresStore

    return PostgresStore(url)


def _postgres_bus(url: str, store: Store) -> Bus:
    # Processes sharing the database hear each other's events (LISTEN/NOTIFY).
    from echodash.bus.postgres import PostgresBus

    return PostgresBus(url, store)


BACKENDS: tuple[Backend, ...] = (
    Backend(
        name="sqlite",
        prefixes=("sqlite:///",),
        open_store=_sqlite_store,
        open_bus=_memory_bus,
        several_nodes=False,
        shown=_sqlite_location,
    ),
    Backend(
        name="postgres",
        prefixes=("postgresql://", "postgres://"),
        open_store=_postgres_store,
        open_bus=_postgres_bus,
        several_nodes=True,
        shown=lambda url: url,
    ),
)


def find_backend(url: str) -> Backend | None:
    """The backend whose URLs look like `url`, if any."""
    for backend in BACKENDS:
        if url.startswith(backend.prefixes):
            return backend
    return None


def backend_for(url: str) -> Backend:
    """The backend for `url`; a clear error for a URL no backend serves."""
    backend = find_backend(url)
    if backend is None:
        raise ValueError(f"unsupported database URL {url!r}: use sqlite:///path/to/echodash.db")
    return backend


def several_nodes_allowed(url: str) -> bool:
    """Whether several processes may share the database at `url` (False when unknown)."""
    backend = find_backend(url)
    return backend is not None and backend.several_nodes


def shown_database(url: str) -> str:
    """A password-free database URL as logs show it (a SQLite database: its file)."""
    backend = find_backend(url)
    return url if backend is None else backend.shown(url)
