"""PostgreSQL group commit for deliveries: whatever is queued goes in one transaction.

Each request queues its row and waits; the writer takes everything queued (no lingering: a
lone request is committed at once), inserts it with one statement, commits, and only then
answers every waiting request. One commit's round trip and fsync covers the whole group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import asyncpg

from echodash.store.base import AppendResult, StoreUnavailableError
from echodash.store.postgres.connection import Conn, is_outage, release_quietly

log = logging.getLogger("echodash.store")

MAX_BATCH = 2000
# Groups committing at once. A commit is mostly waiting (a round trip and the WAL flush), so a
# second group is sent meanwhile. (1, 2 and 3 measured within noise of each other on 2 cores.)
WRITERS = 2

INSERT_DELIVERIES = (
    "INSERT INTO deliveries (workspace_id, endpoint_id, source, key, headers, body, "
    "received_at, secret_id, origin) "
    "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], "
    "$6::bytea[], $7::timestamptz[], $8::bigint[], $9::text[]) "
    "ON CONFLICT (endpoint_id, key) DO NOTHING RETURNING id, endpoint_id, key"
)
COUNT_DUPLICATES = (
    "UPDATE deliveries d SET duplicates = d.duplicates + u.n "
    "FROM unnest($1::bigint[], $2::text[], $3::int[]) AS u(endpoint_id, key, n) "
    "WHERE d.endpoint_id = u.endpoint_id AND d.key = u.key RETURNING d.id, d.endpoint_id, d.key"
)

# workspace, endpoint, source, key, headers (json), body, received, secret, origin
Row = tuple[Any, ...]
Pending = tuple[Row, "asyncio.Future[AppendResult]"]


async def append_rows(conn: Conn, rows: list[Row]) -> list[AppendResult]:
    """Insert rows with one statement; repeats count as duplicates of the stored delivery.
    Results in the order of `rows`."""
    # A stable order of keys: two nodes inserting the same keys never wait on each other
    # in opposite orders (which PostgreSQL would break as a deadlock).
    ordered = sorted(rows, key=lambda r: (r[1], r[3]))
    columns = [list(c) for c in zip(*ordered, strict=True)]
    inserted = {(r[1], r[2]): r[0] for r in await conn.fetch(INSERT_DELIVERIES, *columns)}
    repeats: dict[tuple[int, str], int] = {}
    fresh = set(inserted)
    for row in rows:
        identity = (row[1], row[3])
        if identity in fresh:
            fresh.discard(identity)  # the first copy is the delivery; later ones repeat it
        else:
            repeats[identity] = repeats.get(identity, 0) + 1
    existing: dict[tuple[int, str], int] = {}
    if repeats:
        keys = list(repeats)
        for r in await conn.fetch(
            COUNT_DUPLICATES,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [repeats[k] for k in keys],
        ):
            existing[(r[1], r[2])] = r[0]
    results: list[AppendResult] = []
    first = set(inserted)
    for row in rows:
        identity = (row[1], row[3])
        if identity in first:
            first.discard(identity)
            results.append(AppendResult(inserted[identity], duplicate=False))
        elif identity in existing:
            results.append(AppendResult(existing[identity], duplicate=True))
        else:
            raise StoreUnavailableError("a concurrent write removed the stored delivery")
    return results


class PgDeliveryWriter:
    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool
        self._pending: list[Pending] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._slots = asyncio.Semaphore(WRITERS)
        self._last_error_log = 0.0
        self.on_commit: Callable[[float], None] | None = None
        # True from a failed commit until the next one succeeds (health checks read it).
        self.failing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="echodash-pg-writer")

    async def stop(self) -> None:
        """Finish what was accepted for writing, then stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 30)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def submit(self, row: Row) -> AppendResult:
        future: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        in_flight: set[asyncio.Task[None]] = set()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                # Wait for a free slot first: rows arriving meanwhile join this group.
                await self._slots.acquire()
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                task = asyncio.create_task(self._commit_in_slot(batch))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if self._stopping:
                if in_flight:
                    await asyncio.gather(*in_flight)
                return

    async def _commit_in_slot(self, batch: list[Pending]) -> None:
        try:
            await self._commit(batch)
        finally:
            self._slots.release()

    async def _commit(self, batch: list[Pending]) -> None:
        started = time.perf_counter()
        try:
            try:
                results = await self._write([row for row, _ in batch])
            except asyncpg.exceptions.TransactionRollbackError:
                # Two groups met on the same new keys in a way PostgreSQL broke as a
                # deadlock: the other one went through; this one is simply written again.
                results = await self._write([row for row, _ in batch])
        except Exception as exc:
            if is_outage(exc) or isinstance(exc, StoreUnavailableError):
                self.failing = True
                self._log_error(exc)
                failure = StoreUnavailableError(f"the database could not commit: {exc}")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(failure)
                return
            if len(batch) > 1:
                # One row the database refuses must not sink the others: commit one by one.
                for item in batch:
                    await self._commit([item])
                return
            if not batch[0][1].done():
                batch[0][1].set_exception(exc)
            return
        self.failing = False
        if self.on_commit is not None:
            self.on_commit(time.perf_counter() - started)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # the request may have been cut off by its deadline
                future.set_result(result)

    async def _write(self, rows: list[Row]) -> list[AppendResult]:
        pool = self._pool()
        conn = await pool.acquire()
        try:
            # No BEGIN/COMMIT around it: the INSERT is one statement, durable when it returns
            # (a round trip saved per group). Counting repeats is a second statement of its
            # own; if it fails, the repeats are answered 503 and counted when sent again.
            return await append_rows(conn, rows)
        finally:
            await release_quietly(pool, conn)

    def _log_error(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_error_log >= 1.0:
            self._last_error_log = now
            log.error("store write failed: %s", exc)
