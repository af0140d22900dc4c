"""The ingest part of the Store interface: deliveries kept durably, then turned into events."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from echodash.events import Delivery, Event, EventDraft

# (endpoint id, reason) -> (how many, when the last one came)
RejectionCounts = dict[tuple[int, str], tuple[int, datetime]]


@dataclass(frozen=True, slots=True)
class AppendResult:
    delivery_id: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class StoredDelivery(Delivery):
    """A delivery as the store keeps it: with its id and how often it was sent again."""

    id: int = 0
    duplicates: int = 0
    # The provider's own id of the thing it reports (Source.thing_id), set when it is parsed:
    # of the deliveries of one thing on an endpoint, webhook or backfill, only the first
    # one processed gets events.
    thing: str | None = None


# What the processor does with a batch of stored deliveries: each one's event drafts.
Parser = Callable[
    [list[StoredDelivery]], Awaitable[list[tuple[StoredDelivery, Sequence[EventDraft]]]]
]


class IngestStore(ABC):
    @abstractmethod
    def append_delivery(self, delivery: Delivery) -> Awaitable[AppendResult]:
        """Durably store a delivery, once per (endpoint, key): awaited, gives the result
        after the commit. (An awaitable rather than a coroutine, so that a backend can hand
        back its writer's future: the receive path awaits one level less.)"""

    @abstractmethod
    async def record_rejections(self, counts: RejectionCounts) -> None:
        """Add refused-delivery counts to their endpoints."""

    @abstractmethod
    async def pending_deliveries(self, limit: int) -> list[StoredDelivery]:
        """Stored deliveries that have not been turned into events yet, oldest first."""

    @abstractmethod
    async def process_pending(
        self, limit: int, parse: Parser, incident_labels: Mapping[int, str] | None = None
    ) -> tuple[int, list[Event]]:
        """Turn up to `limit` unprocessed deliveries, oldest first, into events with `parse`.

        Each delivery is taken by exactly one caller, across every process sharing the store,
        and parsed once; its events and its "processed" mark commit together (with their
        metric facts, incidents recognised by each workspace's label in `incident_labels`,
        the default label for workspaces not in it). Returns how many deliveries were taken
        and the events saved.
        """

    @abstractmethod
    async def save_events(
        self,
        parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]],
        incident_labels: Mapping[int, str] | None = None,
    ) -> list[Event]:
        """Store each delivery's events and mark it processed, atomically (with their metric
        facts, as `process_pending` keeps them)."""

    @abstractmethod
    async def save_replayed_events(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> list[Event]:
        """Store events parsed again from an already processed delivery (a replay)."""
