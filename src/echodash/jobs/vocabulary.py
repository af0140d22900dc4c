"""Filling in the vocabulary of events stored before EchoDash kept it.

The migration that added the columns (SQLite 0007, PostgreSQL 0004) wrote down the newest
event id of that moment as `until`. In the background, after start-up, stored deliveries are
parsed again, a batch at a time and oldest first, and each event up to `until` gets the
category, service, environment, outcome and commits its parser now gives, and the origin it
arrived by. Its id, title, fields and everything else stay exactly as stored. Progress is kept
in the store with each batch, so a restart resumes after the last batch done; on PostgreSQL one
node at a time does a batch (the job lease). Custom events are read from their stored body
the same way. Events whose delivery is gone (or never kept) keep the defaults.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import orjson

from echodash.events import REPLAY_TAG, Event, EventDraft, Origin, storable, utcnow
from echodash.pipeline.processor import parse_delivery
from echodash.sources import Source, UnknownSourceError, source_class
from echodash.store.base import JobRun, Store, StoredDelivery, StoreUnavailableError
from echodash.store.rows import origin_of

log = logging.getLogger("echodash.jobs")

NAME = "vocabulary"
META_KEY = "vocabulary_fill"
BATCH = 200
# Between batches: the receive path and the processor go first.
PAUSE = 0.05
# Progress lines at most this often (and a last one when done).
REPORT_SECONDS = 5.0


def _state(raw: str | None) -> tuple[int, int] | None:
    """(after, until) of a fill still to do; None when there is none."""
    if raw is None:
        return None
    try:
        doc = orjson.loads(raw)
        after, until = int(doc["after"]), int(doc["until"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        log.warning("vocabulary: unreadable progress %r; not filling", raw[:100])
        return None
    return (after, until) if after < until else None


def _state_text(after: int, until: int) -> str:
    return orjson.dumps({"after": after, "until": until}).decode()


def vocabulary_of(event: Event, delivery: StoredDelivery | None, drafts: Sequence[EventDraft],
                  ordinal: int) -> Event:  # fmt: skip
    """`event` with the vocabulary of the draft it came from (its type's `ordinal`-th, for a
    delivery that makes several events of one type); only those fields change."""
    origin = (
        Origin.REPLAY
        if REPLAY_TAG in event.tags
        else (origin_of(delivery) if delivery is not None else event.origin)
    )
    same_type = [d for d in drafts if d.type == event.type]
    if not same_type:
        return replace(event, origin=origin)
    draft = storable(same_type[ordinal % len(same_type)])
    return replace(
        event,
        category=draft.category,
        service=draft.service,
        environment=draft.environment,
        outcome=draft.outcome,
        commits=draft.commits,
        origin=origin,
    )


class VocabularyFill:
    """Runs once after the upgrade, in the background, until every older event is done."""

    def __init__(
        self,
        store: Store,
        node: str,
        batch: int = BATCH,
        pause: float = PAUSE,
        report_seconds: float = REPORT_SECONDS,
    ) -> None:
        self._store = store
        self._node = node
        self._batch = batch
        self._pause = pause
        self._report_seconds = report_seconds
        self._sources: dict[tuple[int, int], Source | None] = {}

    async def run(self) -> None:
        """Fill until done (returns then) or cancelled; store outages wait and resume."""
        total: int | None = None
        done = 0
        filled = 0  # by this process
        started = time.monotonic()
        reported = started
        while True:
            try:
                state = await self._pending()
                if state is None:
                    if total is not None:
                        await self._finish(filled, started)
                    return
                if total is None:
                    after, until = state
                    done = await self._count(after)
                    total = done + await self._store.count_events_between(after, until)
                    log.info(
                        "vocabulary: filling %s older events in the background "
                        "(category, service, environment, outcome, commits, origin)",
                        f"{total - done:,}",
                    )
                count = await self.step()
            except StoreUnavailableError:
                await asyncio.sleep(1.0)
                continue
            except Exception:
                # Never the server's end: the batch is tried again later.
                log.exception("vocabulary: a batch failed; trying again in 5 s")
                await asyncio.sleep(5.0)
                continue
            if count is None:  # another node holds the lease: look again soon
                await asyncio.sleep(1.0)
                continue
            filled += count
            now = time.monotonic()
            if now - reported >= self._report_seconds:
                reported = now
                # What every node has done (on a cluster they take turns).
                with contextlib.suppress(StoreUnavailableError):
                    state = await self._pending()
                    done = total if state is None else await self._count(state[0])
                    log.info("vocabulary: %s", _progress(done, total))
            await asyncio.sleep(self._pause)

    async def _count(self, after: int) -> int:
        return await self._store.count_events_between(0, after)

    async def _pending(self) -> tuple[int, int] | None:
        return _state(await self._store.get_meta(META_KEY))

    async def step(self) -> int | None:
        """One batch: how many events it covered (0 when none were left), or None when
        another process is doing a batch right now."""
        async with self._store.job_lease(NAME, timedelta(0)) as mine:
            if not mine:
                return None
            state = await self._pending()
            if state is None:
                return 0
            after, until = state
            # One more than a batch: it tells whether the last delivery's events go on.
            rows = await self._store.events_to_refill(after, until, self._batch + 1)
            if len(rows) <= self._batch:
                last = until  # nothing above the last one up to `until`
            else:
                rows = _whole_deliveries(rows[: self._batch], rows[self._batch][0])
                last = rows[-1][0].id
            events = await self._refilled(rows)
            await self._store.refill_vocabulary(events, META_KEY, _state_text(last, until))
            return len(rows)

    async def _refilled(self, rows: Sequence[tuple[Event, StoredDelivery | None]]) -> list[Event]:
        sources: dict[int, Source | None] = {}
        for _, delivery in rows:
            if delivery is not None and delivery.id not in sources:
                sources[delivery.id] = await self._source(delivery)
        # Parsed off the event loop: requests keep being answered while a batch is read.
        return await asyncio.to_thread(_refill, rows, sources)

    async def _source(self, delivery: StoredDelivery) -> Source | None:
        """The delivery's source as its endpoint is set up now (defaults if it is gone)."""
        key = (delivery.workspace_id, delivery.endpoint_id)
        if key in self._sources:
            return self._sources[key]
        record = await self._store.get_endpoint(delivery.workspace_id, delivery.endpoint_id)
        options: dict[str, Any] = record.options if record is not None else {}
        try:
            source: Source | None = source_class(delivery.source)(options)
        except UnknownSourceError:
            source = None
        except Exception:
            log.exception("vocabulary: source %s could not be built", delivery.source)
            source = None
        if len(self._sources) > 10_000:
            self._sources.clear()
        self._sources[key] = source
        return source

    async def _finish(self, filled: int, started: float) -> None:
        seconds = time.monotonic() - started
        detail = f"filled the vocabulary of {filled:,} older events in {seconds:.1f} s"
        log.info("vocabulary: done: %s", detail)
        now = utcnow()
        try:
            await self._store.record_job_run(
                JobRun(NAME, self._node, now - timedelta(seconds=seconds), now, detail)
            )
        except StoreUnavailableError:
            pass


