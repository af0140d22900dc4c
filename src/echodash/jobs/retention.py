"""Retention: delete each workspace's events and deliveries older than its period."""

from __future__ import annotations

from datetime import timedelta

from echodash.events import utcnow
from echodash.jobs.base import Job
from echodash.store.base import Store
from echodash.workspaces import MIN_RETENTION_DAYS

# Deleted per statement: small enough that the receive path never waits long behind it.
PRUNE_BATCH = 5000


class RetentionJob(Job):
    name = "retention"

    def __init__(self, every_seconds: float) -> None:
        self._every = timedelta(seconds=every_seconds)

    @property
    def every(self) -> timedelta:
        return self._every

    async def run(self, store: Store) -> str:
        pruned: list[str] = []
        total = 0
        for workspace in await store.list_workspaces():
            if workspace.retention_days is None:
                continue
            days = max(workspace.retention_days, MIN_RETENTION_DAYS)
            cutoff = utcnow() - timedelta(days=days)
            removed = 0
            while batch := await store.prune_workspace(workspace.id, cutoff, PRUNE_BATCH):
                removed += batch
            if removed:
                pruned.append(f"{workspace.name}: {removed}")
            total += removed
        if not total:
            return "nothing to prune"
        return f"pruned {total} rows ({'; '.join(pruned)})"
