"""The feed part of the Store interface: reading events (pages, search, catch-up, counts)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from echodash.events import Event
from echodash.store.base.ingest import StoredDelivery


@dataclass(frozen=True, slots=True)
class EventFilter:
    source: str | None = None
    type: str | None = None
    endpoint_id: int | None = None
    severity: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # The shared vocabulary (docs/events.md): each an exact word or name.
    category: str | None = None
    service: str | None = None
    environment: str | None = None
    outcome: str | None = None
    origin: str | None = None


class FeedStore(ABC):
    @abstractmethod
    async def list_events(
        self,
        workspace_id: int,
        filters: EventFilter,
        limit: int,
        before_id: int | None = None,
    ) -> list[Event]:
        """Newest first, ids below `before_id` when given."""

    @abstractmethod
    async def events_after(
        self, workspace_id: int, filters: EventFilter, after_id: int, limit: int
    ) -> list[Event]:
        """Oldest first, ids above `after_id` (for live streams resuming after a gap)."""

    @abstractmethod
    async def latest_event_id(self) -> int:
        """The highest event id in the store (0 when empty)."""

    @abstractmethod
    async def get_event(self, workspace_id: int, event_id: int) -> Event | None:
        """One event of one workspace."""

    @abstractmethod
    async def get_delivery(self, workspace_id: int, delivery_id: int) -> StoredDelivery | None:
        """One stored delivery of one workspace, byte-exact."""

    @abstractmethod
    async def events_by_ids(self, ids: Sequence[int]) -> list[Event]:
        """Events with those ids, of any workspace, oldest first (for the live bus)."""

    @abstractmethod
    async def count_events(self, workspace_id: int, filters: EventFilter, cap: int) -> int:
        """How many events match, counting no further than `cap` (so a count costs at most
        `cap` rows at any store size). Replays are left out unless `filters.origin` asks for
        an origin: a replay repeats an event already counted."""

    @abstractmethod
    async def event_counts(
        self, workspace_id: int, since: datetime, until: datetime, replays: bool = False
    ) -> list[tuple[str, str, str, str, int]]:
        """(source, type, severity, outcome or "", count) of the events received in
        [since, until); replays are left out (a replay repeats an event already counted)
        unless `replays`."""

    @abstractmethod
    async def delivery_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        """Per endpoint, deliveries received in each of `buckets` intervals of `bucket`
        from `since` on (for the sources pages' volume charts)."""
