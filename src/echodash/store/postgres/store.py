"""The PostgreSQL store: an asyncpg pool, group-committed deliveries, tsvector search.

Several EchoDash processes on several machines share one database: migrations run under an
advisory lock, events are written one transaction at a time (so ids are committed in order)
and announced with NOTIFY in the same transaction, for the live bus on every node.
"""

from __future__ import annotations

from echodash.store.base import Store
from echodash.store.postgres.accounts import PgAccounts
from echodash.store.postgres.alerts import PgAlerts
from echodash.store.postgres.backfill import PgBackfill
from echodash.store.postgres.demo import PgDemo
from echodash.store.postgres.endpoints import PgEndpoints
from echodash.store.postgres.feed import PgFeed
from echodash.store.postgres.ingest import PgIngest
from echodash.store.postgres.lifecycle import PgLifecycle
from echodash.store.postgres.metrics import PgMetrics
from echodash.store.postgres.portable import PgPortable
from echodash.store.postgres.upkeep import PgUpkeep
from echodash.store.postgres.writer import PgDeliveryWriter


class PostgresStore(
    PgLifecycle,
    PgAccounts,
    PgEndpoints,
    PgIngest,
    PgFeed,
    PgUpkeep,
    PgPortable,
    PgAlerts,
    PgMetrics,
    PgBackfill,
    PgDemo,
    Store,
):
    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self._pool_size = pool_size
        self._writer = PgDeliveryWriter(lambda: self._pool)
