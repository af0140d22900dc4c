"""The upkeep part of the Store interface: retention pruning and cluster-wide background jobs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from echodash.events import Event
from echodash.store.base.ingest import StoredDelivery


@dataclass(frozen=True, slots=True)
class JobRun:
    """One run of a cluster-wide background job, as recorded for operators."""

    name: str
    node: str
    started_at: datetime
    finished_at: datetime
    detail: str


class UpkeepStore(ABC):
    @abstractmethod
    async def prune_workspace(self, workspace_id: int, before: datetime, limit: int) -> int:
        """Delete up to `limit` events and up to `limit` deliveries received before `before`.

        Returns how many rows went; call again until it returns 0.
        """

    @abstractmethod
    def job_lease(self, name: str, every: timedelta) -> AbstractAsyncContextManager[bool]:
        """Enter to learn whether this process runs job `name` now.

        True when the job is due (its last run began `every` ago or more) and no other
        process sharing the store holds it; the job is then not due again for `every`.
        """

    @abstractmethod
    async def record_job_run(self, run: JobRun) -> None:
        """Keep a finished run in the job log."""

    @abstractmethod
    async def job_runs(self, name: str, limit: int) -> list[JobRun]:
        """The newest runs of one job, newest first."""

    # Filling in what older versions did not store (the vocabulary of events.py)
    @abstractmethod
    async def events_to_refill(
        self, after_id: int, until_id: int, limit: int
    ) -> list[tuple[Event, StoredDelivery | None]]:
        """Events of every workspace with ids in (after_id, until_id], oldest first, each
        with the delivery it was parsed from (None when gone or never kept)."""

    @abstractmethod
    async def count_events_between(self, after_id: int, until_id: int) -> int:
        """How many events of any workspace have ids in (after_id, until_id]."""

    @abstractmethod
    async def refill_vocabulary(
        self, events: Sequence[Event], meta_key: str, meta_value: str
    ) -> None:
        """Set each event's category, service, environment, outcome, commits and origin (by
        id; nothing else changes), and the instance fact `meta_key`, in one transaction."""
