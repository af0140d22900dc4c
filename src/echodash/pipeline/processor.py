"""After the commit: stored deliveries become events, which go to the feed's subscribers.

Runs off the receive path. Work is found in the store (deliveries not yet processed), so a
crash between the commit and the parse loses nothing: the next start picks them up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from echodash.bus.base import Bus
from echodash.events import EventDraft, Severity
from echodash.sources.base import Source
from echodash.sources.registry import UnknownSourceError, source_class
from echodash.store.base import Store, StoredDelivery, StoreUnavailableError

log = logging.getLogger("echodash.processor")

BATCH = 500


def parse_delivery(source: Source | None, delivery: StoredDelivery) -> Sequence[EventDraft]:
    """A source's drafts for a delivery; a readable fallback if the parser fails or has none."""
    if source is not None:
        try:
            drafts = source.parse(delivery.headers, delivery.body)
            if drafts:
                return drafts
        except Exception:
            log.exception("parser of %s failed on delivery %s", delivery.source, delivery.id)
    return [
        EventDraft(
            type="unparsed",
            title=f"{delivery.source} delivery of {len(delivery.body)} bytes (not understood)",
            severity=Severity.WARNING,
            fields={"content_type": delivery.headers.get("content-type")},
        )
    ]


class Processor:
    def __init__(self, store: Store, bus: Bus) -> None:
        self._store = store
        self._bus = bus
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self.processed = 0

    def notify(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        """Process until cancelled; wakes when notified, and checks every second regardless."""
        while True:
            try:
                done = await self.process_pending()
            except StoreUnavailableError as exc:
                log.warning("processing paused: %s", exc)
                done = 0
                await asyncio.sleep(1.0)
            if done:
                await asyncio.sleep(0)  # let waiting requests run between batches
                continue
            self._idle.set()
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), 1.0)
            except TimeoutError:
                pass
            self._idle.clear()

    async def process_pending(self) -> int:
        pending = await self._store.pending_deliveries(BATCH)
        if not pending:
            return 0
        sources = await self._sources_for(pending)
        parsed = [(d, parse_delivery(sources.get(d.endpoint_id), d)) for d in pending]
        events = await self._store.save_events(parsed)
        self.processed += len(pending)
        if events:
            self._bus.publish(events)
        return len(pending)

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Until everything stored so far is processed (for tests and orderly shutdown)."""
        self.notify()
        await asyncio.sleep(0)
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def _sources_for(self, deliveries: Sequence[StoredDelivery]) -> dict[int, Source]:
        """Each endpoint's source, built with that endpoint's options (a batch's few lookups)."""
        sources: dict[int, Source] = {}
        for delivery in deliveries:
            if delivery.endpoint_id in sources:
                continue
            record = await self._store.get_endpoint(delivery.workspace_id, delivery.endpoint_id)
            options = record.options if record is not None else {}
            try:
                sources[delivery.endpoint_id] = source_class(delivery.source)(options)
            except UnknownSourceError:
                continue
            except Exception:
                log.exception("source %s could not be built", delivery.source)
        return sources
