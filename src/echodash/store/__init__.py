"""Durable storage behind one interface (`base.Store`), one module per backend."""

from __future__ import annotations

from echodash.store.base import Store


def open_store(url: str) -> Store:
    """The store for a database URL; backends' drivers are imported only when used."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        from echodash.store.sqlite import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import asyncpg  # noqa: F401
        except ImportError as exc:
            raise ValueError(
                "PostgreSQL needs the asyncpg driver: pip install 'echodash[postgres]'"
            ) from exc
        from echodash.store.postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///path/to/echodash.db")
