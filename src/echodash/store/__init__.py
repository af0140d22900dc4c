"""Durable storage behind one interface (`base.Store`), one module per backend."""

from __future__ import annotations

from echodash.store.base import Store


def open_store(url: str) -> Store:
    """The store for a database URL; backends' drivers are imported only when used."""
    if url.startswith("sqlite:///"):
        from echodash.store.sqlite import SqliteStore, sqlite_path

        return SqliteStore(sqlite_path(url))
    if url.startswith(("postgresql://", "postgres://")):
        raise ValueError(
            "PostgreSQL storage is not available in this version of EchoDash; use a sqlite:/// URL"
        )
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///path/to/echodash.db")