def _whole_deliveries(
    rows: list[tuple[Event, StoredDelivery | None]], following: Event
) -> list[tuple[Event, StoredDelivery | None]]:
    """A batch without its last delivery's events when `following` (the next event) is of
    that delivery too: they come whole in the next batch, so each meets its own draft."""
    tail = rows[-1][0].delivery_id
    if tail is None or following.delivery_id != tail:
        return rows
    keep = len(rows)
    while keep > 0 and rows[keep - 1][0].delivery_id == tail:
        keep -= 1
    return rows[:keep] if keep else rows


def _refill(
    rows: Sequence[tuple[Event, StoredDelivery | None]], sources: dict[int, Source | None]
) -> list[Event]:
    """Each event with the vocabulary its delivery's parse gives (each delivery parsed once)."""
    parsed: dict[int, Sequence[EventDraft]] = {}
    seen: dict[tuple[int, str], int] = {}
    refilled = []
    for event, delivery in rows:
        if delivery is None:
            refilled.append(vocabulary_of(event, None, (), 0))
            continue
        drafts = parsed.get(delivery.id)
        if drafts is None:
            drafts = parsed[delivery.id] = parse_delivery(sources.get(delivery.id), delivery)
        mark = (delivery.id, event.type)
        ordinal = seen.get(mark, 0)
        seen[mark] = ordinal + 1
        refilled.append(vocabulary_of(event, delivery, drafts, ordinal))
    return refilled


def _progress(done: int, total: int | None) -> str:
    if not total:
        return f"{done:,} events"
    return f"{done:,} of {total:,} events ({done * 100 // total} %)"
