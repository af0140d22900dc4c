"""SQLite's single writer: one thread commits whatever is queued as one transaction.

Group commit is what lets a durable (synchronous=FULL) SQLite receiver keep up: each fsync
covers every delivery that arrived while the previous one ran. Nothing lingers waiting for
company; a lone request is committed at once.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from echodash.store.base import StoreUnavailableError

T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], Any]

log = logging.getLogger("echodash.store")

MAX_BATCH = 2000


@dataclass(slots=True)
class _Job:
    fn: WriteFn | None  # None: a row for the bulk writer
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    row: tuple[Any, ...] = ()


# Writes many queued rows at once (one statement for a whole group) and returns one result
# per row, in order: the hottest write, deliveries, costs one call instead of one per row.
BulkFn = Callable[[sqlite3.Connection, list[tuple[Any, ...]]], list[Any]]


_STOP = object()


class SqliteWriter:
    def __init__(
        self, connect: Callable[[], sqlite3.Connection], bulk: BulkFn | None = None
    ) -> None:
        self._connect = connect
        self._bulk = bulk
        # Called from the writer thread with each group's commit time in seconds.
        self.on_commit: Callable[[float], None] | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._last_error_log = 0.0
        # True from a failed commit until the next one succeeds (health checks read it).
        self.failing = False

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="echodash-sqlite-writer", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        if self._start_error is not None:
            raise self._start_error

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _check_alive(self) -> None:
        if not self.alive:
            raise StoreUnavailableError("the database writer is not running")

    async def submit(self, fn: WriteFn) -> Any:
        """Run `fn(conn)` inside the next group transaction; return its result after COMMIT.

        Whatever `fn` raises is raised here, with its writes undone; the writer goes on."""
        self._check_alive()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Job(fn, future, loop))
        return await future

    def submit_row(self, row: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Queue one row for the bulk writer: its result, once committed, is the future's
        (a plain function, not a coroutine: the receive path awaits one level less)."""
        self._check_alive()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Job(None, future, loop, row))
        return future

    @property
    def alive(self) -> bool:
        """True while the writer thread runs (health checks read it)."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # reported to start()
            self._start_error = exc
            self._ready.set()
            return
        self._ready.set()
        stopping = False
        try:
            while not stopping:
                first = self._queue.get()
                if first is _STOP:
                    break
                batch: list[_Job] = [first]
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stopping = True
                        break
                    batch.append(item)
                try:
                    self._commit(conn, batch)
                except BaseException as exc:
                    # Nothing may end this thread: every later write would wait forever.
                    log.exception("store writer recovered from an unexpected failure")
                    _rollback(conn)
                    _resolve_all([(job, None, _as_error(exc)) for job in batch])
        finally:
            conn.close()

    def _commit(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        started = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            rows = [job for job in batch if job.fn is None]
            if rows:
                outcomes.extend(self._write_rows(conn, rows))
            for job in batch:
                if job.fn is not None:
                    outcomes.append(_run_job(conn, job, job.fn))
            conn.execute("COMMIT")
            self.failing = False
            if self.on_commit is not None:
                self.on_commit(time.perf_counter() - started)
        except sqlite3.DatabaseError as exc:
            if not is_store_error(exc):
                raise  # outside any job: a bug, handled by the loop
            _rollback(conn)
            self.failing = True
            self._log_error(exc)
            failure = StoreUnavailableError(f"the database could not commit: {exc}")
            outcomes = [(job, None, failure) for job in batch]
        _resolve_all(outcomes)

    def _write_rows(
        self, conn: sqlite3.Connection, rows: list[_Job]
    ) -> list[tuple[_Job, Any, BaseException | None]]:
        """The bulk writer's results for queued rows; if it fails on one row's account, each
        row is written alone, so that row alone is refused."""
        bulk = self._bulk
        if bulk is None:
            error = RuntimeError("rows submitted to a writer with no bulk function")
            return [(job, None, error) for job in rows]
        conn.execute("SAVEPOINT rows")
        try:
            results = bulk(conn, [job.row for job in rows])
        except BaseException as exc:
            if is_store_error(exc):
                raise
            conn.execute("ROLLBACK TO rows")
            conn.execute("RELEASE rows")
            if len(rows) == 1:
                return [(rows[0], None, _as_error(exc))]
            return [outcome for job in rows for outcome in self._write_rows(conn, [job])]
        conn.execute("RELEASE rows")
        return [(job, result, None) for job, result in zip(rows, results, strict=True)]

    def _log_error(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_error_log >= 1.0:
            self._last_error_log = now
            log.error("store write failed: %s", exc)


# A job's own mistakes: a constraint, a bad parameter, a value SQLite cannot hold.
_JOB_ERRORS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError)


def is_store_error(exc: BaseException) -> bool:
    """The database itself failing (disk full, I/O error, locked too long, damaged): the
    whole group is refused as "store unavailable". Anything else a job raises (a constraint,
    an integer too large for SQLite, a bug) is that job's own failure."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, _JOB_ERRORS)


def _run_job(
    conn: sqlite3.Connection, job: _Job, fn: WriteFn
) -> tuple[_Job, Any, BaseException | None]:
    """Run one job inside a savepoint: if it fails, its writes are undone and it alone gets
    the error; the transaction and the other jobs of the group go on."""
    conn.execute("SAVEPOINT job")
    try:
        result = fn(conn)
    except BaseException as exc:
        if is_store_error(exc):
            raise
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")
        return job, None, _as_error(exc)
    conn.execute("RELEASE job")
    return job, result, None


def _as_error(exc: BaseException) -> BaseException:
    """What a waiting caller gets: interrupts and exits are not re-raised in its task."""
    if isinstance(exc, Exception):
        return exc
    return RuntimeError(f"the write was interrupted: {type(exc).__name__}")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _resolve_all(outcomes: list[tuple[_Job, Any, BaseException | None]]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, Any, BaseException | None]]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(_set_results, items)
        except RuntimeError:  # that loop is closed: nobody is waiting any more
            pass


def _set_results(items: list[tuple[_Job, Any, BaseException | None]]) -> None:
    for job, result, error in items:
        future = job.future
        if future.done():  # the waiting request was cancelled (e.g. its deadline passed)
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
