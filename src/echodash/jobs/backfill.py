"""Backfills started from the API or a source's page: one node takes each run (a lease in
the store), reads it in the background, and another takes it over if that node dies."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from echodash.backfill.base import RealClock
from echodash.backfill.providers import PROVIDERS
from echodash.backfill.runner import LEASE, run_backfill
from echodash.crypto import SecretBox
from echodash.jobs.base import Job
from echodash.pipeline.processor import Processor
from echodash.store.base import BackfillRun, Store
from echodash.store.base.backfill import FAILED

log = logging.getLogger("echodash.backfill")

# One backfill at a time on a node: the receive path keeps the rest of the machine.
AT_ONCE = 1


class BackfillJob(Job):
    name = "backfills"

    def __init__(self, processor: Processor, box: SecretBox, node: str) -> None:
        self._processor = processor
        self._box = box
        self._node = node
        self._running: set[asyncio.Task[None]] = set()

    @property
    def every(self) -> timedelta:
        return timedelta(seconds=2)

    async def run(self, store: Store) -> str:
        if len(self._running) >= AT_ONCE:
            return f"{len(self._running)} backfill running here"
        taken = await store.claim_backfill(self._node, LEASE)
        if taken is None:
            return "no backfill to start"
        task = asyncio.create_task(self._read(store, taken))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return f"started backfill {taken.id}"

    async def _read(self, store: Store, run: BackfillRun) -> None:
        build = PROVIDERS.get(run.provider)
        if build is None:
            await store.finish_backfill(run.id, self._node, FAILED, "unknown provider")
            return
        try:
            token = self._box.open(run.token_sealed) if run.token_sealed else None
        except Exception:
            await store.finish_backfill(run.id, self._node, FAILED, "the token cannot be read")
            return
        settings = await store.get_metric_settings(run.workspace_id)
        reading = build(run, token, RealClock(), settings)
        try:
            outcome = await run_backfill(
                store, run, reading.reader, self._node, processor=self._processor
            )
            log.info(
                "backfill %s %s: %s items, %s events added",
                run.id,
                "done" if outcome.done else f"stopped ({outcome.error})",
                outcome.progress.items,
                outcome.progress.events_added,
            )
        except Exception:
            log.exception("backfill %s failed", run.id)
        finally:
            await reading.client.close()
