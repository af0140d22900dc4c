"""What every `echodash serve` process runs for alerts: evaluation, the time-based pass, and
the outbox sender, each a loop that logs a failure and carries on.

- Evaluation is woken when the processor has stored events (and looks every few seconds
  regardless); it takes queued events in batches until none are left. The store runs one
  evaluation at a time across processes, so every process may try.
- The time-based pass (absences due, quiet periods over, repeats) runs every TICK_EVERY
  seconds on one process of the cluster: whichever takes the job lease.
- The sender claims due notifications and sends them (sender.py), and puts each opened and
  resolved alert in the feed (feed_items.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from echodash.alerts.evaluation import Evaluator
from echodash.alerts.feed_items import FeedIntake, FeedItemStore
from echodash.alerts.reads import FeedReader, StoreReads
from echodash.alerts.sender import Outbox, Sender
from echodash.alerts.ssrf import parse_allow
from echodash.config import Settings
from echodash.crypto import SecretBox
from echodash.digest.mailer import Mailer
from echodash.events import utcnow
from echodash.store.base.alerts import Evaluate
from echodash.store.base.lifecycle import StoreUnavailableError

log = logging.getLogger("echodash.alerts")

BATCH = 500
LOOK_EVERY = 5.0  # evaluation looks for queued events this often without being woken
# At most one evaluation pass this often: the processor wakes evaluation after every batch,
# and under a burst that is several times a second, each pass reading every rule and state
# and writing through the one SQLite writer that also acknowledges deliveries. Waiting lets
# the queue gather into fewer, larger passes; an alert opens at most this much later.
COALESCE = 0.5
TICK_EVERY = timedelta(seconds=30)
TICK_LOOK = 5.0  # how often a process asks for the tick's lease
SEND_EVERY = 1.0
RETRY_AFTER = 1.0  # after a failure, the loop waits this long (and logs once per outage)
TICK_JOB = "alerts.tick"


class AlertsStore(FeedReader, Outbox, FeedItemStore, Protocol):
    """The parts of the Store that alerts use."""

    async def evaluate(self, limit: int, evaluate: Evaluate, *, now: datetime) -> int: ...

    async def queued_events(self) -> int: ...

    def job_lease(self, name: str, every: timedelta) -> AbstractAsyncContextManager[bool]: ...


class AlertRunner:
    def __init__(
        self,
        store: AlertsStore,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        box: SecretBox | None = None,
        feed: FeedIntake | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        # Where alerts go in the feed: the app's own (which wakes the processor), else one
        # of the runner's (the processor finds its items within a second).
        self.feed = feed or FeedIntake(store)
        self.evaluator = Evaluator(StoreReads(store))
        self.sender = Sender(
            store,
            Mailer(settings),
            parse_allow(settings.outbound_allow),
            clock=clock,
            box=box,
            feed=self.feed,
        )
        self._woken = asyncio.Event()
        self._send_now = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def notify(self) -> None:
        """Events were stored (called by the processor after each batch: keep it trivial)."""
        self._woken.set()

    # -- steps (each is one look; tests call them directly) -----------------------------------

    async def evaluate_queued(self) -> int:
        """Evaluate queued events until none are left; how many were taken."""
        total = 0
        # A read first: an evaluation with nothing queued would still be a write, and on
        # SQLite the writer is the one that stores deliveries.
        if not await self._store.queued_events():
            return 0
        while True:
            taken = await self._store.evaluate(BATCH, self.evaluator, now=self._clock())
            total += taken
            if taken < BATCH:
                break
        if total:
            self._send_now.set()  # what it opened may have notifications due now
        return total

    async def tick(self) -> bool:
        """The time-based pass, when this process holds its lease; whether it ran."""
        async with self._store.job_lease(TICK_JOB, TICK_EVERY) as mine:
            if not mine:
                return False
            await self._store.evaluate(0, self.evaluator, now=self._clock())
        self._send_now.set()
        return True

    async def send_due(self, now: datetime | None = None) -> int:
        return await self.sender.send_due(now)

    # -- loops ----------------------------------------------------------------------------------

    def start(self) -> list[asyncio.Task[None]]:
        self._tasks = [
            asyncio.create_task(self._evaluation_loop(), name="echodash-alerts-evaluation"),
            asyncio.create_task(
                _forever("alert tick", self.tick, lambda: TICK_LOOK * random.uniform(0.8, 1.2)),
                name="echodash-alerts-tick",
            ),
            asyncio.create_task(self._send_loop(), name="echodash-alerts-sender"),
        ]
        return self._tasks

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.sender.close()

    async def _evaluation_loop(self) -> None:
        last = float("-inf")

        async def step() -> int:
            nonlocal last
            wait = last + COALESCE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            # Cleared before looking, so events stored while we look wake the next wait.
            self._woken.clear()
            last = time.monotonic()
            return await self.evaluate_queued()

        await _forever("alert evaluation", step, lambda: LOOK_EVERY, self._woken)

    async def _send_loop(self) -> None:
        async def step() -> int:
            self._send_now.clear()
            return await self.send_due()

        await _forever("notification sending", step, lambda: SEND_EVERY, self._send_now)


async def _forever(
    name: str,
    step: Callable[[], Awaitable[object]],
    pause: Callable[[], float],
    wake: asyncio.Event | None = None,
) -> None:
    """Run `step` until cancelled: again at once while it finds work, else after `pause`
    seconds or when `wake` is set. A failure is logged once until the step works again, and
    the step is tried again each RETRY_AFTER seconds: alerts never take the process down."""
    failing = False
    while True:
        busy = False
        try:
            done = await step()
            busy = bool(done) and done is not True
            if failing:
                log.warning("%s resumed", name)
                failing = False
        except StoreUnavailableError as error:
            if not failing:
                log.warning("%s paused until the store answers: %s", name, error)
                failing = True
            await asyncio.sleep(RETRY_AFTER)
            continue
        except Exception:
            if not failing:  # the same failure again each second is not logged again
                log.exception("%s failed; trying again every %g s", name, RETRY_AFTER)
            failing = True
            await asyncio.sleep(RETRY_AFTER)
            continue
        if busy:
            await asyncio.sleep(0)  # let requests run between rounds
            continue
        if wake is None:
            await asyncio.sleep(pause())
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), pause())
