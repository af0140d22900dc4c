"""PostgreSQL: opening (a pool; migrations under an advisory lock), closing, health and
instance facts."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from echodash.events import utcnow
from echodash.store.base import (
    StoreUnavailableError,
)
from echodash.store.migrations import migration_scripts
from echodash.store.postgres.connection import (
    OUTAGES,
    Conn,
    PgConnection,
    reset_connection,
)
from echodash.store.postgres.rewrites import REWRITES
from echodash.store.postgres.sql import (
    LOCK_MIGRATIONS,
    LOCK_SPACE,
    clean,
)

CONNECT_TIMEOUT = 5.0
# Anything that stops the store from opening: unreachable, no such database, wrong password.
OPEN_FAILURES: tuple[type[BaseException], ...] = (
    *OUTAGES,
    asyncpg.PostgresError,
    StoreUnavailableError,
)

COMMAND_TIMEOUT = 60.0


class PgLifecycle(PgConnection):
    def observe_commits(self, observer: Callable[[float], None]) -> None:
        self._writer.on_commit = observer

    async def open(self) -> None:
        try:
            self._pool_or_none = await asyncpg.create_pool(
                self.url,
                # No floor: a pool that must keep connections open logs a traceback per
                # attempt while the database is down; connections open on demand instead.
                min_size=0,
                max_size=self._pool_size,
                reset=reset_connection,
                timeout=CONNECT_TIMEOUT,
                command_timeout=COMMAND_TIMEOUT,
                # Connections unused for a minute are closed; the pool reopens on demand.
                max_inactive_connection_lifetime=60.0,
            )
            await self._migrate()
        except OPEN_FAILURES as exc:
            await self.close()
            reason = exc.__cause__ if isinstance(exc, StoreUnavailableError) else exc
            raise StoreUnavailableError(f"cannot open PostgreSQL: {reason}") from exc
        self._writer.start()

    async def _migrate(self) -> None:
        async def fn(conn: Conn) -> None:
            # Nodes starting together take turns; the first applies, the others find it done.
            await conn.execute("SELECT pg_advisory_lock($1, $2)", LOCK_SPACE, LOCK_MIGRATIONS)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
                )
                done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
                for version, name, sql in migration_scripts("echodash.store.postgres"):
                    if version in done:
                        continue
                    async with conn.transaction():
                        await conn.execute(sql)
                        rewrite = REWRITES.get(name)
                        if rewrite is not None:
                            await rewrite(conn)
                        await conn.execute(
                            "INSERT INTO schema_migrations VALUES ($1, $2, $3)",
                            version,
                            name,
                            utcnow(),
                        )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1, $2)", LOCK_SPACE, LOCK_MIGRATIONS)

        await self._run(fn)

    async def close(self) -> None:
        await self._writer.stop()
        if self._pool_or_none is not None:
            pool, self._pool_or_none = self._pool_or_none, None
            try:
                await pool.close()
            except OUTAGES:
                pool.terminate()

    async def ping(self) -> bool:
        try:
            if await self._run(lambda c: c.fetchval("SELECT 1")) != 1:
                return False
            if self._writer.failing:
                # The last commit failed: only a real write shows whether writing works again.
                await self._run(
                    lambda c: c.execute(
                        "INSERT INTO health_probe (id, filler) VALUES (1, $1) "
                        "ON CONFLICT (id) DO UPDATE SET filler = excluded.filler",
                        b"\0" * 1024,
                    )
                )
                self._writer.failing = False
            return True
        except StoreUnavailableError:
            return False

    async def set_meta(self, key: str, value: str) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO instance_meta (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                key,
                clean(value),
            )
        )

    async def get_meta(self, key: str) -> str | None:
        value = await self._run(
            lambda c: c.fetchval("SELECT value FROM instance_meta WHERE key = $1", key)
        )
        return None if value is None else str(value)
