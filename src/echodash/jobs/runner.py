"""Runs every job when it is due, on whichever process claims it first (once, not twice).

Each process looks every TICK seconds; the store's lease (an advisory lock plus a schedule
row on PostgreSQL, the single writer on SQLite) lets exactly one of them run a due job.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence

from echodash.events import utcnow
from echodash.jobs.base import Job
from echodash.store.base import JobRun, Store, StoreUnavailableError

log = logging.getLogger("echodash.jobs")

TICK = 1.0


class JobRunner:
    def __init__(self, store: Store, jobs: Sequence[Job], node: str) -> None:
        self._store = store
        self._jobs = list(jobs)
        self._node = node
        # What each job said last on this process: the same account again (nothing to prune,
        # e-mail not configured) goes to the debug log, so the log says it once.
        self._last_detail: dict[str, str] = {}
        # Set once the first look at the jobs is over (and its log lines written).
        self.first_pass = asyncio.Event()

    async def run(self) -> None:
        """Check for due jobs until cancelled."""
        while True:
            await self.run_due()
            self.first_pass.set()
            # A little jitter keeps processes started together from asking in lockstep.
            await asyncio.sleep(TICK * random.uniform(0.8, 1.2))

    async def run_due(self) -> list[JobRun]:
        """Run every job that is due and not held elsewhere; the runs this process made."""
        done = []
        for job in self._jobs:
            try:
                run = await self._try(job)
            except StoreUnavailableError:
                continue  # the store is away: ask again next tick
            if run is not None:
                done.append(run)
        return done

    async def _try(self, job: Job) -> JobRun | None:
        async with self._store.job_lease(job.name, job.every) as mine:
            if not mine:
                return None
            started = utcnow()
            try:
                detail = await job.run(self._store)
            except StoreUnavailableError as exc:
                detail = f"interrupted: {exc}"
            except Exception as exc:
                log.exception("job %s failed", job.name)
                detail = f"failed: {type(exc).__name__}: {exc}"
        run = JobRun(job.name, self._node, started, utcnow(), detail)
        try:
            await self._store.record_job_run(run)
        except StoreUnavailableError:
            pass
        repeated = self._last_detail.get(job.name) == detail
        self._last_detail[job.name] = detail
        log.log(
            logging.DEBUG if repeated else logging.INFO,
            "job %s ran on %s: %s",
            job.name,
            self._node,
            detail,
        )
        return run
