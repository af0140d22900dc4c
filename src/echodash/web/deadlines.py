"""A whole-request deadline, kept by one sweeping timer: for the receive path (web/ingest.py)
and, until their bodies have arrived, for all other requests (web/request_bounds.py).

A client that trickles its body (one byte a second) must not hold a connection and a task
forever; uvicorn's keep-alive timer does not cover a request in progress. A timer per
request would cost more than the rest of the hot path's bookkeeping together, so requests
register their start time and one task cancels those past the deadline.
"""

from __future__ import annotations

import asyncio
import time


class RequestDeadlines:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._started: dict[asyncio.Task[object], float] = {}
        self._expired: set[asyncio.Task[object]] = set()

    def begin(self) -> asyncio.Task[object] | None:
        task = asyncio.current_task()
        if task is not None:
            self._started[task] = time.monotonic()
        return task

    def end(self, task: asyncio.Task[object] | None) -> None:
        if task is not None:
            self._started.pop(task, None)
            self._expired.discard(task)

    def expired(self, task: asyncio.Task[object] | None) -> bool:
        """True (once) when `task` was cancelled by the deadline rather than by anyone else;
        the cancellation is then withdrawn so the handler can answer 408."""
        if task is None or task not in self._expired:
            return False
        self._expired.discard(task)
        task.uncancel()
        return True

    async def run(self) -> None:
        """Sweep until cancelled."""
        interval = max(0.05, min(1.0, self.seconds / 4))
        while True:
            await asyncio.sleep(interval)
            self.sweep()

    def sweep(self) -> None:
        cutoff = time.monotonic() - self.seconds
        late = [task for task, started in self._started.items() if started < cutoff]
        for task in late:
            del self._started[task]
            self._expired.add(task)
            task.cancel()
