"""The SQLite backend: one module per part of the Store interface (as in `store/base/`), plus
its connections, SQL, single writer, row rewrites and migrations."""

from __future__ import annotations

from echodash.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
