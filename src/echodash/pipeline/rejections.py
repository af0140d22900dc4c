"""Refused deliveries, counted per endpoint and reason in memory and written once a second.

A flood of forged requests must not turn into a flood of writes: the receive path only
bumps a counter here, and one background task stores the totals.
"""

from __future__ import annotations

import asyncio
import logging

from echodash.events import utcnow
from echodash.store.base import RejectionCounts, Store, StoreUnavailableError

log = logging.getLogger("echodash.rejections")


class RejectionTally:
    def __init__(self, store: Store, interval: float = 1.0) -> None:
        self._store = store
        self._interval = interval
        self._counts: RejectionCounts = {}

    def add(self, endpoint_id: int, reason: str) -> None:
        key = (endpoint_id, reason)
        count, _ = self._counts.get(key, (0, None))
        self._counts[key] = (count + 1, utcnow())

    async def flush(self) -> None:
        if not self._counts:
            return
        counts, self._counts = self._counts, {}
        try:
            await self._store.record_rejections(counts)
        except StoreUnavailableError:
            # Keep them for the next try, merged with whatever arrived meanwhile.
            for key, (count, last) in counts.items():
                newer, latest = self._counts.get(key, (0, last))
                self._counts[key] = (count + newer, max(last, latest))
            raise

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except StoreUnavailableError as exc:
                log.warning("rejection counts not stored yet: %s", exc)
