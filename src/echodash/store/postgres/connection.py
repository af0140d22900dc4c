"""What every part of the PostgreSQL store uses: the pool, running a function on one of its
connections, and turning outages into one error (the pool is made by `PostgresStore`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from echodash.store.base import StoreUnavailableError

if TYPE_CHECKING:
    from echodash.store.postgres.writer import PgDeliveryWriter

T = TypeVar("T")

# A connection, pooled or not (the driver's classes are generic only in its type stubs).
if TYPE_CHECKING:
    Conn: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:
    Conn = asyncpg.Connection

# Failures that mean "the database is not reachable or not accepting work right now": the
# caller answers 503 and tries again later; the pool reconnects by itself.
OUTAGES: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
    asyncpg.exceptions.ReadOnlySQLTransactionError,
    asyncpg.exceptions.InterfaceError,
    # Raised by the driver when a connection broke in the middle of an operation.
    asyncpg.exceptions.InternalClientError,
)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGES)


class PgConnection:
    """Base of the PostgreSQL store's parts."""

    url: str
    _pool_size: int
    _writer: PgDeliveryWriter
    _pool_or_none: asyncpg.Pool | None = None

    @property
    def _pool(self) -> asyncpg.Pool:
        if self._pool_or_none is None:
            raise StoreUnavailableError("the store is not open")
        return self._pool_or_none

    async def _run(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
        """Run `fn` on a pooled connection; outages become StoreUnavailableError."""
        pool = self._pool
        try:
            conn = await pool.acquire()
        except OUTAGES as exc:
            raise StoreUnavailableError(f"the database is unavailable: {exc}") from exc
        try:
            return await fn(conn)
        except StoreUnavailableError:
            raise
        except OUTAGES as exc:
            raise StoreUnavailableError(f"the database is unavailable: {exc}") from exc
        finally:
            await release_quietly(pool, conn)

    async def _tx(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
        """Run `fn` in one transaction on a pooled connection."""

        async def inside(conn: Conn) -> T:
            async with conn.transaction():
                return await fn(conn)

        return await self._run(inside)


_RELEASE_FAILURES: tuple[type[BaseException], ...] = (
    *OUTAGES,
    asyncpg.exceptions.InternalClientError,
)


async def release_quietly(
    pool: asyncpg.Pool[asyncpg.Record], conn: PoolConnectionProxy[asyncpg.Record]
) -> None:
    """Hand a connection back; one that broke is dropped (the pool opens a new one). What
    was done on it stands: a failure here comes after the work, never instead of it."""
    try:
        await pool.release(conn)
    except _RELEASE_FAILURES:
        pass


async def reset_connection(conn: Conn) -> None:
    """Before a connection goes back to the pool: end a transaction left open by a cancelled
    request. (asyncpg's default reset costs a round trip on every release; EchoDash keeps no
    other session state on pooled connections.)"""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")
