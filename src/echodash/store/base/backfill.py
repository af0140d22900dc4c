"""The backfill part of the Store interface: history read from a tool's API, run by run.

A run remembers what it was asked (provider, endpoint, parameters, a sealed token), how far it
got (a cursor the provider's reader understands) and what it added; a lease says which process
works on it, so on N nodes one does, and a run whose process died is taken up again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

RUNNING = "running"
DONE = "done"
FAILED = "failed"
BACKFILL_STATUSES = (RUNNING, DONE, FAILED)


@dataclass(frozen=True, slots=True)
class BackfillRun:
    id: int
    workspace_id: int
    endpoint_id: int
    provider: str  # "github", …
    params: dict[str, Any]  # repo, since, api_url: what was asked, never the token
    status: str
    items: int = 0
    events_added: int = 0
    duplicates: int = 0
    error: str | None = None
    cursor: dict[str, Any] = field(default_factory=dict)
    token_sealed: str | None = None  # the token, sealed with the instance's key
    background: bool = False  # started from the API: the server's job runs it
    node: str | None = None
    lease_until: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """As `GET /api/v1/backfills/{id}` shows it (specs/api.md)."""
        shown: dict[str, Any] = {
            "id": self.id,
            "endpoint_id": self.endpoint_id,
            "status": self.status,
            "items": self.items,
            "events_added": self.events_added,
            "duplicates": self.duplicates,
        }
        if self.error:
            shown["error"] = self.error
        return shown


@dataclass(frozen=True, slots=True)
class BackfillProgress:
    """What a run reached: saved together, after what it counts is committed."""

    cursor: dict[str, Any]
    items: int
    events_added: int
    duplicates: int


class BackfillStore(ABC):
    @abstractmethod
    async def create_backfill(
        self,
        workspace_id: int,
        endpoint_id: int,
        provider: str,
        params: dict[str, Any],
        token_sealed: str | None,
        background: bool,
    ) -> BackfillRun:
        """A new run, status running, not yet leased by any process; `background` runs are
        the server's to take (the command line takes its own by id)."""

    @abstractmethod
    async def get_backfill(self, workspace_id: int, backfill_id: int) -> BackfillRun | None:
        """One run of the workspace."""

    @abstractmethod
    async def resumable_backfill(
        self, workspace_id: int, endpoint_id: int, provider: str, params: dict[str, Any]
    ) -> BackfillRun | None:
        """The newest run of the same request that is not done (running or failed): the
        one to resume, from its cursor."""

    @abstractmethod
    async def claim_backfill(
        self, node: str, lease: timedelta, backfill_id: int | None = None
    ) -> BackfillRun | None:
        """Lease a run that no process holds (or whose lease ran out) to `node` for `lease`,
        status running again: the given one (running or failed), else the oldest running
        background run. None when there is none to take."""

    @abstractmethod
    async def save_backfill_progress(
        self, backfill_id: int, node: str, progress: BackfillProgress, lease: timedelta
    ) -> bool:
        """Keep the run's cursor and counts and renew the lease; False if `node` lost it."""

    @abstractmethod
    async def finish_backfill(
        self, backfill_id: int, node: str, status: str, error: str | None = None
    ) -> None:
        """End `node`'s lease on a run: done (its token is forgotten), or failed with a
        reason (a later run of the same request resumes from its cursor)."""

    @abstractmethod
    async def deliveries_with_events(self, delivery_ids: Sequence[int]) -> int:
        """How many of these deliveries have events (the others were of things already
        there, or are not parsed yet)."""
