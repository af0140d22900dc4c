"""The Job interface: a named piece of periodic work, run by one process at a time."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta

from echodash.store.base import Store


class Job(ABC):
    # Unique across jobs: the schedule and the lock are kept under this name.
    name: str

    @property
    @abstractmethod
    def every(self) -> timedelta:
        """How long after a run begins the job is due again."""

    @abstractmethod
    async def run(self, store: Store) -> str:
        """Do the work; return a one-line account of it for the job log."""
