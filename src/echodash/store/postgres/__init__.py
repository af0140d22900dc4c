"""The PostgreSQL backend: one module per part of the Store interface (as in `store/base/`),
plus its connections, SQL, delivery writer, row rewrites and migrations. Imports asyncpg."""

from __future__ import annotations

from echodash.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
